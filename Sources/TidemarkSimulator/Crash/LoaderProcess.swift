import Foundation
import TidemarkDatabase
import TidemarkLoader
import TidemarkProcesses

/// An `etl-run` binary driven through its command-line contract (design §7) as a child process: the crash
/// sweep kills it where the environment says, so it cannot run in this process.
struct LoaderProcess: Sendable {
    /// The `etl-run` to run.
    let executable: String

    /// The `etl-run` built beside this program (`.build/<config>/etl-run`).
    static func besideThisProgram() -> String {
        let me = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return me.deletingLastPathComponent().appendingPathComponent("etl-run").path
    }

    /// How one invocation ended.
    struct Outcome {
        let status: Int32
        let stderr: String
        /// The `--json` objects of the tables it reported.
        let tables: [[String: Any]]
        /// The crash point it reported reaching, if any.
        let crashed: Bool

        var rowsLoaded: Int { tables.compactMap { $0["rows_loaded"] as? Int }.reduce(0, +) }
        var fallbacks: Int { tables.filter { ($0["fallback"] as? String ?? "none") != "none" }.count }
        var lastLines: String { stderr.split(separator: "\n").suffix(4).joined(separator: " | ") }
    }

    /// Runs one load of `table` into the cell's target; `crash` arms a crash point in the child's environment.
    func run(_ databases: CellDatabases, config: String, table: String, strategy: String, policy: String,
             crash: String?, workDirectory: String) throws -> Outcome {
        var environment = ProcessInfo.processInfo.environment
        environment[CrashPoints.variable] = crash
        var arguments = ["--config", config, "--tables", table, "--strategy", strategy, "--policy", policy, "--json",
                         "--method-usage", workDirectory + "/method_usage.json"]
        for (flag, url) in [("--source", databases.sourceURL), ("--target", databases.targetURL)] {
            // A password travels in the child's environment, never in its arguments.
            let (text, password) = Self.commandLineURL(url)
            arguments += [flag, text]
            if let password { environment["PGPASSWORD"] = password }
        }
        if let schema = databases.sourceSchema { arguments += ["--source-schema", schema] }
        if let schema = databases.targetSchema { arguments += ["--target-schema", schema] }
        let result = try ProcessRunner.run(executable, arguments, environment: environment)
        let tables = result.stdout.split(separator: "\n").compactMap { line -> [String: Any]? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                object["table"] != nil else { return nil }
            return object
        }
        return Outcome(status: result.status, stderr: result.stderr, tables: tables,
                       crashed: result.stderr.contains("tidemark: crash point "))
    }

    /// The URL as `etl-run` takes it, and the password it left out.
    private static func commandLineURL(_ url: DatabaseURL) -> (String, String?) {
        switch url {
        case .postgres(let parameters):
            let password = parameters.first { $0.keyword == "password" }?.value
            let text = parameters.filter { $0.keyword != "password" }
                .map { "\($0.keyword)='\($0.value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'"))'" }
                .joined(separator: " ")
            return (text, password)
        default:
            return (url.redacted, nil)
        }
    }
}
