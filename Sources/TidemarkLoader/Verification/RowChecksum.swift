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
        // Microseconds since 1970: exact on both sides, and cheaper than formatting text.
        case (.timestamp, .sqlite): rendered = "'T' || tidemark_timestamp_micros(\(c))"
        case (.timestamp, .postgres): rendered = "'T' || (extract(epoch from \(c)) * 1000000)::bigint::text"
        case (.text, _), (.varchar, _): rendered = "'t' || CAST(\(c) AS TEXT)"
        }
        let text = "COALESCE(\(rendered), 'N')"
        return "CAST(length(\(text)) AS TEXT) || ':' || \(text)"
    }

    /// The canonical text of a whole row, columns in the given order.
    static func row(_ columns: [ColumnInfo], engine: Engine) -> String {
        columns.map { value($0, engine: engine) }.joined(separator: " || ")
    }

    /// The first 56 bits of the row's MD5 as an integer; summed as two 28-bit halves, so sums cannot overflow.
    /// SQLite builds the same canonical text in one registered function call, which is much faster than the
    /// SQL expression there.
    static func hash(_ columns: [ColumnInfo], engine: Engine) -> String {
        switch engine {
        case .sqlite: return "tidemark_row_hash(\(sqliteArguments(columns)))"
        case .postgres: return "('x' || substr(md5(\(row(columns, engine: engine))), 1, 14))::bit(56)::bigint"
        }
    }

    /// The row's MD5 in hex (for comparing leaves row by row).
    static func md5(_ columns: [ColumnInfo], engine: Engine) -> String {
        switch engine {
        case .sqlite: return "tidemark_row_md5(\(sqliteArguments(columns)))"
        case .postgres: return "md5(\(row(columns, engine: engine)))"
        }
    }

    /// `'<kind letters>', c1, c2, …` for the SQLite row functions.
    private static func sqliteArguments(_ columns: [ColumnInfo]) -> String {
        "'" + columns.map { kindLetter($0.type ?? .text) }.joined() + "', " + quoteIdentifiers(columns.map(\.name))
    }

    static func kindLetter(_ type: ColumnType) -> String {
        switch type {
        case .bigint, .integer, .smallint: return "i"
        case .boolean: return "b"
        case .numeric: return "d"
        case .double: return "f"
        case .bytes: return "x"
        case .date: return "D"
        case .timestamp: return "T"
        case .text, .varchar: return "t"
        }
    }
}

/// The count and content checksum of a range of rows: equal when the rows are equal, on either engine.
struct RangeChecksum: Sendable, Equatable {
    let count: Int64
    let sum0: Int64
    let sum1: Int64

    /// Count and the sums of both hash halves over the rows with `lower ≤ key < upper`, computed in the engine.
    static func compute(_ db: any Connection, table: TableName, columns: [ColumnInfo], key: String,
                        range: KeyRange, excluding: [Value] = []) throws -> RangeChecksum {
        var builder = SQLBuilder(engine: db.engine)
        var inner = "SELECT \(CanonicalRow.hash(columns, engine: db.engine)) AS h FROM \(table.quoted)"
        if let condition = Predicate.all([range.predicate(column: key), excludingKeys(excluding, key: key)]) {
            inner += " WHERE " + builder.render(condition)
        }
        let sql = "SELECT count(*), COALESCE(sum(h >> 28), 0), COALESCE(sum(h & 268435455), 0) FROM (\(inner)) AS rows"
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

/// `NOT key IN (…)` for keys verification leaves out (rejected rows), or nil.
func excludingKeys(_ keys: [Value], key: String) -> Predicate? {
    keys.isEmpty ? nil : .not(.oneOf(column: key, values: keys))
}
