import TidemarkDatabase

/// A table keyed by three columns of mixed types, `(ClaimNum, Category, LineNum)` — a claim's lines by kind, as
/// link and detail tables are keyed. Six rows share each `ClaimNum` (categories `adjust`, `ins`, `proc`, two
/// lines each), so batches, pages and ranges all fall inside runs of equal leading values; `DateTStamp` is not in
/// key order, pairs of rows share one, and every 25th row is undated (Open Dental's zero date). Rows come in key
/// order; row `i` (from 0) is claim `1 + i / 6`. Not seeded: the same rows for any seed, prefix-stable.
enum ClaimLineFixture {
    static let schema = TableSchema(
        name: TableName("claimline"),
        columns: [
            ColumnDefinition("ClaimNum", .bigint, nullable: false),
            ColumnDefinition("Category", .varchar(length: 20), nullable: false),
            ColumnDefinition("LineNum", .integer, nullable: false),
            ColumnDefinition("Amount", .numeric(precision: 10, scale: 2)),
            ColumnDefinition("Note", .text),
            ColumnDefinition("DateTStamp", .timestamp),
        ],
        primaryKey: ["ClaimNum", "Category", "LineNum"])

    static let categories = ["adjust", "ins", "proc"]
    static let firstMicros = Clock.micros(2025, 1, 6, 8, 0, 0)

    static func row(_ i: Int) -> [Value] {
        let claim = Int64(1 + i / 6)
        let category = categories[(i % 6) / 2]
        let line = Int64(1 + i % 2)
        // Out of key order (37 is coprime to 1000), two rows to an instant, minutes apart; prefix-stable.
        let slot = (i * 37) % 1000 / 2
        let stamp: Value = i % 25 == 24 ? .timestamp(.zeroDate)
            : .timestamp(LocalTimestamp(microsecondsSinceEpoch: firstMicros + Int64(slot) * 60_000_000))
        let cents = Int64((i * 7919) % 100_000)
        return [.integer(claim), .text(category), .integer(line),
                .decimal(ExactDecimal("\(cents / 100).\(format2(cents % 100))")!),
                .text("claim \(claim) \(category) line \(line)"), stamp]
    }

    /// Two digits, zero-padded.
    private static func format2(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }

    static func table(rows: Int) -> FixtureTable {
        FixtureTable(schema: schema, rowCount: rows, indexes: [["DateTStamp", "ClaimNum", "Category", "LineNum"]]) {
            AnySequence((0..<rows).lazy.map { row($0) })
        }
    }
}
