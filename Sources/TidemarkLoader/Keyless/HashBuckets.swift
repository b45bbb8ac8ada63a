import TidemarkDatabase

/// A table's rows summed into buckets chosen by the row hash itself — (count, checksum) per bucket, computed
/// inside the engine — so two tables without a key can be compared, and their differences located, without one:
/// equal rows fall into the same bucket on both sides, whatever order or engine holds them.
struct HashBuckets: Equatable {
    static let count: Int64 = 4096
    private(set) var sums: [Int64: RangeChecksum] = [:]

    /// The bucket of a row: low bits of its checksum summand (the same arithmetic on every engine).
    static func expression(_ columns: [ColumnInfo], dialect: any SQLDialect, hash: RowHashFunction) -> String {
        "(\(CanonicalRow.summand(columns, dialect: dialect, hash: hash)) & \(count - 1))"
    }

    /// One grouped scan of `table`.
    static func read(_ db: any Connection, table: TableName, columns: [ColumnInfo],
                     hash: RowHashFunction) throws -> HashBuckets {
        let inner = "SELECT \(CanonicalRow.summand(columns, dialect: db.dialect, hash: hash)) AS h FROM \(table.quoted)"
        let sql = "SELECT h & \(count - 1) AS b, count(*), \(RangeChecksum.sums) FROM (\(inner)) AS hashed GROUP BY b"
        var buckets = HashBuckets()
        try db.stream(sql, [], batchSize: 4096) { rows in
            for row in rows {
                buckets.sums[RangeChecksum.number(row[0])] = RangeChecksum(
                    count: RangeChecksum.number(row[1]), sum0: RangeChecksum.number(row[2]),
                    sum1: RangeChecksum.number(row[3]))
            }
        }
        return buckets
    }

    var rowCount: Int64 { sums.values.reduce(0) { $0 + $1.count } }

    /// The buckets whose rows differ from `other`'s, in order.
    func differing(from other: HashBuckets) -> [Int64] {
        Set(sums.keys).union(other.sums.keys).filter { sums[$0] != other.sums[$0] }.sorted()
    }

    /// Rows in `buckets`.
    func rows(in buckets: [Int64]) -> Int64 {
        buckets.reduce(0) { $0 + (sums[$1]?.count ?? 0) }
    }
}

/// The copies by which a target table differs from the source's, as a multiset of rows compared by their
/// canonical text (``SQLDialect/canonicalRow(_:)``): a row the source holds three times and the target once is
/// two missing copies; the reverse is two surplus copies, named by their target ``SQLDialect/rowLocator``.
struct CopyDifference {
    /// Source rows to insert, one entry per missing copy.
    var missing: [[Value]] = []
    /// Target rows to delete, one locator per surplus copy.
    var surplus: [Value] = []
    var isEmpty: Bool { missing.isEmpty && surplus.isEmpty }

    /// The differences within `buckets`: the source's rows there with their values, the target's with their
    /// locators. Memory holds the rows of those buckets only.
    static func within(_ buckets: [Int64], source: any Connection, sourceTable: TableName, sourceColumns: [ColumnInfo],
                       target: any Connection, targetTable: TableName, targetColumns: [ColumnInfo],
                       hash: RowHashFunction) throws -> CopyDifference {
        var sourceRows: [Value: [[Value]]] = [:]
        var targetRows: [Value: [Value]] = [:]
        for chunk in buckets.chunks(of: 500) {
            let names = quoteIdentifiers(sourceColumns.map(\.name))
            try select(source, "\(names), \(source.dialect.canonicalRow(sourceColumns))", from: sourceTable,
                       columns: sourceColumns, buckets: chunk, hash: hash) { row in
                sourceRows[row[sourceColumns.count], default: []].append(Array(row.values.prefix(sourceColumns.count)))
            }
            try select(target, "\(target.dialect.rowLocator!.select), \(target.dialect.canonicalRow(targetColumns))",
                       from: targetTable, columns: targetColumns, buckets: chunk, hash: hash) { row in
                targetRows[row[1], default: []].append(row[0])
            }
        }
        var difference = CopyDifference()
        for (text, copies) in sourceRows {
            let held = targetRows[text]?.count ?? 0
            if copies.count > held { difference.missing += copies.prefix(copies.count - held) }
        }
        for (text, locators) in targetRows {
            let wanted = sourceRows[text]?.count ?? 0
            if locators.count > wanted { difference.surplus += locators.prefix(locators.count - wanted) }
        }
        return difference
    }

    /// `SELECT <what> FROM table WHERE <bucket> IN (…)`, row by row.
    private static func select(_ db: any Connection, _ what: String, from table: TableName, columns: [ColumnInfo],
                               buckets: [Int64], hash: RowHashFunction, _ each: (Row) -> Void) throws {
        var builder = SQLBuilder(dialect: db.dialect)
        let list = buckets.map { builder.bind(.integer($0)) }.joined(separator: ", ")
        let sql = "SELECT \(what) FROM \(table.quoted) WHERE \(HashBuckets.expression(columns, dialect: db.dialect, hash: hash)) "
            + "IN (\(list))"
        try db.stream(sql, builder.parameters, batchSize: 4096) { rows in rows.forEach(each) }
    }
}
