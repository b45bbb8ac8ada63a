import Foundation
import Logging
import TidemarkConfig
import TidemarkDrivers
import TidemarkFixtures
import TidemarkLoader

/// Runs one cell: fresh databases, fixtures, the scenario's steps with the loader in process; the ``CellJudge``
/// then checks the invariants. Everything random comes from the cell's seed.
struct CellRunner {
    let scenario: Scenario
    let strategy: StrategyKind
    let policy: PolicyKind
    let configs: [String: TableConfig]
    let seed: UInt64
    let logger: Logger
    /// An `etl-run` to drive as a child process (black-box mode) instead of the loader in this process.
    var loader: LoaderProcess?
    /// `rolling` in the `reconcile/rolling` column (its configs say `verify: rolling`).
    var verify: VerifyMode?

    private var column: PolicyColumn { verify == .rolling ? .reconcileRolling : PolicyColumn(policy) }

    /// What the cell ended with, for the cross-strategy comparison.
    struct Outcome {
        var result: CellResult
        var fingerprint: String?
    }

    func run(in environment: any CellEnvironment) -> Outcome {
        let started = DispatchTime.now().uptimeNanoseconds
        var result = CellResult(
            scenario: scenario.name, strategy: strategy, backend: environment.backend,
            policy: policy, verify: verify, status: .passed, notRunReason: nil,
            expected: scenario.expectation(for: column, configs: configs),
            observedRecovered: nil, observedFallbackRuns: 0, observedRowsLoaded: nil, runs: [], checks: [],
            failures: [], durationSeconds: 0, seed: seed)
        var fingerprint: String?
        do {
            let databases = try environment.makeCell(result.id)
            defer { databases.close() }
            fingerprint = try execute(databases, into: &result)
        } catch {
            result.failures.append("the cell could not run: \(error)")
        }
        if !result.failures.isEmpty { result.status = .failed }
        result.durationSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return Outcome(result: result, fingerprint: fingerprint)
    }

    private var tables: [String] { scenario.fixtures.map(\.name) }

    /// The fixture a spec names, with only its columns when it names some.
    private func fixture(_ spec: FixtureSpec) throws -> FixtureTable {
        let table = wholeFixture(spec)
        guard let columns = spec.columns else { return table }
        guard let projected = table.projected(onto: columns) else {
            throw ScenarioError(file: scenario.name, line: nil, reason: "fixture \(spec.name) has no column "
                + "\(columns.filter { !table.columnNames.contains($0) }.joined(separator: ", ")); it has "
                + table.columnNames.joined(separator: ", "))
        }
        return projected
    }

    private func wholeFixture(_ spec: FixtureSpec) -> FixtureTable {
        switch spec.name {
        case "medication": return Fixtures.medication()
        case "allergydef": return Fixtures.allergydef()
        case "procedurelog": return Fixtures.procedurelog(rows: spec.rows ?? 2000, seed: seed)
        case "typezoo": return Fixtures.typezoo(rows: spec.rows ?? 600, seed: seed)
        case "odtypes": return Fixtures.odtypes(rows: spec.rows ?? 600, seed: seed)
        case "auditlink": return Fixtures.auditlink()
        case "claimline": return Fixtures.claimline(rows: spec.rows ?? 600)
        case "extremekeys": return Fixtures.typezoo(rows: spec.rows ?? 600, seed: seed).withName(TableName("extremekeys"))
        default: return Fixtures.securitylog(rows: spec.rows ?? 2000, seed: seed)
        }
    }

    /// Drives the steps, then hands what it saw to the judge; returns the target's fingerprint after the
    /// idempotence run.
    private func execute(_ databases: CellDatabases, into result: inout CellResult) throws -> String? {
        var keys: [String: [String]] = [:]
        for spec in scenario.fixtures {
            let table = try fixture(spec)
            // A table without a key: steps select rows by its first column (every copy that holds the value).
            keys[spec.name] = table.schema.primaryKey.isEmpty ? [table.schema.columns[0].name] : table.schema.primaryKey
            try Fixtures.install(table, into: databases.source, schema: databases.sourceSchema)
            if spec.name == "extremekeys" { try ExtremeKeys.spread(databases.source, databases.sourceTable(spec.name)) }
        }
        guard let observed = try drive(databases, keys: keys, into: &result) else { return nil }
        let judge = CellJudge(scenario: scenario, column: column, configs: configs, databases: databases, keys: keys)
        return try judge.judge(observed, into: &result) {
            runLoader(databases, policy: policy, fault: nil, clockSkew: observed.clockSkew, index: observed.runCount + 1)
        }
    }

    /// Applies the scenario's steps and runs the loader where it says; nil when the clean load failed.
    private func drive(_ databases: CellDatabases, keys: [String: [String]],
                       into result: inout CellResult) throws -> CellObservations? {
        let applier = StepApplier(databases: databases, keys: keys)
        let judge = CellJudge(scenario: scenario, column: column, configs: configs, databases: databases, keys: keys)
        // A stale state only rolling's slice sees takes up to `verify_cycle` runs to find: that many at least.
        let rolling = verify == .rolling ? scenario.rollingExpectation(configs: configs) : nil
        let rollingRuns = rolling?.runs ?? [:]
        // Until then the stale rows are there by design, cursor or not: watermark-sound is judged from that run on.
        let soundFrom = rolling?.expectation?.foundBy ?? 1
        var observed = CellObservations()
        var pendingFault: Int?
        for (position, located) in scenario.steps.enumerated() {
            switch located.step {
            case .cleanLoad:
                let records = runLoader(databases, policy: .none, fault: nil, clockSkew: observed.clockSkew, index: 0)
                if let error = records.compactMap(\.error).first {
                    result.failures.append("the clean load failed: \(error)")
                    return nil
                }
            case .fault(let commit):
                pendingFault = commit
            case .clockSkew(let seconds):
                observed.clockSkew = seconds
            case .targetUserObjects(let table, let indexedColumn):
                observed.userObjects.append(try UserObjects.install(
                    on: databases.target, table: databases.targetTable(table), key: keys[table]![0],
                    indexedColumn: indexedColumn))
            case .runs(let declared):
                let count = rollingRuns[position] ?? declared
                for repetition in 0..<count {
                    observed.runCount += 1
                    let index = observed.runCount
                    let records = runLoader(databases, policy: policy, fault: pendingFault,
                                            clockSkew: observed.clockSkew, index: index)
                    if pendingFault != nil { observed.faultedRuns.insert(index) }
                    pendingFault = nil
                    result.runs += records
                    // The last run is judged after the comparison: when source and target are equal, every row
                    // at or below any cursor is there, and the two full reads are saved.
                    if position == scenario.steps.count - 1 && repetition == count - 1 { continue }
                    if index < soundFrom { continue }
                    if let problem = try judge.watermarkProblem() {
                        observed.unsoundRuns.append("after run \(index): \(problem)")
                    }
                }
            default:
                do {
                    try applier.apply(located.step)
                } catch {
                    throw ScenarioError(file: scenario.file, line: located.line, reason: "step failed: \(error)")
                }
            }
        }
        return observed
    }

    /// One loader invocation over every table of the scenario.
    private func runLoader(_ databases: CellDatabases, policy: PolicyKind, fault: Int?, clockSkew: Int,
                           index: Int) -> [RunRecord] {
        if let loader {
            return loader.runTables(tables, configs: configs, databases: databases, strategy: strategy, policy: policy,
                                    fault: fault, index: index)
        }
        var options = LoadOptions()
        options.strategy = .fixed(strategy)
        options.policy = policy
        options.clockSkewSeconds = clockSkew
        options.parallelWorkers = 3
        options.sourceSchema = databases.sourceSchema ?? "public"
        options.targetSchema = databases.targetSchema ?? "raw"
        let sourceURL = databases.sourceURL
        let targetURL = databases.targetURL
        // The environment, not the loader, fails the target where the scenario says so.
        let faults = FaultPlan(failingTransaction: fault)
        let loader = TableLoader(
            source: databases.source, target: FaultInjectingConnection(databases.target, plan: faults),
            sourceFactory: { try openConnection(sourceURL) },
            targetFactory: { FaultInjectingConnection(try openConnection(targetURL), plan: faults) },
            options: options, logger: logger)
        return tables.map { table in
            faults.reset()
            let r = loader.load(configs[table]!)
            return RunRecord(
                index: index, table: table, rowsRead: r.rows_read, rowsLoaded: r.rows_loaded, fallback: r.fallback,
                fallbackReason: r.fallback_reason, cursorBefore: r.cursor_before, cursorAfter: r.cursor_after,
                durationSeconds: r.duration_s, error: r.error, verified: r.verified, rowsRejected: r.rows_rejected)
        }
    }


}
