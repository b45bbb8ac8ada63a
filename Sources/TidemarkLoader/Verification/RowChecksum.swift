import TidemarkDatabase

/// One canonical encoding of a row, computed inside the engine, so equal rows give equal checksums on SQLite and
/// PostgreSQL. It is PostgreSQL's own row text, `ROW(c1, c2, …)::text` — `(v1,v2,…)`, NULL as nothing, a value
/// quoted when it is empty or holds `"` `\` `(` `)` `,` or white space — which PostgreSQL renders in C at the speed
/// of its type output functions. Session settings fix the renderings (`DateStyle` ISO: dates `YYYY-MM-DD`,
/// timestamps to the microsecond with trailing fraction zeros dropped; `bytea_output` hex; numerics keep their
/// scale; booleans `t`/`f`). Doubles are spelled by bit pattern instead (their text differs between engines).
/// SQLite builds the same text in one registered Swift function, `tidemark_row_text`. This is the loader's
/// verification; the simulator's oracle has its own, separate encoding.
enum CanonicalRow {
    /// The SQL expression of the whole row's canonical text, columns in the given order.
    static func row(_ columns: [ColumnInfo], engine: Engine) -> String {
        switch engine {
        case .sqlite: return "tidemark_row_text(\(sqliteArguments(columns)))"
        case .postgres: return postgresRow(columns)
        }
    }

    /// `ROW(…)::text`; + 0.0 turns -0.0 into 0.0: SQLite cannot store the sign of zero, so it must not count.
    private static func postgresRow(_ columns: [ColumnInfo]) -> String {
        "ROW(" + columns.map { column in
            let c = quoteIdentifier(column.name)
            return column.type == .double ? "encode(float8send(\(c)::float8 + 0.0::float8), 'hex')" : c
        }.joined(separator: ", ") + ")::text"
    }

    /// The row's 64-bit hash: PostgreSQL's `hashtextextended` of the canonical text (byte-wise, hence `COLLATE
    /// "C"`), rebuilt in SQLite by `tidemark_row_hash`. Leaves compare rows by it.
    static func hash(_ columns: [ColumnInfo], engine: Engine) -> String {
        switch engine {
        case .sqlite: return "tidemark_row_hash(\(sqliteArguments(columns)))"
        case .postgres: return "hashtextextended(\(postgresRow(columns)) COLLATE \"C\", 0)"
        }
    }

    /// The hash's top 56 bits as a non-negative integer, for range sums: summed as two 28-bit halves, so sums
    /// cannot overflow. The same arithmetic on both engines.
    static func summand(_ columns: [ColumnInfo], engine: Engine) -> String {
        "((\(hash(columns, engine: engine)) >> 8) & 72057594037927935)"
    }

    /// A server reads text in its own byte order when it hashes; SQLite's twin reads it little-endian. Checked
    /// once per verification, so a server that hashes otherwise is an error, not a table that never verifies.
    static func checkHashAgreement(_ db: any Connection, table: String) throws {
        guard db.engine == .postgres else { return }
        let probe = "tidemark (1,\"a b\",2025-10-11 23:10:58.906547)"
        let server = try db.scalar("SELECT hashtextextended($1::text COLLATE \"C\", 0)", [.text(probe)])
        guard server == .integer(TextHash.hash(probe)) else {
            throw LoadError(table: table, "this PostgreSQL server hashes text in another byte order than Tidemark "
                + "does for SQLite, so row checksums cannot be compared across the two; set `verify: off` for the table "
                + "or use the hybrid policy")
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
        var inner = "SELECT \(CanonicalRow.summand(columns, engine: db.engine)) AS h FROM \(table.quoted)"
        if let condition = Predicate.all([range.predicate(column: key), excludingKeys(excluding, key: key)]) {
            inner += " WHERE " + builder.render(condition)
        }
        let sql = "SELECT count(*), \(sums) FROM (\(inner)) AS rows"
        guard let row = try db.query(sql, builder.parameters).first else { return RangeChecksum(count: 0, sum0: 0, sum1: 0) }
        return RangeChecksum(count: number(row[0]), sum0: number(row[1]), sum1: number(row[2]))
    }

    /// The checksums of the `count` consecutive key ranges `[lower + b·width, lower + (b+1)·width)`, keyed by
    /// `b`; empty ranges are absent. One pass over the table, so verifying and locating differences costs about
    /// one read of each side. Keys must lie in `lower…` and `key − lower` must not overflow (the caller checks).
    ///
    /// PostgreSQL groups the rows by range in a hash table during one scan. SQLite would sort every row by its
    /// computed range first (a temporary b-tree that cost more than the hashing), so there each range is one
    /// indexed range scan with the same prepared statement — still one pass over the table, in key order.
    static func buckets(_ db: any Connection, table: TableName, columns: [ColumnInfo], key: String, lower: Int64,
                        width: Int64, count: Int64, excluding: [Value] = []) throws -> [Int64: RangeChecksum] {
        if db.engine == .sqlite {
            var result: [Int64: RangeChecksum] = [:]
            for b in 0..<count {
                let range = KeyRange(lower: lower + b * width, upper: lower + (b + 1) * width)
                let checksum = try compute(db, table: table, columns: columns, key: key, range: range, excluding: excluding)
                if checksum.count > 0 { result[b] = checksum }
            }
            return result
        }
        var builder = SQLBuilder(engine: db.engine)
        let k = quoteIdentifier(key)
        var inner = "SELECT (\(k) - \(builder.bind(.integer(lower)))) / \(builder.bind(.integer(width))) AS b, "
            + "\(CanonicalRow.summand(columns, engine: db.engine)) AS h FROM \(table.quoted)"
        if let condition = excludingKeys(excluding, key: key) { inner += " WHERE " + builder.render(condition) }
        let sql = "SELECT b, count(*), \(sums) FROM (\(inner)) AS rows GROUP BY b"
        var result: [Int64: RangeChecksum] = [:]
        try db.stream(sql, builder.parameters, batchSize: 4096) { rows in
            for row in rows {
                result[number(row[0])] = RangeChecksum(count: number(row[1]), sum0: number(row[2]), sum1: number(row[3]))
            }
        }
        return result
    }

    private static let sums = "COALESCE(sum(h >> 28), 0), COALESCE(sum(h & 268435455), 0)"

    /// PostgreSQL's sum of bigints is numeric; SQLite's an integer.
    private static func number(_ v: Value) -> Int64 {
        switch v {
        case .integer(let i): return i
        case .decimal(let d): return Int64(d.description) ?? -1
        default: return v.int64 ?? -1
        }
    }
}

/// `NOT key IN (…)` for keys verification leaves out (rejected rows), or nil.
func excludingKeys(_ keys: [Value], key: String) -> Predicate? {
    keys.isEmpty ? nil : .not(.oneOf(column: key, values: keys))
}
