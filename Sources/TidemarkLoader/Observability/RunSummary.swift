import Foundation

/// The end of a run as people read it (a table on stderr, failures last with their reason, totals and wall
/// time) and as `--json` closes its output (one object after the per-table lines).
public struct RunSummary: Sendable, Encodable {
    public let tables: Int
    public let succeeded: Int
    public let failed: Int
    public let skipped: Int
    public let rows_read: Int
    public let rows_loaded: Int
    public let rows_repaired: Int
    public let rows_deleted: Int
    public let rows_rejected: Int
    public let wall_s: Double
    private let results: [LoadResult]

    public init(_ results: [LoadResult], wallSeconds: Double) {
        self.results = results
        tables = results.count
        failed = results.filter { !$0.succeeded }.count
        skipped = results.filter { $0.succeeded && $0.skipped != nil }.count
        succeeded = tables - failed - skipped
        rows_read = results.reduce(0) { $0 + $1.rows_read }
        rows_loaded = results.reduce(0) { $0 + $1.rows_loaded }
        rows_repaired = results.reduce(0) { $0 + $1.rows_repaired }
        rows_deleted = results.reduce(0) { $0 + $1.rows_deleted }
        rows_rejected = results.reduce(0) { $0 + $1.rows_rejected }
        wall_s = wallSeconds
    }

    private enum CodingKeys: String, CodingKey {
        case tables, succeeded, failed, skipped, rows_read, rows_loaded, rows_repaired, rows_deleted, rows_rejected, wall_s
    }

    /// `{"summary": {…}}`, the object `--json` ends with.
    public var json: [String: RunSummary] { ["summary": self] }

    /// The table: loaded tables, then skipped ones, then failures with their one-line reason; totals last.
    public var text: String {
        let header = ["table", "strategy", "read", "loaded", "repaired", "deleted", "rejected", "fallback", "verified",
                      "seconds"]
        let done = results.filter { $0.succeeded && $0.skipped == nil }
        var rows = done.map { r in
            [r.table, r.strategy, String(r.rows_read), String(r.rows_loaded), String(r.rows_repaired),
             String(r.rows_deleted), String(r.rows_rejected), r.fallback.rawValue, r.verifiedCell,
             String(format: "%.2f", r.duration_s)]
        }
        rows.insert(header, at: 0)
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = rows.map { row in
            row.enumerated().map { column, cell in
                // Names and words left-aligned, numbers right-aligned.
                column == 0 || column == 1 || column == 7 || column == 8
                    ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }
        for r in results where r.succeeded && r.skipped != nil { lines.append("skipped \(r.table): \(r.skipped!)") }
        for r in results where !r.succeeded {
            let reason = (r.error ?? "").split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            lines.append("FAILED  \(r.table): \(reason.count > 300 ? String(reason.prefix(300)) + "…" : reason)")
        }
        lines.append("\(tables) \(tables == 1 ? "table" : "tables"): \(succeeded) loaded, \(failed) failed, \(skipped) skipped; rows read \(rows_read), "
            + "loaded \(rows_loaded), repaired \(rows_repaired), deleted \(rows_deleted), rejected \(rows_rejected); "
            + "wall time \(String(format: "%.2f", wall_s)) s")
        return lines.joined(separator: "\n")
    }
}

extension LoadResult {
    /// The summary's `verified` cell: `yes` for every row, else what was compared (`rolling 3/7`), else `no`.
    var verifiedCell: String {
        if verified { return "yes" }
        if let verification, verification.hasPrefix("rolling") { return verification }
        return "no"
    }
}
