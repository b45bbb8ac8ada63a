import ArgumentParser
import Foundation
import TidemarkCommandLine
import TidemarkConfig
import TidemarkLoader
import TidemarkSimulator

/// `simulate crash-sweep`: which crashes to inject into which `etl-run`.
struct CrashSweepArguments: ParsableArguments {
    @Option(help: "crash-sweep: only this crash point (repeatable).") var point: [CrashPoint] = []
    @Option(help: "crash-sweep: the hit counts at which a point fires (repeatable; default 1 and 2).") var hit: [Int] = []
    @Option(help: "crash-sweep: kill (SIGKILL) or fail (the target fails there) (repeatable; default both).")
    var action: [CrashPoints.Action] = []
    @Option(help: "crash-sweep: only this cursor mode (repeatable).") var cursorMode: [IncrementalLogic] = []
    @Option(help: "crash-sweep: only this recovery (repeatable).") var recovery: [CrashRecovery] = []
    @Option(help: "crash-sweep: cases run at once.") var concurrency = 2

    func validate() throws {
        for value in hit { try checkBounds("--hit", value, 1...1000) }
        try checkBounds("--concurrency", concurrency, 1...64)
    }

    func run(backend: BackendChoice, strategies: [StrategyKind], harness: HarnessOptions, loader: String?) throws {
        var options = CrashSweepOptions()
        options.backends = try backend.sqliteAndPostgres(for: "crash-sweep")
        if !strategies.isEmpty { options.strategies = strategies }
        if !point.isEmpty { options.points = point }
        if !hit.isEmpty { options.hits = hit }
        if !action.isEmpty { options.actions = action }
        if !cursorMode.isEmpty { options.cursorModes = cursorMode.filter { $0 != .none } }
        if !recovery.isEmpty { options.recoveries = recovery }
        if let loader { options.loader = loader }
        options.concurrency = concurrency
        options.postgresURL = try harness.postgresServer()
        let terminal = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
        let report: CrashSweepReport
        do {
            report = try CrashSweep.run(options, progress: terminal ? Simulate.progressLine : nil)
        } catch let error as ScenarioError {
            FileHandle.standardError.write(Data("simulate: \(error)\n".utf8))
            throw ExitCode(64)
        }
        if terminal { FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8)) }
        print(CrashSweepReport.render(report))
        if !report.passed { throw ExitCode.failure }
    }
}
