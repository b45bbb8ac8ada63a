import Foundation
import TidemarkDatabase

/// One table as `etl-run status` reports it: its tracking row and its outstanding rejections.
public struct TableStatus: Sendable, Encodable {
    public let table: String
    public let load_status: String?
    public let last_run_at: String?
    public let last_success_at: String?
    /// Seconds since the last success, by this machine's clock; nil when the table never succeeded.
    public let seconds_since_success: Double?
    public let cursor: String
    public let rows_loaded: Int64
    public let rows_rejected: Int
    public let last_error: String?
    public let run_id: String?

    /// Every table `etl_load_status` knows, by name; empty when the target has no tracking table yet.
    public static func read(from db: any Connection, schema: String?) throws -> [TableStatus] {
        let tracking = LoadStatusTable(connection: db, schema: schema)
        guard try db.tableExists(tracking.table) else { return [] }
        let rejected = RejectedRowsTable(connection: db, schema: tracking.table.schema)
        var outstanding: [String: Int] = [:]
        if try db.tableExists(rejected.table) {
            for row in try db.query("SELECT table_name, count(*) FROM \(rejected.table.quoted) GROUP BY table_name") {
                outstanding[row[0].string ?? ""] = Int(row[1].int64 ?? 0)
            }
        }
        let names = try db.query("SELECT table_name FROM \(tracking.table.quoted) ORDER BY table_name")
            .compactMap { $0[0].string }
        let now = LoadStatusTable.now()
        return try names.compactMap { name in
            guard let row = try tracking.read(name) else { return nil }
            var cursor = [row.lastPrimaryValue.map { "key \($0)" }, row.lastTimestampValue.map { "timestamp \($0)" }]
                .compactMap { $0 }.joined(separator: ", ")
            if cursor.isEmpty { cursor = "none" }
            return TableStatus(
                table: name, load_status: row.loadStatus, last_run_at: row.loadedAt?.description,
                last_success_at: row.lastSuccessAt?.description,
                seconds_since_success: row.lastSuccessAt.map {
                    Double(now.microsecondsSinceEpoch - $0.microsecondsSinceEpoch) / 1e6
                },
                cursor: cursor, rows_loaded: row.rowsLoaded, rows_rejected: outstanding[name] ?? 0,
                last_error: row.lastError, run_id: row.runID)
        }
    }

    /// A table for people: one line per table, failures marked.
    public static func render(_ statuses: [TableStatus]) -> String {
        guard !statuses.isEmpty else { return "no table has been loaded into this target" }
        let header = ["table", "status", "last run", "since success", "cursor", "rows", "rejected"]
        let rows = [header] + statuses.map { s in
            [s.table, s.load_status ?? "?", s.last_run_at ?? "never",
             s.seconds_since_success.map(Self.age) ?? "never", s.cursor, String(s.rows_loaded), String(s.rows_rejected)]
        }
        let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        var lines = rows.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        for s in statuses where s.load_status == LoadStatus.failed.rawValue {
            lines.append("FAILED  \(s.table): \(s.last_error?.split(whereSeparator: \.isNewline).first ?? "")")
        }
        return lines.joined(separator: "\n")
    }

    private static func age(_ seconds: Double) -> String {
        switch seconds {
        case ..<120: return "\(Int(seconds)) s"
        case ..<7200: return "\(Int(seconds / 60)) min"
        case ..<172_800: return "\(Int(seconds / 3600)) h"
        default: return "\(Int(seconds / 86_400)) d"
        }
    }
}
