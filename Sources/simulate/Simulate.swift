import ArgumentParser
import Foundation
import Logging
import TidemarkConfig
import TidemarkDatabase
import TidemarkSimulator

@main
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Build stale states, run every load strategy under every policy, and check the invariants.",
        discussion: """
            simulate list                 the scenarios
            simulate stale-medication     one or more scenarios by name
            simulate all                  every scenario (the CI gate)
            Exit status: 0 every cell as expected; 1 some cell not; 64 bad usage or a bad scenario file.
            """)

    @Argument(help: "`list`, `all`, or scenario names.") var scenarios: [String] = []
    @Option(help: "sqlite, postgres or all.") var backend = "sqlite"
    @Option(help: "An existing PostgreSQL server (otherwise a throwaway cluster is started and removed).")
    var postgresURL: String?
    @Option(name: .customLong("strategy"), help: "Only this strategy (repeatable).") var strategyFilter: [String] = []
    @Option(name: .customLong("policy"), help: "Only this policy (repeatable).") var policyFilter: [String] = []
    @Option(help: "Write the results as JSON to this file.") var json: String?
    @Option(help: "Write one JUnit testcase per cell to this file.") var junit: String?
    @Option(help: "Write a self-contained HTML report to this file.") var html: String?
    @Flag(help: "Show the loader's log lines on stderr.") var verbose = false
    @Option(help: "The seed every generated value derives from (replay a run with it).") var seed: UInt64 = 1
    @Option(help: "The folder of scenario files.") var scenarioDirectory: String?

    func validate() throws {
        guard !scenarios.isEmpty else { throw ValidationError("name a scenario, `all` or `list`") }
        guard ["sqlite", "postgres", "all"].contains(backend) else {
            throw ValidationError("--backend: '\(backend)' is not one of sqlite, postgres, all")
        }
        for s in strategyFilter where StrategyKind(rawValue: s) == nil {
            throw ValidationError("--strategy: '\(s)' is not one of \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for p in policyFilter where PolicyKind(rawValue: p) == nil {
            throw ValidationError("--policy: '\(p)' is not one of reconcile, hybrid, none")
        }
        if let postgresURL {
            do { _ = try DatabaseURL(postgresURL) } catch { throw ValidationError("--postgres-url: \(error)") }
        }
    }

    func run() throws {
        let directory = scenarioDirectory ?? ScenarioLibrary.defaultDirectory()
        let library: [Scenario]
        let configs: [String: TableConfig]
        do {
            library = scenarios == ["list"] || scenarios == ["all"]
                ? try ScenarioLibrary.all(in: directory) : try ScenarioLibrary.named(scenarios, in: directory)
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
        options.backends = backend == "all" ? Backend.allCases : [Backend(rawValue: backend)!]
        if !strategyFilter.isEmpty { options.strategies = strategyFilter.compactMap(StrategyKind.init(rawValue:)) }
        if !policyFilter.isEmpty { options.policies = policyFilter.compactMap(PolicyKind.init(rawValue:)) }
        options.seed = seed
        options.postgresURL = try postgresURL.map { try DatabaseURL($0) }
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
        try write(json, try JSONReport.render(report))
        try write(junit, JUnitReport.render(report))
        try write(html, HTMLReport.render(report))
        if !report.passed { throw ExitCode.failure }
    }

    /// `[12/160] stale-medication/standard/sqlite/hybrid`, redrawn in place on a terminal.
    @Sendable static func progressLine(done: Int, total: Int, id: String) {
        FileHandle.standardError.write(Data("\r\u{1B}[2K[\(done)/\(total)] \(id)".utf8))
    }

    private func write(_ path: String?, _ text: @autoclosure () throws -> String) throws {
        guard let path else { return }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        try text().write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func firstSentence(_ text: String) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        if let end = flat.range(of: ". ") { return String(flat[..<end.lowerBound]) + "." }
        return flat
    }
}
