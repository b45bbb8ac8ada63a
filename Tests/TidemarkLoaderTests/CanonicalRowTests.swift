import Testing
import TidemarkDrivers
import TidemarkTestSupport
@testable import TidemarkLoader

/// The in-engine canonical row encoding: identical text and checksums on SQLite and PostgreSQL.
@Suite struct CanonicalRowTests {
    static let columns: [ColumnDefinition] = [
        ColumnDefinition("id", .bigint, nullable: false), ColumnDefinition("i", .integer), ColumnDefinition("s", .smallint),
        ColumnDefinition("b", .boolean), ColumnDefinition("n", .numeric(precision: 0, scale: 0)),
        ColumnDefinition("n2", .numeric(precision: 12, scale: 2)), ColumnDefinition("d", .double),
        ColumnDefinition("t", .text), ColumnDefinition("v", .varchar(length: 50)), ColumnDefinition("dt", .date),
        ColumnDefinition("ts", .timestamp), ColumnDefinition("bin", .bytes),
    ]

    static func rows() -> [[Value]] {
        func dec(_ s: String) -> Value { .decimal(ExactDecimal(s)!) }
        func ts(_ s: String) -> Value { .timestamp(LocalTimestamp(s)!) }
        return [
            [1, .integer(Int64(Int32.max)), 7, true, dec("12.50"), dec("12.50"), 0.1, "", "", .date(LocalDate("2025-10-11")!),
             ts("2025-10-11 23:10:58.906547"), .bytes([])],
            [2, .integer(Int64(Int32.min)), -7, false, dec("-0.000001"), dec("-99.99"), .double(1.0 / 3.0),
             "it's \"q\"\n\t\\ é 😀 中文", "x", .date(LocalDate("0001-01-01")!), ts("0001-01-01 00:00:00"), .bytes([0, 255, 10])],
            [3, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil],
            [.integer(Int64.max), 0, 0, true, dec("123456789012345678901234567890.123456789"), dec("0.00"), .double(-0.0),
             "NULL", "N", .date(LocalDate("1999-12-31")!), ts("2024-02-29 00:00:00.900000"), .bytes(Array("\\x".utf8))],
            [.integer(Int64.min), 1, 1, false, dec("100"), dec("1.00"), .double(1e300), "a", "b",
             .date(LocalDate("2099-01-01")!), ts("1999-12-31 23:59:59"), .bytes([1])],
            // Characters PostgreSQL's row text quotes: parentheses, commas, spaces at either end, a lone quote.
            [4, 2, 2, true, dec("0"), dec("-0.50"), .double(-1.5e-300), "(a, b)", " lead,trail ",
             .date(LocalDate("2000-02-29")!), ts("2000-02-29 12:00:00.000001"), .bytes(Array("(,)\"".utf8))],
        ]
    }

    /// Per row: the key and the canonical text and MD5 the engine computes.
    static func encoded(_ db: any Connection) throws -> [[Value]] {
        let table = TableName("canon")
        try db.createTable(TableSchema(name: table, columns: columns, primaryKey: ["id"]))
        _ = try db.bulkInsert(into: table, columns: columns.map(\.name), rows: rows())
        let info = try db.columns(of: table)
        let row = CanonicalRow.row(info, engine: db.engine)
        let md5 = db.engine == .sqlite ? "tidemark_md5(\(row))" : "md5(\(row))"
        let hash = CanonicalRow.hash(info, engine: db.engine)
        let rowMD5 = CanonicalRow.md5(info, engine: db.engine)
        return try db.query("SELECT id, \(row), \(md5), \(hash), \(rowMD5) FROM canon ORDER BY id").map(\.values)
    }

    @Test func `both engines encode every value type to identical text and checksums`() throws {
        let sqlite = try TestDatabases.withConnection(.sqlite) { db, _ in try Self.encoded(db) }
        let postgres = try TestDatabases.withConnection(.postgres) { db, _ in try Self.encoded(db) }
        #expect(sqlite.count == 6)
        for (a, b) in zip(sqlite, postgres) {
            #expect(a == b, "row \(a[0])")
        }
        // NULL and '' differ, and so do other scales and a microsecond.
        let texts = sqlite.map { $0[1].string ?? "" }
        #expect(Set(texts).count == texts.count)
    }

    @Test(arguments: TestDatabases.engines)
    func `range checksums see any change`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            _ = try Self.encoded(db)
            let info = try db.columns(of: TableName("canon"))
            let whole = KeyRange(lower: nil, upper: nil)
            let before = try RangeChecksum.compute(db, table: TableName("canon"), columns: info, key: "id", range: whole)
            #expect(before.count == 6)
            try db.execute("UPDATE canon SET ts = \(engine.placeholder(1)) WHERE id = 1",
                           [.timestamp(LocalTimestamp("2025-10-11 23:10:58.906548")!)])
            let after = try RangeChecksum.compute(db, table: TableName("canon"), columns: info, key: "id", range: whole)
            #expect(after.count == 6)
            #expect(after != before)
            let firstTwo = try RangeChecksum.compute(db, table: TableName("canon"), columns: info, key: "id",
                                                     range: KeyRange(lower: 1, upper: 3))
            #expect(firstTwo.count == 2)
        }
    }

    @Test func `SQLite's md5 matches the reference digests`() throws {
        try TestDatabases.withConnection(.sqlite) { db, _ throws in
            #expect(try db.scalar("SELECT tidemark_md5('')") == "d41d8cd98f00b204e9800998ecf8427e")
            #expect(try db.scalar("SELECT tidemark_md5('abc')") == "900150983cd24fb0d6963f7d28e17f72")
            #expect(try db.scalar("SELECT tidemark_md5('The quick brown fox jumps over the lazy dog')")
                == "9e107d9d372bb6826bd81d3542a419d6")
            #expect(try db.scalar("SELECT tidemark_md5(?1)", [.text(String(repeating: "é", count: 100))]) != nil)
            #expect(try db.scalar("SELECT tidemark_md5(NULL)") == .null)
        }
    }

    /// Messages ending just before, on and after the 64-byte block and the 56-byte padding boundaries.
    @Test(arguments: [
        (55, "04364420e25c512fd958a70738aa8f72"), (56, "668a72d5ba17f08e62dabcafad6db14b"),
        (57, "693037871c4a9d3d8685018905cb530a"), (63, "7dc2ca208106a2f703567bdff99d8981"),
        (64, "c1bb4f81d892b2d57947682aeb252456"), (65, "1bc932052302d074bdec39795fe00cf6"),
        (119, "ab347a5f68c8a443cfcddc633f12c24f"), (120, "fb98667f98096de92620b64f46e1c5b5"),
        (128, "d69cb61a6ee87200676eb0d4b90edbcb"), (1000, "398533d48111e9f664b1f64cb10c4b63"),
    ])
    func `SQLite's md5 is right at every block boundary`(length: Int, digest: String) throws {
        try TestDatabases.withConnection(.sqlite) { db, _ throws in
            #expect(try db.scalar("SELECT tidemark_md5(?1)", [.text(String(repeating: "x", count: length))]) == .text(digest))
        }
    }
}
