import TidemarkDatabase

/// One canonical encoding of a row, computed inside each engine, so equal rows give equal checksums on every
/// engine: PostgreSQL's own row text, `ROW(c1, c2, …)::text` — `(v1,v2,…)`, NULL as nothing, a value quoted when
/// it is empty or holds `"` `\` `(` `)` `,` or white space. Session settings fix the renderings (`DateStyle`
/// ISO, `bytea_output` hex, numerics with their scale, booleans `t`/`f`); doubles are spelled by bit pattern.
/// Each dialect writes the expression (``SQLDialect/canonicalRow(_:)``, ``SQLDialect/rowHash(_:using:)``); this
/// is the arithmetic on top. The simulator's oracle has its own, separate encoding.
enum CanonicalRow {
    /// The hash's top 56 bits as a non-negative integer, for range sums: summed as two 28-bit halves, so sums
    /// cannot overflow. The same arithmetic on every engine (an arithmetic or a logical shift differ only in the
    /// bits the mask clears).
    static func summand(_ columns: [ColumnInfo], dialect: any SQLDialect, hash: RowHashFunction) -> String {
        "((\(dialect.rowHash(columns, using: hash)) >> 8) & 72057594037927935)"
    }

    /// The hash function both sides compute as Tidemark does: lookup3 between PostgreSQL and SQLite, MD5 where a
    /// MySQL side has no lookup3. Checked once per verification, so a server that hashes otherwise is an error,
    /// not a table that never verifies; `remedy` says what the user can do instead.
    static func sharedHash(_ source: any Connection, _ target: any Connection, table: String,
                           remedy: String = "set `verify: off` for the table or use the hybrid policy") throws -> RowHashFunction {
        if let shared = try RowHashFunction.shared(by: source, and: target) { return shared }
        let names = [source, target].map(\.engine.rawValue).joined(separator: " and ")
        throw LoadError(table: table, "the \(names) databases share no row hash Tidemark computes identically "
            + "(a server that reads text in another byte order, or a database whose encoding is not UTF-8, such as "
            + "LATIN1), so row checksums cannot be compared across engines; " + remedy)
    }
}

/// The count and content checksum of a range of rows: equal when the rows are equal, on either engine.
struct RangeChecksum: Sendable, Equatable {
    let count: Int64
    let sum0: Int64
    let sum1: Int64

    /// Count and the sums of both hash halves over the rows with `lower ≤ key < upper` (`key[0]`, the leading
    /// key column), computed in the engine.
    static func compute(_ db: any Connection, table: TableName, columns: [ColumnInfo], key: [String],
                        range: KeyRange, excluding: [RowKey] = [], hash: RowHashFunction) throws -> RangeChecksum {
        var builder = SQLBuilder(dialect: db.dialect, columns: columns)
        let condition = Predicate.all([range.predicate(column: key[0]), excludingKeys(excluding, key: key)])
        let sql = query(db.dialect, table: table, columns: columns, hash: hash, where: condition.map { builder.render($0) })
        return try run(db, sql, builder.parameters)
    }

    /// `SELECT count(*), <sums> FROM (SELECT <summand> AS h FROM table [WHERE …])`.
    private static func query(_ dialect: any SQLDialect, table: TableName, columns: [ColumnInfo], hash: RowHashFunction,
                              where condition: String?) -> String {
        var inner = "SELECT \(CanonicalRow.summand(columns, dialect: dialect, hash: hash)) AS h FROM \(table.quoted)"
        if let condition { inner += " WHERE " + condition }
        return "SELECT count(*), \(sums) FROM (\(inner)) AS hashed"
    }

    private static func run(_ db: any Connection, _ sql: String, _ parameters: [Value]) throws -> RangeChecksum {
        guard let row = try db.query(sql, parameters).first else { return RangeChecksum(count: 0, sum0: 0, sum1: 0) }
        return RangeChecksum(count: number(row[0]), sum0: number(row[1]), sum1: number(row[2]))
    }

    /// The checksums of the `count` consecutive key ranges `[lower + b·width, lower + (b+1)·width)`, keyed by
    /// `b`; empty ranges are absent. One pass over the table, so verifying and locating differences costs about
    /// one read of each side. Keys (their leading column) must lie in `lower…`; the last range ends at Int64.max.
    ///
    /// An engine that groups well (``SQLDialect/groupsRangesInOneScan``) sums the rows into their ranges in a
    /// hash table during one scan; otherwise each range is one indexed range scan with the same prepared
    /// statement — still one pass over the table, in key order.
    static func buckets(_ db: any Connection, table: TableName, columns: [ColumnInfo], key: [String], lower: Int64,
                        width: UInt64, count: Int64, excluding: [RowKey] = [],
                        hash: RowHashFunction) throws -> [Int64: RangeChecksum] {
        if !db.dialect.groupsRangesInOneScan {
            // One statement text for every closed range (its bounds are the first two parameters), rendered once:
            // building the SQL per range cost more than a small range's scan.
            var builder = SQLBuilder(dialect: db.dialect, columns: columns)
            let bounded = builder.render(.and([.greaterOrEqual(column: key[0], than: .integer(0)),
                                               .less(column: key[0], than: .integer(0))]))
            precondition(builder.parameters.count == 2, "an integer key range binds exactly its two bounds")
            let condition = excludingKeys(excluding, key: key).map { bounded + " AND " + builder.render($0) } ?? bounded
            let sql = query(db.dialect, table: table, columns: columns, hash: hash, where: condition)
            var parameters = builder.parameters
            var result: [Int64: RangeChecksum] = [:]
            for b in 0..<count {
                let range = bucketRange(b, lower: lower, width: width)
                let checksum: RangeChecksum
                if let start = range.lower, let end = range.upper {
                    (parameters[0], parameters[1]) = (.integer(start), .integer(end))
                    checksum = try run(db, sql, parameters)
                } else {
                    checksum = try compute(db, table: table, columns: columns, key: key, range: range, excluding: excluding,
                                           hash: hash)
                }
                if checksum.count > 0 { result[b] = checksum }
            }
            return result
        }
        var builder = SQLBuilder(dialect: db.dialect, columns: columns)
        let k = quoteIdentifier(key[0])
        // `key − lower` and the width can exceed a bigint when the keys span more than 2^63: then in numeric.
        let low = builder.bind(.integer(lower))
        let reach = UInt64(count).multipliedReportingOverflow(by: width)
        let fits = !reach.overflow && reach.partialValue <= UInt64(Int64.max)
        let bucketWidth = builder.bind(fits ? .integer(Int64(width)) : .text(String(width)))
        let bucket = db.dialect.bucketNumber(of: k, from: low, width: bucketWidth, exact: !fits)
        var inner = "SELECT \(bucket) AS b, \(CanonicalRow.summand(columns, dialect: db.dialect, hash: hash)) AS h FROM \(table.quoted)"
        if let condition = excludingKeys(excluding, key: key) {
            inner += " WHERE " + builder.render(condition)
        }
        let sql = "SELECT b, count(*), \(sums) FROM (\(inner)) AS hashed GROUP BY b"
        var result: [Int64: RangeChecksum] = [:]
        try db.stream(sql, builder.parameters, batchSize: 4096) { rows in
            for row in rows {
                result[number(row[0])] = RangeChecksum(count: number(row[1]), sum0: number(row[2]), sum1: number(row[3]))
            }
        }
        return result
    }

    /// Range `b` of ``buckets(_:table:columns:key:lower:width:count:excluding:)``: open above where it would
    /// end past Int64.max.
    static func bucketRange(_ b: Int64, lower: Int64, width: UInt64) -> KeyRange {
        // b·width ≤ the span of the keys, so the start is a key; the end may lie past Int64.max.
        let start = lower &+ Int64(bitPattern: UInt64(b) &* width)
        let end = UInt64(b + 1).multipliedReportingOverflow(by: width)
        return KeyRange(lower: start, upper: end.overflow ? nil : KeyArithmetic.offset(lower, by: end.partialValue))
    }

    static let sums = "COALESCE(sum(h >> 28), 0), COALESCE(sum(h & 268435455), 0)"

    /// A sum of bigints may come back as a numeric (PostgreSQL) or an integer (SQLite).
    static func number(_ v: Value) -> Int64 {
        switch v {
        case .integer(let i): return i
        case .decimal(let d): return Int64(d.description) ?? -1
        default: return v.int64 ?? -1
        }
    }
}
