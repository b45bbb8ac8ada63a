import Foundation
import TidemarkConfig

/// Writes an exploration case as a scenario file, the format `ScenarioParser` reads: exploration parses what it
/// writes, so a found case replays exactly as it ran.
enum ScenarioWriter {
    static func yaml(_ draw: ExploreCase, name: String, description: String,
                     expectations: [PolicyKind: Expectation]) -> String {
        let table = draw.shape.fixture
        var lines = ["name: \(name)", "failure_mode: found", "description: >"]
        lines += description.split(separator: "\n").map { "  " + $0 }
        lines.append("fixtures:")
        if let columns = draw.columns {
            let rows = draw.rows.map { "rows: \($0), " } ?? ""
            lines.append("  - \(table): {\(rows)columns: [\(columns.joined(separator: ", "))]}")
        } else {
            lines.append("  - " + (draw.rows.map { "\(table): \($0)" } ?? table))
        }
        var fields = ["batch_size: \(draw.batchSize)"]
        if let mode = draw.cursorMode { fields.append("incremental_strategy: \(mode.rawValue)") }
        if draw.verifyOff { fields.append("verify: off") }
        lines.append("tables:")
        lines.append("  \(table): {\(fields.joined(separator: ", "))}")
        lines.append("steps:")
        lines.append("  - clean_load")
        lines += draw.steps.map { "  - " + step($0) }
        // Exploration draws SQLite and PostgreSQL sources; its tables' storage variants are not MySQL's.
        lines.append("backends: [sqlite, postgres]")
        lines.append("expect:")
        for policy in PolicyKind.allCases {
            guard let e = expectations[policy] else { continue }
            lines.append("  \(policy.rawValue): {recovered: \(e.recovered), fallback_runs: \(e.fallbackRuns)"
                + (e.idempotent ? "" : ", idempotent: false") + "}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func step(_ step: Step) -> String {
        switch step {
        case .runs(let count): return "runs: \(count)"
        case .fault(let commit): return "fault: {fail_inside_commit: \(commit)}"
        case .sourceInsert(let table, _, let generate, let set):
            return "source_insert: {table: \(table), generate: \(generate)" + values(set, "set") + "}"
        case .sourceUpdate(let table, let rows, let set):
            return "source_update: {table: \(table), \(selector(rows))" + values(set, "set") + "}"
        case .sourceDelete(let table, let rows): return "source_delete: {table: \(table), \(selector(rows))}"
        case .targetDelete(let table, let rows): return "target_delete: {table: \(table), \(selector(rows))}"
        case .targetUpdate(let table, let rows, let set):
            return "target_update: {table: \(table), \(selector(rows))" + values(set, "set") + "}"
        case .targetTruncate(let table): return "target_truncate: {table: \(table)}"
        default: return "# not written by exploration: \(step)"
        }
    }

    private static func selector(_ rows: RowSelector) -> String {
        switch rows {
        case .all: return "all: true"
        case .keys(let keys): return "keys: [\(keys.map(String.init).joined(separator: ", "))]"
        case .exceptKeys(let keys): return "except_keys: [\(keys.map(String.init).joined(separator: ", "))]"
        case .keyRange(let low, let high): return "key_range: [\(low), \(high)]"
        case .every(let n): return "every: \(n)"
        }
    }

    private static func values(_ set: [String: ScalarValue], _ field: String) -> String {
        guard !set.isEmpty else { return "" }
        let pairs = set.keys.sorted().map { "\($0): \(scalar(set[$0]!))" }
        return ", \(field): {\(pairs.joined(separator: ", "))}"
    }

    /// A YAML scalar the parser reads back as the same value: text double-quoted with JSON's escapes.
    private static func scalar(_ value: ScalarValue) -> String {
        switch value {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .double(let d): return String(d)
        case .boolean(let b): return String(b)
        case .string(let s):
            let data = try? JSONSerialization.data(withJSONObject: [s], options: [.fragmentsAllowed])
            let array = data.flatMap { String(data: $0, encoding: .utf8) } ?? "[\"\"]"
            return String(array.dropFirst().dropLast())
        }
    }
}
