import Testing
import TidemarkDrivers
import TidemarkTestSupport
@testable import TidemarkLoader

/// The upsert every row-by-row strategy writes through (one array per column on PostgreSQL, multi-row VALUES
/// on SQLite): every value type and hostile text arrive unchanged, and unchanged rows are not rewritten.
@Suite struct TableWriterTests {
    static func rows() -> [[Value]] {
        var rows = CanonicalRowTests.rows()
        // Array syntax characters, an escaped quote, the word NULL and infinity.
        rows.append([5, 5, 5, true, .decimal(ExactDecimal("5")!), .decimal(ExactDecimal("5.55")!), .double(.infinity),
                     "{\"x\"}\\,{}", "NULL", .date(LocalDate("2025-01-01")!),
                     .timestamp(LocalTimestamp("2025-01-01 00:00:00.5")!), .bytes(Array("{}\"\\".utf8))])
        return rows
    }

    @Test(arguments: TestDatabases.engines)
    func `upserts carry every value type and hostile text unchanged`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            let table = TableName("written")
            let columns = CanonicalRowTests.columns
            try db.createTable(TableSchema(name: table, columns: columns, primaryKey: ["id"]))
            let writer = TableWriter(connection: db, table: table, columns: columns, key: ["id"])
            let rows = Self.rows()
            #expect(try writer.upsert(rows) == rows.count)
            let stored = try db.query("SELECT * FROM \(table.quoted)").map(\.values)
            let byKey = Dictionary(uniqueKeysWithValues: stored.map { ($0[0], $0) })
            for row in rows { #expect(byKey[row[0]] == row, "row \(row[0])") }

            #expect(try writer.upsert(rows) == 0)
            var changed = rows[1]
            changed[7] = "changed"
            #expect(try writer.upsert([changed]) == 1)
        }
    }
}
