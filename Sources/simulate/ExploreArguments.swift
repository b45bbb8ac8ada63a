import ArgumentParser
import Foundation
import TidemarkCommandLine
import TidemarkSimulator

/// `simulate explore`: how long to explore, and where findings go.
struct ExploreArguments: ParsableArguments {
    @Option(help: "explore: this many runs per backend (default 20).") var runs: Int?
    @Option(help: "explore: run for this many minutes per backend instead.") var minutes: Double?
    @Flag(help: "explore: do not write findings under scenarios/found/.") var noWrite = false

    func validate() throws {
        if let runs { try checkBounds("--runs", runs, 1...10_000_000) }
        if let minutes { try checkBounds("--minutes", minutes, 0.1...10_000) }
        if runs != nil && minutes != nil { throw ValidationError("--runs and --minutes: give one of them") }
    }

    func run(backend: BackendChoice, harness: HarnessOptions, scenarioDirectory: String, loader: String?) throws {
        var options = ExploreOptions()
        options.seed = harness.seed
        options.backends = try backend.sqliteAndPostgres(for: "explore")
        options.runs = minutes == nil ? (runs ?? 20) : nil
        options.minutes = minutes
        options.postgresURL = try harness.postgresServer()
        options.loader = loader
        options.foundDirectory = noWrite ? nil : scenarioDirectory + "/found"
        options.configs = try ScenarioLibrary.tableConfigs(scenarioDirectory: scenarioDirectory)
        let report = try Exploration.run(options)
        print(report.render(seed: harness.seed))
        if !report.passed { throw ExitCode.failure }
    }
}
