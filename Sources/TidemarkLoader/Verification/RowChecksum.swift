import TidemarkDatabase

/// One canonical encoding of a row, computed inside the engine, so equal rows give equal checksums on SQLite and
/// PostgreSQL: each value is a kind letter plus an exact rendering (timestamps to the microsecond without a
/// zero fraction, decimals with their scale, booleans as b0/b1, doubles by bit pattern, bytes as hex, text as
/// its UTF-8), NULL is `N` (never ''), and every value is prefixed with its length so columns cannot run
/// together. This is the loader's verification; the simulator's oracle has its own, separate encoding.
enum CanonicalRow {
    /// The SQL expression of one column's canonical text.
    static func value(_ column: ColumnInfo, engine: Engine) -> String {
        let c = quoteIdentifier(column.name)
        let rendered: String
        switch (column.type ?? .text, engine) {
        case (.bigint, _), (.integer, _), (.smallint, _):
            rendered = "'i' || CAST(\(c) AS TEXT)"
        case (.boolean, _): rendered = "CASE WHEN \(c) IS NULL THEN NULL WHEN \(c) THEN 'b1' ELSE 'b0' END"
        case (.numeric, .sqlite): rendered = "'d' || CAST(\(c) AS TEXT)"
        case (.numeric, .postgres): rendered = "'d' || \(c)::text"
        case (.double, .sqlite): rendered = "'f' || tidemark_float_bits(\(c))"
        // + 0.0 turns -0.0 into 0.0: SQLite cannot store the sign of zero, so it must not count.
        case (.double, .postgres): rendered = "'f' || encode(float8send(\(c)::float8 + 0.0::float8), 'hex')"
        // hex(NULL) is '' in SQLite, not NULL.
        case (.bytes, .sqlite): rendered = "CASE WHEN \(c) IS NULL THEN NULL ELSE 'x' || lower(hex(\(c))) END"
        case (.bytes, .postgres): rendered = "'x' || encode(\(c), 'hex')"
        case (.date, .sqlite): rendered = "'D' || CAST(\(c) AS TEXT)"
        case (.date, .postgres): rendered = "'D' || to_char(\(c), 'YYYY-MM-DD')"
        case (.timestamp, .sqlite): rendered = "'T' || CAST(\(c) AS TEXT)"
        case (.timestamp, .postgres):
            rendered = "'T' || regexp_replace(to_char(\(c), 'YYYY-MM-DD HH24:MI:SS.US'), '\\.000000$', '')"
        case (.text, _), (.varchar, _): rendered = "'t' || CAST(\(c) AS TEXT)"
        }
        let text = "COALESCE(\(rendered), 'N')"
        return "CAST(length(\(text)) AS TEXT) || ':' || \(text)"
    }

    /// The canonical text of a whole row, columns in the given order.
    static func row(_ columns: [ColumnInfo], engine: Engine) -> String {
        columns.map { value($0, engine: engine) }.joined(separator: " || ")
    }

    /// The two 28-bit slices of the row's MD5, as integers.
    static func hashParts(_ columns: [ColumnInfo], engine: Engine) -> (String, String) {
        let row = row(columns, engine: engine)
        switch engine {
        case .sqlite: return ("tidemark_hash_part(\(row), 0)", "tidemark_hash_part(\(row), 1)")
        case .postgres:
            return ("('x' || substr(md5(\(row)), 1, 7))::bit(28)::int", "('x' || substr(md5(\(row)), 8, 7))::bit(28)::int")
        }
    }
}

/// The count and content checksum of a range of rows: equal when the rows are equal, on either engine.
struct RangeChecksum: Sendable, Equatable {
    let count: Int64
    let sum0: Int64
    let sum1: Int64

    /// `SELECT count(*), sum(h0), sum(h1)` over the rows with `lower ≤ key < upper`, computed in the engine.
    static func compute(_ db: any Connection, table: TableName, columns: [ColumnInfo], key: String,
                        range: KeyRange) throws -> RangeChecksum {
        let (h0, h1) = CanonicalRow.hashParts(columns, engine: db.engine)
        var builder = SQLBuilder(engine: db.engine)
        var sql = "SELECT count(*), COALESCE(sum(\(h0)), 0), COALESCE(sum(\(h1)), 0) FROM \(table.quoted)"
        if let condition = range.predicate(column: key) { sql += " WHERE " + builder.render(condition) }
        guard let row = try db.query(sql, builder.parameters).first else { return RangeChecksum(count: 0, sum0: 0, sum1: 0) }
        func number(_ v: Value) -> Int64 {
            switch v {
            case .integer(let i): return i
            case .decimal(let d): return Int64(d.description) ?? -1
            default: return v.int64 ?? -1
            }
        }
        return RangeChecksum(count: number(row[0]), sum0: number(row[1]), sum1: number(row[2]))
    }
}
