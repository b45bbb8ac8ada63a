import Foundation

/// The paths a table can take: where it is read and where it is written.
public enum BenchmarkPath: String, Codable, Sendable, CaseIterable {
    case sqliteToSQLite = "sqlite→sqlite"
    case sqliteToPostgres = "sqlite→postgres"
    case postgresToPostgres = "postgres→postgres"
    /// The original pipeline's source: MariaDB (MyISAM tables, as Open Dental's) into PostgreSQL.
    case mysqlToPostgres = "mysql→postgres"

    var readsSQLite: Bool { self == .sqliteToSQLite || self == .sqliteToPostgres }
    var readsMySQL: Bool { self == .mysqlToPostgres }
    var writesSQLite: Bool { self == .sqliteToSQLite }
    /// The baselines a load on this path is compared with, added up: the fastest way to write the same rows to
    /// its target and, where reading is not already cheap next to it (MariaDB's wire protocol), to read them.
    var baselines: [String] {
        if writesSQLite { return [Baseline.sqliteInserts] }
        return readsMySQL ? [Baseline.mysqlRead, Baseline.rawCopy] : [Baseline.rawCopy]
    }
    /// How the report names the sum of ``baselines``.
    var baseline: String { baselines.joined(separator: " + ") }
}

/// Names of the baseline measurements.
enum Baseline {
    static let rawCopy = "raw COPY"
    static let sqliteInserts = "SQLite inserts"
    static let pgloader = "pgloader"
    static let mysqlRead = "raw MariaDB read"
}

/// One measured case.
public struct Measurement: Codable, Sendable, Equatable {
    public enum Group: String, Codable, Sendable {
        case baseline, fullLoad = "full load", incremental, memory
        /// A run of many tables (`TableRun`, as `etl-run --jobs N` loads a config).
        case manyTables = "many tables"
        /// The same load of a narrow and a wide table, per row and per value.
        case width
    }

    public var group: Group
    /// `raw COPY`, a strategy name, `no-op`, `1% delta`, `repair 100+100`…
    public var name: String
    public var path: BenchmarkPath?
    public var strategy: String?
    public var policy: String?
    public var rows: Int
    public var seconds: Double
    /// Peak resident set size of the process that ran the case, from the kernel.
    public var peakRSSBytes: Int?
    /// What `ratio` divides by (a baseline's name, or `full load`).
    public var comparedTo: String?
    public var ratio: Double?
    public var note: String?
    /// Many-tables cases: the mean time spent on one small table.
    public var secondsPerTable: Double?

    public var rowsPerSecond: Double { seconds > 0 ? Double(rows) / seconds : 0 }

    /// snake_case, like the rest of the report.
    enum CodingKeys: String, CodingKey {
        case group, name, path, strategy, policy, rows, seconds, peakRSSBytes = "peak_rss_bytes"
        case comparedTo = "compared_to", ratio, note, secondsPerTable = "seconds_per_table"
    }
}

/// A performance goal and whether this run met it.
public struct TargetCheck: Codable, Sendable, Equatable {
    public var goal: String
    public var measured: String
    public var met: Bool?
}

/// Everything one benchmark run measured, with the machine it ran on.
public struct BenchmarkReport: Codable, Sendable {
    public var date: String
    public var machine: String
    public var rows: Int
    public var scaledRows: Int?
    public var seed: UInt64
    public var batchSize: Int
    public var measurements: [Measurement]
    public var targets: [TargetCheck]
    public var notes: [String]

    /// snake_case, like `etl-run --json` and the simulator's report (the 2026-12-01 reports in benchmarks/ still
    /// spell `batchSize`, `scaledRows`, `peakRSSBytes` and `comparedTo` in camelCase).
    enum CodingKeys: String, CodingKey {
        case date, machine, rows, scaledRows = "scaled_rows", seed, batchSize = "batch_size", measurements, targets
        case notes
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    func measurement(_ group: Measurement.Group, _ name: String, path: BenchmarkPath? = nil,
                     rows: Int? = nil) -> Measurement? {
        measurements.first { $0.group == group && $0.name == name && (path == nil || $0.path == path)
            && (rows == nil || $0.rows == rows) }
    }
}

// MARK: - Text

extension BenchmarkReport {
    /// The table printed on stdout (and pasted in the README).
    public var text: String {
        var lines = ["Tidemark benchmark — \(date), \(machine)",
                     "procedurelog-like table, \(rows) rows, batch size \(batchSize), seed \(seed)", ""]
        let header = ["group", "case", "path", "rows", "seconds", "rows/s", "peak RSS", "ratio"]
        let rowsOfTable = measurements.map { m -> [String] in
            [m.group.rawValue, m.name + (m.policy.map { " (\($0))" } ?? ""), m.path?.rawValue ?? "",
             String(m.rows), String(format: "%.2f", m.seconds), String(format: "%.0f", m.rowsPerSecond),
             m.peakRSSBytes.map { String(format: "%.1f MB", Double($0) / 1_048_576) } ?? "",
             m.ratio.map { String(format: "%.2f× %@", $0, m.comparedTo ?? "") } ?? ""]
        }
        lines += Self.columns([header] + rowsOfTable)
        lines.append("")
        lines.append("Targets:")
        for t in targets {
            let mark = t.met.map { $0 ? "met   " : "missed" } ?? "n/a   "
            lines.append("  \(mark)  \(t.goal): \(t.measured)")
        }
        if !notes.isEmpty {
            lines.append("")
            lines += notes.map { "Note: " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Left-aligned columns, two spaces apart (numbers right-aligned).
    static func columns(_ table: [[String]]) -> [String] {
        let widths = (0..<(table.first?.count ?? 0)).map { c in table.map { $0[c].count }.max() ?? 0 }
        return table.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return (3...6).contains(c) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
    }
}

// MARK: - HTML with an SVG chart

extension BenchmarkReport {
    /// A self-contained page: one bar chart of full-load throughput per path and strategy against the
    /// baselines, one of the incremental fractions, and the table.
    public var html: String {
        let throughput = measurements.filter { $0.group == .baseline || $0.group == .fullLoad }
        let bars = throughput.map { m in
            (label: m.group == .baseline ? m.name : "\(m.name) \(m.path?.rawValue ?? "")",
             value: m.rowsPerSecond, baseline: m.group == .baseline)
        }
        let fractions = measurements.filter { $0.group == .incremental }.map { m in
            (label: "\(m.name) (\(m.policy ?? "")) \(m.path?.rawValue ?? "")", value: (m.ratio ?? 0) * 100, baseline: false)
        }
        let rowsHTML = measurements.map { m in
            "<tr><td>\(escape(m.group.rawValue))</td><td>\(escape(m.name))\(m.policy.map { " (\(escape($0)))" } ?? "")</td>"
                + "<td>\(escape(m.path?.rawValue ?? ""))</td><td class=n>\(m.rows)</td>"
                + "<td class=n>\(String(format: "%.2f", m.seconds))</td><td class=n>\(String(format: "%.0f", m.rowsPerSecond))</td>"
                + "<td class=n>\(m.peakRSSBytes.map { String(format: "%.1f MB", Double($0) / 1_048_576) } ?? "")</td>"
                + "<td class=n>\(m.ratio.map { String(format: "%.2f× ", $0) + escape(m.comparedTo ?? "") } ?? "")</td></tr>"
        }.joined(separator: "\n")
        let targetsHTML = targets.map { t in
            let mark = t.met.map { $0 ? "<td class=met>met</td>" : "<td class=missed>missed</td>" } ?? "<td>n/a</td>"
            return "<tr>\(mark)<td>\(escape(t.goal))</td><td>\(escape(t.measured))</td></tr>"
        }.joined(separator: "\n")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Tidemark benchmark \(escape(date))</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
            table{border-collapse:collapse;margin:1em 0}td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:left}
            td.n{text-align:right;font-variant-numeric:tabular-nums}.met{color:#1a7f37;font-weight:600}.missed{color:#c62828;font-weight:600}
            </style></head><body>
            <h1>Tidemark benchmark</h1>
            <p>\(escape(date)) · \(escape(machine)) · \(rows) rows · batch size \(batchSize) · seed \(seed)</p>
            <h2>Full-load throughput (rows/s; baselines in grey)</h2>
            \(Self.barChart(bars, unit: "rows/s"))
            <h2>Incremental runs as % of a full load</h2>
            \(Self.barChart(fractions, unit: "%"))
            <h2>Targets</h2><table>\(targetsHTML)</table>
            <h2>All measurements</h2>
            <table><tr><th>group</th><th>case</th><th>path</th><th>rows</th><th>seconds</th><th>rows/s</th><th>peak RSS</th><th>ratio</th></tr>
            \(rowsHTML)
            </table>
            \(notes.map { "<p>Note: \(escape($0))</p>" }.joined(separator: "\n"))
            </body></html>

            """
    }

    /// Horizontal bars scaled to the largest value.
    static func barChart(_ bars: [(label: String, value: Double, baseline: Bool)], unit: String) -> String {
        guard !bars.isEmpty else { return "<p>(none measured)</p>" }
        let labelWidth = 320.0, barWidth = 480.0, rowHeight = 22.0
        let top = max(bars.map(\.value).max() ?? 1, 1e-9)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(labelWidth + barWidth + 120))\" "
            + "height=\"\(Int(Double(bars.count) * rowHeight + 10))\" font-size=\"12\" font-family=\"system-ui,sans-serif\">"
        for (i, bar) in bars.enumerated() {
            let y = Double(i) * rowHeight + 4
            let width = max(1, bar.value / top * barWidth)
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 14)\" text-anchor=\"end\">\(escape(bar.label))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(String(format: "%.1f", width))\" height=\"\(rowHeight - 6)\" "
                + "fill=\"\(bar.baseline ? "#9e9e9e" : "#1976d2")\"/>"
            svg += "<text x=\"\(String(format: "%.1f", labelWidth + width + 6))\" y=\"\(y + 14)\">"
                + "\(String(format: bar.value >= 100 ? "%.0f" : "%.2f", bar.value)) \(escape(unit))</text>"
        }
        return svg + "</svg>"
    }
}

private func escape(_ text: String) -> String {
    var out = ""
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}
