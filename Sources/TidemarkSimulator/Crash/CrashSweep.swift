import Foundation
import TidemarkConfig
import TidemarkDatabase
import TidemarkFixtures
import TidemarkLoader

/// What recovers a crashed run: `reconcile` (verify and repair), or `none` with `verify: off`, where the
/// watermark alone must be crash-safe.
public enum CrashRecovery: String, Sendable, CaseIterable {
    case reconcile
    case noneVerifyOff = "none-verify-off"

    var policy: PolicyKind { self == .reconcile ? .reconcile : .none }
}

/// What `simulate crash-sweep` runs: every combination of these that can reach its point.
public struct CrashSweepOptions: Sendable {
    public var backends: [Backend] = [.sqlite]
    public var strategies = StrategyKind.allCases
    public var cursorModes: [IncrementalLogic] = [.singleColumn, .orLogic, .andLogic]
    public var points = CrashPoint.allCases
    public var hits = [1, 2]
    public var actions: [CrashPoints.Action] = [.kill, .fail]
    public var recoveries = CrashRecovery.allCases
    public var postgresURL: DatabaseURL?
    /// The `etl-run` under test (default: the one built beside `simulate`).
    public var loader = LoaderProcess.besideThisProgram()
    /// Small, so the fixture's 1090 rows make about eleven batches.
    public var batchSize = 100
    public var concurrency = 2

    public init() {}
}

/// One crash: where, how, and what the load around it was.
public struct CrashCase: Sendable, CustomStringConvertible {
    public let point: CrashPoint
    public let hit: Int
    public let action: CrashPoints.Action
    public let strategy: StrategyKind
    public let cursorMode: IncrementalLogic
    public let recovery: CrashRecovery
    public let backend: Backend

    public var description: String {
        "\(point.rawValue):\(hit):\(action.rawValue)/\(strategy.rawValue)/\(cursorMode.rawValue)/\(recovery.rawValue)/\(backend.rawValue)"
    }

    /// Whether this load passes the point at all (a COPY only in `copy`, a repair only under `reconcile`, …).
    static func reaches(_ point: CrashPoint, strategy: StrategyKind, recovery: CrashRecovery) -> Bool {
        switch point {
        case .batchWritten, .checkpointWritten, .batchCommitted: strategy != .parallel
        case .insideCopy: strategy == .copy
        case .workerBatchCommitted: strategy == .parallel
        case .beforeCheckpoint: strategy == .parallel || recovery == .reconcile
        case .betweenRepairLeaves, .reloadStaged, .reloadMerged: recovery == .reconcile
        case .beforeFinish: true
        }
    }

    /// The target damage a case needs for its point to be on the path: a repair over many leaves, or a reload
    /// (a clean target verifies without storing a cursor of its own).
    var damage: Step? {
        switch point {
        case .beforeCheckpoint where recovery == .reconcile: .targetDelete(table: CrashSweep.table, rows: .every(97))
        case .betweenRepairLeaves: .targetDelete(table: CrashSweep.table, rows: .every(40))
        case .reloadStaged, .reloadMerged: .targetDelete(table: CrashSweep.table, rows: .keyRange(1, 1400))
        default: nil
        }
    }
}

/// How one crash case ended: whether its point was reached, and every way recovery fell short.
public struct CrashCaseResult: Sendable {
    public let crash: CrashCase
    /// Crashes that happened (the point is armed in both loads of the case).
    public var crashes = 0
    public var failures: [String] = []
    public var durationSeconds = 0.0

    public var passed: Bool { failures.isEmpty }
}

/// Everything a sweep did.
public struct CrashSweepReport: Sendable {
    public var cases: [CrashCaseResult]
    public var durationSeconds: Double

    public var passed: Bool { cases.allSatisfy(\.passed) }
}

/// The crash sweep: `etl-run` as a child process, killed (SIGKILL) or failed at a named crash point and hit
/// count, then run again; the oracle then checks that nothing was lost or duplicated and that no stored cursor
/// ever claimed a row the target lacked.
///
/// Each case crashes twice: in the first load of an empty target (COPY straight into the table), and in a delta
/// of 250 new rows whose timestamps fall as their keys rise (the order that exposes a cursor moved too far).
public enum CrashSweep {
    static let table = "medication"
    static let key = "MedicationNum"
    static let newRows = 250

    /// The cases the options describe, points that a load cannot reach left out.
    public static func cases(_ options: CrashSweepOptions) -> [CrashCase] {
        var cases: [CrashCase] = []
        for backend in options.backends {
            for point in options.points {
                for strategy in options.strategies {
                    for recovery in options.recoveries where CrashCase.reaches(point, strategy: strategy, recovery: recovery) {
                        for mode in options.cursorModes {
                            for hit in options.hits {
                                for action in options.actions {
                                    cases.append(CrashCase(point: point, hit: hit, action: action, strategy: strategy,
                                                           cursorMode: mode, recovery: recovery, backend: backend))
                                }
                            }
                        }
                    }
                }
            }
        }
        return cases
    }

    public static func run(_ options: CrashSweepOptions,
                           progress: (@Sendable (Int, Int, String) -> Void)? = nil) throws -> CrashSweepReport {
        guard FileManager.default.isExecutableFile(atPath: options.loader) else {
            throw ScenarioError(file: "crash-sweep", line: nil, reason: "no etl-run at \(options.loader) (build it, or pass --loader)")
        }
        let started = Date()
        var results: [CrashCaseResult] = []
        let loader = LoaderProcess(executable: options.loader)
        for backend in options.backends {
            let cases = cases(options).filter { $0.backend == backend }
            try Simulation.withEnvironment(backend, postgresURL: options.postgresURL) { environment in
                let collected = Slots<CrashCaseResult>(count: cases.count)
                let queue = OperationQueue()
                queue.maxConcurrentOperationCount = max(1, options.concurrency)
                for (index, crash) in cases.enumerated() {
                    queue.addOperation {
                        let result = runCase(crash, loader: loader, batchSize: options.batchSize, in: environment)
                        let done = collected.set(index, result)
                        progress?(done, cases.count, crash.description)
                    }
                }
                queue.waitUntilAllOperationsAreFinished()
                results += collected.all()
            }
        }
        return CrashSweepReport(cases: results, durationSeconds: Date().timeIntervalSince(started))
    }

    /// The tables.yml of a case: the fixture's key and timestamp as its cursor mode combines them.
    static func config(_ crash: CrashCase, batchSize: Int) -> String {
        var config = TableConfig(name: table)
        config.primaryKey = [key]
        config.incrementalColumns = crash.cursorMode == .singleColumn ? [key] : [key, "DateTStamp"]
        config.primaryIncrementalColumn = key
        config.incrementalStrategy = crash.cursorMode
        config.batchSize = batchSize
        config.verify = crash.recovery == .reconcile ? .full : .off
        return LoaderProcess.tablesFile([table: config])
    }

    static func runCase(_ crash: CrashCase, loader: LoaderProcess, batchSize: Int,
                        in environment: any CellEnvironment) -> CrashCaseResult {
        let started = Date()
        var result = CrashCaseResult(crash: crash)
        do {
            let databases = try environment.makeCell(crash.description)
            defer { databases.close() }
            let work = NSTemporaryDirectory() + "/tidemark-crash-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: work) }
            let configPath = work + "/tables.yml"
            try config(crash, batchSize: batchSize).write(toFile: configPath, atomically: true, encoding: .utf8)
            try Fixtures.install(Fixtures.medication(), into: databases.source, schema: databases.sourceSchema)

            let judge = CellJudge(scenario: scenario(crash), column: PolicyColumn(crash.recovery.policy), configs: [:],
                                  databases: databases, keys: [table: [key]])
            func load(_ arming: String?) throws -> LoaderProcess.Outcome {
                try loader.run(databases, config: configPath, table: table, strategy: crash.strategy.rawValue,
                               policy: crash.recovery.policy.rawValue, crash: arming, workDirectory: work)
            }
            let arming = CrashPoints.arming(crash.point, hit: crash.hit, action: crash.action)
            // First load into an empty target, then a delta: each crashes where armed and is run again.
            for phase in ["first load", "delta"] {
                if phase == "delta" {
                    try StepApplier(databases: databases, keys: [table: [key]]).apply(newRowsFallingInTime())
                    if let damage = crash.damage { try StepApplier(databases: databases, keys: [table: [key]]).apply(damage) }
                }
                let crashed = try load(arming)
                if crashed.crashed {
                    result.crashes += 1
                    let expected: Int32 = crash.action == .kill ? 128 + SIGKILL : 1
                    if crashed.status != expected {
                        result.failures.append("\(phase): the crashed run exited \(crashed.status), not \(expected)")
                    }
                    // The cursor it left must not claim rows the target lacks (damage aside: that is the target's).
                    if crash.damage == nil, let problem = try judge.watermarkProblem() {
                        result.failures.append("\(phase): after the crash, \(problem)")
                    }
                } else if crashed.status != 0 {
                    result.failures.append("\(phase): the armed run failed without reaching its point: \(crashed.lastLines)")
                }
                let recovery = try load(nil)
                if recovery.status != 0 {
                    result.failures.append("\(phase): the run after the crash exited \(recovery.status): \(recovery.lastLines)")
                }
                let difference = try Oracle.compare(
                    source: databases.source, databases.sourceTable(table), target: databases.target,
                    databases.targetTable(table), key: [key])
                if !difference.isEmpty {
                    result.failures.append("\(phase): after the run that followed the crash, \(difference.displayed().summary)")
                }
                if let problem = try judge.watermarkProblem() {
                    result.failures.append("\(phase): after the run that followed the crash, \(problem)")
                }
            }
            let extra = try load(nil)
            if extra.status != 0 || extra.rowsLoaded != 0 || extra.fallbacks != 0 {
                result.failures.append("one more run exited \(extra.status), wrote \(extra.rowsLoaded) rows with "
                    + "\(extra.fallbacks) fallbacks (idempotence)")
            }
            // Hit 1 of an applicable point is always on the path: never reaching it means the hook is dead.
            if crash.hit == 1 && result.crashes == 0 {
                result.failures.append("the crash point was never reached")
            }
        } catch {
            result.failures.append("the case could not run: \(error)")
        }
        result.durationSeconds = Date().timeIntervalSince(started)
        return result
    }

    /// New rows after the fixture's highest key whose timestamps fall as the keys rise, all after every stamp
    /// the fixture holds.
    static func newRowsFallingInTime() -> Step {
        let rows: [[String: ScalarValue]] = (1...newRows).map { offset in
            let minute = newRows - offset
            return [key: .integer(2000 + Int64(offset)), "MedName": .string("crash \(offset)"),
                    "DateTStamp": .string(String(format: "2026-01-01 %02d:%02d:00", minute / 60, minute % 60))]
        }
        return .sourceInsert(table: table, rows: rows, generate: 0, set: [:])
    }

    /// The judge's view of a case: one fixture, recovered under its policy.
    private static func scenario(_ crash: CrashCase) -> Scenario {
        Scenario(name: "crash-sweep", failureMode: nil, description: crash.description, file: "crash-sweep",
                 fixtures: [FixtureSpec(name: table, rows: nil)], tableOverrides: [:], relationships: [], steps: [],
                 expectations: [crash.recovery.policy: Expectation(recovered: true, fallbackRuns: 0)],
                 unloadable: [:], backends: nil)
    }
}

extension CrashSweepReport {
    /// One line per backend and crash point (cases, crashes that happened, failures), then every failed case.
    public static func render(_ report: CrashSweepReport) -> String {
        var lines = ["crash-sweep: \(report.cases.count) cases in \(String(format: "%.1f", report.durationSeconds)) s"]
        lines.append("  backend   point                     cases  crashed  failed")
        for backend in Backend.allCases {
            for point in CrashPoint.allCases {
                let cases = report.cases.filter { $0.crash.backend == backend && $0.crash.point == point }
                guard !cases.isEmpty else { continue }
                let crashed = cases.filter { $0.crashes > 0 }.count
                let failed = cases.filter { !$0.passed }.count
                lines.append("  " + backend.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                    + point.rawValue.padding(toLength: 26, withPad: " ", startingAt: 0)
                    + String(cases.count).leftPadded(5) + String(crashed).leftPadded(9) + String(failed).leftPadded(8)
                    + (failed > 0 ? "  ✘" : "  ✔"))
            }
        }
        for result in report.cases where !result.passed {
            lines.append("✘ \(result.crash): " + result.failures.joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
