import Foundation
import Logging
import TidemarkConfig
import TidemarkDrivers
import TidemarkFixtures
import TidemarkLoader

/// Runs one cell: fresh databases, fixtures, the scenario's steps with the loader in process, then the
/// invariants. Everything random comes from the cell's seed.
struct CellRunner {
    let scenario: Scenario
    let strategy: StrategyKind
    let policy: PolicyKind
    let configs: [String: TableConfig]
    let seed: UInt64
    let logger: Logger

    /// What the cell ended with, for the cross-strategy comparison.
    struct Outcome {
        var result: CellResult
        var fingerprint: String?
    }

    func run(in environment: any CellEnvironment) -> Outcome {
        let started = DispatchTime.now().uptimeNanoseconds
        var result = CellResult(
            scenario: scenario.name, strategy: strategy, backend: environment.backend,
            policy: policy, status: .passed, notRunReason: nil, expected: scenario.expectations[policy],
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

    private func fixture(_ spec: FixtureSpec) -> FixtureTable {
        switch spec.name {
        case "medication": return Fixtures.medication()
        case "allergydef": return Fixtures.allergydef()
        case "procedurelog": return Fixtures.procedurelog(rows: spec.rows ?? 2000, seed: seed)
        default: return Fixtures.securitylog(rows: spec.rows ?? 2000, seed: seed)
        }
    }

    /// Runs the steps and checks; returns the target's fingerprint after the idempotence run.
    private func execute(_ databases: CellDatabases, into result: inout CellResult) throws -> String? {
        var keys: [String: String] = [:]
        for spec in scenario.fixtures {
            let table = fixture(spec)
            keys[spec.name] = table.schema.primaryKey[0]
            try Fixtures.install(table, into: databases.source, schema: databases.sourceSchema)
        }
        let applier = StepApplier(databases: databases, keys: keys)
        let expectation = scenario.expectations[policy]!
        var pendingFault: Int?
        var clockSkew = 0
        var runIndex = 0
        var faultedRuns: Set<Int> = []
        var unsoundRuns: [String] = []

        for (position, located) in scenario.steps.enumerated() {
            switch located.step {
            case .cleanLoad:
                let records = runLoader(databases, policy: .none, fault: nil, clockSkew: clockSkew, index: 0)
                if let error = records.compactMap(\.error).first {
                    result.failures.append("the clean load failed: \(error)")
                    return nil
                }
            case .fault(let commit):
                pendingFault = commit
            case .clockSkew(let seconds):
                clockSkew = seconds
            case .runs(let count):
                for repetition in 0..<count {
                    runIndex += 1
                    let records = runLoader(databases, policy: policy, fault: pendingFault, clockSkew: clockSkew, index: runIndex)
                    if pendingFault != nil { faultedRuns.insert(runIndex) }
                    pendingFault = nil
                    result.runs += records
                    // The last run is judged after the comparison below: when source and target are equal,
                    // every row at or below any cursor is there, and the two full reads are saved.
                    if position == scenario.steps.count - 1 && repetition == count - 1 { continue }
                    if let problem = try watermarkProblem(databases, keys: keys) {
                        unsoundRuns.append("after run \(runIndex): \(problem)")
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

        // Run errors are failures unless the scenario injected them.
        for record in result.runs where record.error != nil && !faultedRuns.contains(record.index) {
            result.failures.append("run \(record.index) failed on \(record.table): \(record.error!)")
        }
        let fallbackRuns = Set(result.runs.filter { $0.fallback != .none }.map(\.index)).count
        result.observedFallbackRuns = fallbackRuns
        result.observedRowsLoaded = result.runs.filter { $0.index == 1 }.map(\.rowsLoaded).reduce(0, +)

        // recovered: every row equal, except the rows no target can hold, which must be missing and reported.
        var differences: [String] = []
        for table in tables {
            let unloadable = Set((scenario.unloadable[table] ?? []).map { Oracle.canonical(.integer($0)) })
            let difference = try Oracle.compare(
                source: databases.source, databases.sourceTable(table), target: databases.target,
                databases.targetTable(table), key: keys[table]!, ignoring: unloadable)
            if !difference.isEmpty { differences.append("\(table): \(difference.displayed().summary)") }
            if let problem = try unreported(scenario.unloadable[table] ?? [], table: table, key: keys[table]!, databases) {
                differences.append("\(table): \(problem)")
            }
        }
        let recovered = differences.isEmpty
        result.observedRecovered = recovered
        check(.recovered, held: recovered, expected: expectation.recovered,
              detail: recovered ? "source and target are equal" : differences.joined(separator: "; "), into: &result)

        // no-spurious-fallback
        check(.noSpuriousFallback, held: fallbackRuns == expectation.fallbackRuns, expected: true,
              detail: "\(fallbackRuns) of \(runIndex) runs took a fallback; expected \(expectation.fallbackRuns)",
              into: &result)
        if let rows = expectation.rowsLoaded, rows != result.observedRowsLoaded {
            result.failures.append("rows_loaded: the first run wrote \(result.observedRowsLoaded ?? 0) rows; expected \(rows)")
        }

        // watermark-sound: judged when the scenario expects recovery; otherwise reported only.
        if case .runs = scenario.steps.last?.step, !recovered, let problem = try watermarkProblem(databases, keys: keys) {
            unsoundRuns.append("after run \(runIndex): \(problem)")
        }
        let sound = unsoundRuns.isEmpty
        check(.watermarkSound, held: sound, expected: expectation.recovered ? true : sound,
              detail: sound ? "every source row at or below the cursor is in the target" : unsoundRuns.joined(separator: "; "),
              into: &result)

        // referential
        var broken: [String] = []
        for relationship in scenario.relationships {
            let orphans = try self.orphans(relationship, databases)
            if orphans > 0 { broken.append("\(relationship.description): \(orphans) orphans") }
        }
        let referential = broken.isEmpty
        check(.referential, held: referential, expected: expectation.recovered ? true : referential,
              detail: referential ? "\(scenario.relationships.count) relationships hold" : broken.joined(separator: "; "),
              into: &result)

        // idempotent: one more run writes nothing, falls back nowhere, changes nothing.
        let before = try tables.map { try Oracle.fingerprint(databases.target, databases.targetTable($0), key: keys[$0]!) }
        let extra = runLoader(databases, policy: policy, fault: nil, clockSkew: clockSkew, index: runIndex + 1)
        let after = try tables.map { try Oracle.fingerprint(databases.target, databases.targetTable($0), key: keys[$0]!) }
        let written = extra.map(\.rowsLoaded).reduce(0, +)
        let extraFallbacks = extra.filter { $0.fallback != .none }.count
        let idempotent = written == 0 && extraFallbacks == 0 && before == after && extra.allSatisfy { $0.error == nil }
        check(.idempotent, held: idempotent, expected: expectation.idempotent,
              detail: "an extra run wrote \(written) rows with \(extraFallbacks) fallbacks"
                + (before == after ? "" : " and changed the target"), into: &result)
        return after.joined(separator: "|")
    }

    private func check(_ invariant: Invariant, held: Bool, expected: Bool, detail: String, into result: inout CellResult) {
        let check = InvariantCheck(invariant: invariant, held: held, expectedToHold: expected, detail: detail)
        result.checks.append(check)
        if !check.asExpected {
            result.failures.append(held
                ? "\(invariant.rawValue) held, but the scenario expects it to fail under \(policy.rawValue) (the harness no longer sees the bug): \(detail)"
                : "\(invariant.rawValue): \(detail)")
        }
    }

    /// One loader invocation over every table of the scenario.
    private func runLoader(_ databases: CellDatabases, policy: PolicyKind, fault: Int?, clockSkew: Int,
                           index: Int) -> [RunRecord] {
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
                durationSeconds: r.duration_s, error: r.error)
        }
    }

    /// Source rows at or below the stored cursor that the target lacks or holds differently.
    private func watermarkProblem(_ databases: CellDatabases, keys: [String: String]) throws -> String? {
        var problems: [String] = []
        for table in tables {
            let key = keys[table]!
            let tracking = try databases.target.query(
                "SELECT last_primary_value, last_timestamp_value, timestamp_column_name FROM \(databases.trackingTable.quoted) "
                    + "WHERE table_name = \(databases.target.engine.placeholder(1))", [.text(table)]).first
            guard let keyText = tracking?[0].string, let keyValue = Int64(keyText) else { continue }
            let e = databases.source.engine
            var sql = "\(quoteIdentifier(key)) <= \(e.placeholder(1))"
            var parameters: [Value] = [.integer(keyValue)]
            if let tsColumn = tracking?[2].string, let tsText = tracking?[1].string, let ts = LocalTimestamp(tsText) {
                let c = quoteIdentifier(tsColumn)
                sql += " AND (\(c) IS NULL OR \(c) <= \(e.placeholder(2)))"
                parameters.append(.timestamp(ts))
            }
            let columns = try databases.source.columns(of: databases.sourceTable(table)).map(\.name).filter { $0 != key }
            let covered = try Oracle.snapshot(databases.source, databases.sourceTable(table), columns: columns, key: key,
                                              where: (sql, parameters))
            let targetColumns = Set(try databases.target.columns(of: databases.targetTable(table)).map(\.name))
            guard columns.allSatisfy(targetColumns.contains) else { continue }  // drift: reported by `recovered`
            let held = try Oracle.snapshot(databases.target, databases.targetTable(table), columns: columns, key: key)
            let unloadable = Set((scenario.unloadable[table] ?? []).map { Oracle.canonical(.integer($0)) })
            let bad = covered.filter { held[$0.key] != $0.value && !unloadable.contains($0.key) }
                .map { String($0.key.dropFirst()) }
            if !bad.isEmpty {
                let shown = bad.sorted { (Int64($0) ?? 0) < (Int64($1) ?? 0) }.prefix(5).joined(separator: ", ")
                problems.append("\(table): \(bad.count) rows at or below cursor \(keyText) missing or different (\(shown))")
            }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// Unloadable keys that reached the target or are not in `etl_rejected_rows`.
    private func unreported(_ keys: [Int64], table: String, key: String, _ databases: CellDatabases) throws -> String? {
        guard !keys.isEmpty else { return nil }
        var problems: [String] = []
        let e = databases.target.engine
        let rejected = TableName("etl_rejected_rows", schema: databases.targetSchema)
        for k in keys {
            if try databases.target.scalar(
                "SELECT count(*) FROM \(databases.targetTable(table).quoted) WHERE \(quoteIdentifier(key)) = \(e.placeholder(1))",
                [.integer(k)]) != .integer(0)
            {
                problems.append("unloadable row \(k) is in the target")
            }
            if try databases.target.scalar(
                "SELECT count(*) FROM \(rejected.quoted) WHERE table_name = \(e.placeholder(1)) AND key_value = \(e.placeholder(2))",
                [.text(table), .text(String(k))]) != .integer(1)
            {
                problems.append("unloadable row \(k) is not reported in etl_rejected_rows")
            }
        }
        return problems.isEmpty ? nil : problems.joined(separator: ", ")
    }

    private func orphans(_ relationship: ScenarioRelationship, _ databases: CellDatabases) throws -> Int64 {
        let child = databases.targetTable(relationship.childTable).quoted
        let parent = databases.targetTable(relationship.parentTable).quoted
        let column = quoteIdentifier(relationship.childColumn)
        var sql = "SELECT count(*) FROM \(child) c WHERE c.\(column) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM \(parent) p "
            + "WHERE p.\(quoteIdentifier(relationship.parentColumn)) = c.\(column))"
        var parameters: [Value] = []
        if let filter = relationship.filter {
            sql += " AND c.\(quoteIdentifier(filter.column)) \(filter.op == "<>" ? "!=" : filter.op) \(databases.target.engine.placeholder(1))"
            parameters.append(filter.value.value(for: nil) ?? .null)
        }
        return try databases.target.scalar(sql, parameters)?.int64 ?? 0
    }
}
