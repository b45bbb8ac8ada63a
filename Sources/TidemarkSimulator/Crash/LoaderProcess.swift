import Foundation
import TidemarkConfig
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

extension LoaderProcess {
    /// One run of every table of a cell through the binary, as the in-process runner records it. A `fault` is
    /// the closest crash point the binary may honour (`checkpoint-written:<n>:fail`: the n-th batch fails before
    /// it commits); a build without crash points runs without it.
    func runTables(_ tables: [String], configs: [String: TableConfig], databases: CellDatabases, strategy: StrategyKind,
                   policy: PolicyKind, fault: Int?, index: Int) -> [RunRecord] {
        let work = NSTemporaryDirectory() + "/tidemark-loader-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: work) }
        return tables.map { table in
            let started = Date()
            func record(error: String?, _ object: [String: Any] = [:]) -> RunRecord {
                RunRecord(index: index, table: table, rowsRead: object["rows_read"] as? Int ?? 0,
                          rowsLoaded: object["rows_loaded"] as? Int ?? 0,
                          fallback: LoadResult.Fallback(rawValue: object["fallback"] as? String ?? "none") ?? .none,
                          fallbackReason: object["fallback_reason"] as? String,
                          cursorBefore: object["cursor_before"] as? String ?? "",
                          cursorAfter: object["cursor_after"] as? String ?? "",
                          durationSeconds: object["duration_s"] as? Double ?? Date().timeIntervalSince(started),
                          error: error, verified: object["verified"] as? Bool ?? false,
                          rowsRejected: object["rows_rejected"] as? Int ?? 0)
            }
            do {
                try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
                let config = work + "/tables.yml"
                try Self.tablesFile([table: configs[table]!]).write(toFile: config, atomically: true, encoding: .utf8)
                let outcome = try run(databases, config: config, table: table, strategy: strategy.rawValue,
                                      policy: policy.rawValue,
                                      crash: fault.map { CrashPoints.arming(.checkpointWritten, hit: $0, action: .fail) },
                                      workDirectory: work)
                let object = outcome.tables.first ?? [:]
                let error = object["error"] as? String
                    ?? (outcome.status == 0 || outcome.status == 1 && !object.isEmpty ? nil
                        : "exit \(outcome.status): \(outcome.lastLines)")
                return record(error: error, object)
            } catch {
                return record(error: "could not run \(executable): \(error)")
            }
        }
    }

    /// A tables.yml holding these tables' fields, as the `tables.yml` reader reads them.
    static func tablesFile(_ configs: [String: TableConfig]) -> String {
        func list(_ names: [String]) -> String { "[" + names.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        var lines = ["tables:"]
        for (name, config) in configs.sorted(by: { $0.key < $1.key }) {
            lines.append("  \"\(name)\":")
            var fields: [String] = []
            if !config.primaryKey.isEmpty { fields.append("primary_key: \(list(config.primaryKey))") }
            if !config.incrementalColumns.isEmpty { fields.append("incremental_columns: \(list(config.incrementalColumns))") }
            if let value = config.incrementalStrategy { fields.append("incremental_strategy: \(value.rawValue)") }
            if let value = config.primaryIncrementalColumn { fields.append("primary_incremental_column: \"\(value)\"") }
            if let value = config.batchSize { fields.append("batch_size: \(value)") }
            if let value = config.lookbackSeconds { fields.append("lookback_seconds: \(value)") }
            if let value = config.syncProfile { fields.append("sync_profile: \(value.rawValue)") }
            if let value = config.verify { fields.append("verify: \(value.rawValue)") }
            if let value = config.verifyCycle { fields.append("verify_cycle: \(value)") }
            if let value = config.onReject { fields.append("on_reject: \(value.rawValue)") }
            if !config.columnTypes.isEmpty {
                fields.append("column_types: {" + config.columnTypes.map { "\"\($0.column)\": \"\($0.type)\"" }
                    .joined(separator: ", ") + "}")
            }
            lines += fields.map { "    " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
