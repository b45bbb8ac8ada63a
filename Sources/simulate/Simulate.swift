import ArgumentParser
import Foundation
import Logging
import TidemarkCommandLine
import TidemarkConfig
import TidemarkLoader
import TidemarkSimulator

@main
struct Simulate: ParsableCommand {
    /// ArgumentParser's main, with any password in the command line kept out of its messages.
    static func main() { mainRedactingArguments() }

    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Build stale states, run every load strategy under every policy, and check the invariants.",
        discussion: """
            simulate list                 the scenarios
            simulate stale-medication     one or more scenarios by name
            simulate all                  every scenario (the CI gate)
            simulate found                every finding of `simulate explore` kept in scenarios/found/
            simulate crash-sweep          etl-run killed at every crash point × strategy × cursor mode, then rerun
            simulate explore              seeded random cases; a violation is shrunk into scenarios/found/
            Exit status: 0 every cell as expected; 1 some cell not; 64 bad usage or a bad scenario file.
            """)

    @Argument(help: "`list`, `all`, or scenario names.") var scenarios: [String] = []
    @Option(help: "The engines of source and target.") var backend: BackendChoice = .one(.sqlite)
    @Option(name: .customLong("strategy"), help: "Only this strategy (repeatable).")
    var strategyFilter: [StrategyKind] = []
    @Option(name: .customLong("policy"), help: "Only this policy column, `reconcile/rolling` included (repeatable).") var policyFilter: [PolicyColumn] = []
    @OptionGroup var harness: HarnessOptions
    @Option(help: "Write one JUnit testcase per cell to this file.") var junit: String?
    @Flag(help: "Show the loader's log lines on stderr.") var verbose = false
    @Option(help: "The folder of scenario files.") var scenarioDirectory: String?
    @Option(help: "Drive this etl-run through its command line instead of the loader in this process (crash-sweep: default the one built beside simulate).")
    var loader: String?
    @OptionGroup(title: "crash-sweep") var crash: CrashSweepArguments
    @OptionGroup(title: "explore") var explore: ExploreArguments

    func validate() throws {
        guard !scenarios.isEmpty else { throw ValidationError("name a scenario, `all` or `list`") }
    }

    func run() throws {
        if scenarios == ["crash-sweep"] {
            return try crash.run(backend: backend, strategies: strategyFilter, harness: harness, loader: loader)
        }
        let directory = scenarioDirectory ?? ScenarioLibrary.defaultDirectory()
        if scenarios == ["explore"] {
            return try explore.run(backend: backend, harness: harness, scenarioDirectory: directory, loader: loader)
        }
        let library: [Scenario]
        let configs: [String: TableConfig]
        do {
            switch scenarios {
            case ["list"], ["all"]: library = try ScenarioLibrary.all(in: directory)
            case ["found"]: library = try ScenarioLibrary.all(in: directory + "/found")
            default: library = try ScenarioLibrary.named(scenarios, in: directory)
            }
            configs = try ScenarioLibrary.tableConfigs(scenarioDirectory: directory)
        } catch {
            FileHandle.standardError.write(Data("simulate: \(error)\n".utf8))
            throw ExitCode(64)
        }
        if scenarios == ["list"] {
            for scenario in library {
                print(scenario.name.padding(toLength: 24, withPad: " ", startingAt: 0)
                    + (scenario.failureMode.map { "[\($0)] " } ?? "") + firstSentence(scenario.description))
            }
            return
        }

        var options = SimulationOptions()
        options.backends = backend.backends
        if !strategyFilter.isEmpty { options.strategies = strategyFilter }
        if !policyFilter.isEmpty { options.policies = policyFilter }
        options.seed = harness.seed
        options.postgresURL = try harness.postgresServer()
        options.mysqlURL = try harness.mysqlServer()
        options.loader = loader
        if verbose {
            options.logger = Logger(label: "tidemark") { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .info
                return handler
            }
        }
        let terminal = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        let progress = terminal && !verbose ? Self.progressLine : nil

        let report = try Simulation.run(library, configs: configs, options: options, progress: progress)
        if progress != nil { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }

        let color = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
            && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        print(MatrixReport.render(report, color: color))
        try writeReport(try JSONReport.render(report), to: harness.json)
        try writeReport(JUnitReport.render(report), to: junit)
        try writeReport(HTMLReport.render(report), to: harness.html)
        if !report.passed { throw ExitCode.failure }
    }

    /// `[12/160] stale-medication/standard/sqlite/hybrid`, redrawn in place on a terminal.
    @Sendable static func progressLine(done: Int, total: Int, id: String) {
        FileHandle.standardError.write(Data("\r\u{1B}[2K[\(done)/\(total)] \(id)".utf8))
    }

    private func firstSentence(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        if let end = flat.range(of: ". ") { return String(flat[..<end.lowerBound]) + "." }
        return flat
    }
}

/// `--backend`: one backend, or `all` of them.
enum BackendChoice: RawRepresentable, CaseIterable, ExpressibleByArgument {
    case one(Backend)
    case all

    static var allCases: [BackendChoice] { Backend.allCases.map(BackendChoice.one) + [.all] }

    init?(rawValue: String) {
        guard let choice = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = choice
    }

    var rawValue: String {
        switch self {
        case .one(let backend): backend.rawValue
        case .all: "all"
        }
    }

    var backends: [Backend] {
        switch self {
        case .one(let backend): [backend]
        case .all: Backend.allCases
        }
    }

    /// The backends of `explore` and `crash-sweep`, which draw SQLite and PostgreSQL sources only: `all` is
    /// those two, and a MariaDB backend is a usage error.
    func sqliteAndPostgres(for command: String) throws -> [Backend] {
        switch self {
        case .all: return [.sqlite, .postgres]
        case .one(let backend) where backend == .sqlite || backend == .postgres: return [backend]
        case .one(let backend):
            throw ValidationError("--backend \(backend.rawValue): \(command) runs on sqlite and postgres only")
        }
    }
}

// The crash sweep's choices as command-line values (their raw values are the spellings).
extension IncrementalLogic: ExpressibleByArgument {}
extension PolicyColumn: ExpressibleByArgument {}
extension CrashPoint: ExpressibleByArgument {}
extension CrashPoints.Action: ExpressibleByArgument {}
extension CrashRecovery: ExpressibleByArgument {}
