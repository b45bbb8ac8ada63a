import Foundation
import TidemarkConfig
import TidemarkDatabase

/// What driving a cell's steps observed, for the judge.
struct CellObservations {
    var runCount = 0
    var faultedRuns: Set<Int> = []
    /// Watermark problems seen after runs before the last.
    var unsoundRuns: [String] = []
    var clockSkew = 0
    var userObjects: [UserObjects] = []
}

/// Judges a cell after its steps: the six invariants, each against what the scenario expects under the policy,
/// with the oracle's own reads; plus the users' objects, which must survive under every policy.
struct CellJudge {
    let scenario: Scenario
    let column: PolicyColumn
    let configs: [String: TableConfig]
    let databases: CellDatabases
    let keys: [String: [String]]

    private var tables: [String] { scenario.fixtures.map(\.name) }

    /// Records every check and failure in `result`; `extraRun` runs the loader once more (idempotence).
    /// Returns the target's fingerprint after that run, for the comparison across strategies.
    func judge(_ observed: CellObservations, into result: inout CellResult,
               extraRun: () -> [RunRecord]) throws -> String {
        let expectation = scenario.expectation(for: column, configs: configs)!
        // Run errors are failures unless the scenario injected them.
        for record in result.runs where record.error != nil && !observed.faultedRuns.contains(record.index) {
            result.failures.append("run \(record.index) failed on \(record.table): \(record.error!)")
        }
        // A rejected row is never verified: a run that leaves one behind must say `verified: false`.
        for record in result.runs where record.error == nil && record.verified && record.rowsRejected > 0 {
            result.failures.append("run \(record.index) on \(record.table) said verified with \(record.rowsRejected) rows rejected")
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
                databases.targetTable(table), key: keys[table]!, ignoring: unloadable,
                loadedAs: scenario.loadedAs(table))
            if !difference.isEmpty { differences.append("\(table): \(difference.displayed().summary)") }
            if let problem = try unreported(scenario.unloadable[table] ?? [], table: table, key: keys[table]![0]) {
                differences.append("\(table): \(problem)")
            }
        }
        let recovered = differences.isEmpty
        result.observedRecovered = recovered
        check(.recovered, held: recovered, expected: expectation.recovered,
              detail: recovered ? "source and target are equal" : differences.joined(separator: "; "), into: &result)

        // no-spurious-fallback
        check(.noSpuriousFallback, held: fallbackRuns == expectation.fallbackRuns, expected: true,
              detail: "\(fallbackRuns) of \(observed.runCount) runs took a fallback; expected \(expectation.fallbackRuns)",
              into: &result)
        if let rows = expectation.rowsLoaded, rows != result.observedRowsLoaded {
            result.failures.append("rows_loaded: the first run wrote \(result.observedRowsLoaded ?? 0) rows; expected \(rows)")
        }
        if let foundBy = expectation.foundBy, expectation.fallbackRuns > 0,
           let first = result.firstFallbackRun, first > foundBy {
            result.failures.append("found-by: the stale state was first found by run \(first); \(column.rawValue) must find it by run \(foundBy)")
        }

        // watermark-sound: judged when the scenario expects recovery; otherwise reported only.
        var unsoundRuns = observed.unsoundRuns
        if case .runs = scenario.steps.last?.step, !recovered, let problem = try watermarkProblem() {
            unsoundRuns.append("after run \(observed.runCount): \(problem)")
        }
        let sound = unsoundRuns.isEmpty
        check(.watermarkSound, held: sound, expected: expectation.recovered ? true : sound,
              detail: sound ? "every source row at or below the cursor is in the target" : unsoundRuns.joined(separator: "; "),
              into: &result)

        // referential
        var broken: [String] = []
        for relationship in scenario.relationships {
            let orphans = try orphans(relationship)
            if orphans > 0 { broken.append("\(relationship.description): \(orphans) orphans") }
        }
        let referential = broken.isEmpty
        check(.referential, held: referential, expected: expectation.recovered ? true : referential,
              detail: referential ? "\(scenario.relationships.count) relationships hold" : broken.joined(separator: "; "),
              into: &result)

        // idempotent: one more run writes nothing, falls back nowhere, changes nothing.
        let before = try tables.map { try Oracle.fingerprint(databases.target, databases.targetTable($0), key: keys[$0]!) }
        let extra = extraRun()
        let after = try tables.map { try Oracle.fingerprint(databases.target, databases.targetTable($0), key: keys[$0]!) }
        let written = extra.map(\.rowsLoaded).reduce(0, +)
        let extraFallbacks = extra.filter { $0.fallback != .none }.count
        let idempotent = written == 0 && extraFallbacks == 0 && before == after && extra.allSatisfy { $0.error == nil }
        check(.idempotent, held: idempotent, expected: expectation.idempotent,
              detail: "an extra run wrote \(written) rows with \(extraFallbacks) fallbacks"
                + (before == after ? "" : " and changed the target"), into: &result)
        for objects in observed.userObjects {
            for problem in try objects.problems(on: databases.target) {
                result.failures.append("users' objects on \(objects.table): \(problem)")
            }
        }
        return after.joined(separator: "|")
    }

    private func check(_ invariant: Invariant, held: Bool, expected: Bool, detail: String, into result: inout CellResult) {
        let check = InvariantCheck(invariant: invariant, held: held, expectedToHold: expected, detail: detail)
        result.checks.append(check)
        if !check.asExpected {
            result.failures.append(held
                ? "\(invariant.rawValue) held, but the scenario expects it to fail under \(column.rawValue) (the harness no longer sees the bug): \(detail)"
                : "\(invariant.rawValue): \(detail)")
        }
    }

    /// Source rows at or below the stored cursor that the target lacks or holds differently.
    func watermarkProblem() throws -> String? {
        var problems: [String] = []
        for table in tables {
            let key = keys[table]!
            let tracking = try databases.target.query(
                "SELECT last_primary_value, last_timestamp_value, timestamp_column_name FROM \(databases.trackingTable.quoted) "
                    + "WHERE table_name = \(databases.target.engine.placeholder(1))", [.text(table)]).first
            guard let keyText = tracking?[0].string,
                var (sql, parameters) = try atOrBelow(keyText, key: key, table: databases.sourceTable(table))
            else { continue }
            let e = databases.source.engine
            if let tsColumn = tracking?[2].string, let tsText = tracking?[1].string, let ts = LocalTimestamp(tsText) {
                let c = quoteIdentifier(tsColumn)
                sql += " AND (\(c) IS NULL OR \(c) <= \(e.placeholder(parameters.count + 1)))"
                parameters.append(.timestamp(ts))
            }
            let columns = try databases.source.columns(of: databases.sourceTable(table)).map(\.name).filter { !key.contains($0) }
            let meanings = try Oracle.Meaning.of(databases.source, databases.sourceTable(table), columns: columns)
            let covered = try Oracle.snapshot(databases.source, databases.sourceTable(table), columns: columns, key: key,
                                              meanings: meanings, where: (sql, parameters))
            let targetColumns = Set(try databases.target.columns(of: databases.targetTable(table)).map(\.name))
            guard columns.allSatisfy(targetColumns.contains) else { continue }  // drift: reported by `recovered`
            let held = try Oracle.snapshot(databases.target, databases.targetTable(table), columns: columns, key: key,
                                           meanings: meanings)
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

    /// `key <= cursor` in the source for the stored key text — an integer, or for a composite key the JSON array
    /// of its components' texts, compared as a tuple the way the loader's cursor compares (the source dialect's
    /// order: timestamps as instants, text byte by byte); nil when the text is neither.
    private func atOrBelow(_ text: String, key: [String], table: TableName) throws -> (String, [Value])? {
        let parts: [String]
        if key.count == 1 {
            guard Int64(text) != nil else { return nil }
            parts = [text]
        } else {
            guard let decoded = try? JSONDecoder().decode([String].self, from: Data(text.utf8)), decoded.count == key.count
            else { return nil }
            parts = decoded
        }
        let db = databases.source
        let types = Dictionary(try db.columns(of: table).map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        var parameters: [Value] = []
        // (a, b, c) <= (x, y, z): a < x OR (a = x AND (b < y OR (b = y AND c <= z))).
        func tuple(_ index: Int) -> String? {
            let type = types[key[index]]
            let value: Value? = switch type {
            case .bigint?, .integer?, .smallint?: Int64(parts[index]).map(Value.integer)
            case .timestamp?: LocalTimestamp(parts[index]).map(Value.timestamp)
            case .date?: LocalDate(parts[index]).map(Value.date)
            default: .text(parts[index])
            }
            guard let value else { return nil }
            parameters.append(value)
            let column = db.dialect.comparable(key[index], type: type)
            let bound = db.dialect.comparableParameter(db.engine.placeholder(parameters.count), type: type)
            guard index + 1 < key.count else { return "\(column) <= \(bound)" }
            parameters.append(value)
            let equal = "\(column) = \(db.dialect.comparableParameter(db.engine.placeholder(parameters.count), type: type))"
            guard let rest = tuple(index + 1) else { return nil }
            return "(\(column) < \(bound) OR (\(equal) AND \(rest)))"
        }
        return tuple(0).map { ($0, parameters) }
    }

    /// Unloadable keys that reached the target or are not in `etl_rejected_rows`.
    private func unreported(_ unloadable: [Int64], table: String, key: String) throws -> String? {
        guard !unloadable.isEmpty else { return nil }
        var problems: [String] = []
        let e = databases.target.engine
        let rejected = TableName("etl_rejected_rows", schema: databases.targetSchema)
        for k in unloadable {
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

    private func orphans(_ relationship: ScenarioRelationship) throws -> Int64 {
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
