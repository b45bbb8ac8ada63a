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

    /// Per row: the key, the canonical text, its hash and the range-sum part the engine computes — of the whole
    /// row, or of the named columns alone.
    static func encoded(_ db: any Connection, only names: [String]? = nil,
                        hash function: RowHashFunction = .lookup3) throws -> [[Value]] {
        let table = TableName("canon")
        try db.createTable(TableSchema(name: table, columns: columns, primaryKey: ["id"]))
        _ = try db.bulkInsert(into: table, columns: columns.map(\.name), rows: rows())
        let info = try db.columns(of: table).filter { names?.contains($0.name) ?? true }
        let row = db.dialect.canonicalRow(info)
        let hash = db.dialect.rowHash(info, using: function)
        let summand = CanonicalRow.summand(info, dialect: db.dialect, hash: function)
        return try db.query("SELECT id, \(row), \(hash), \(summand) FROM canon ORDER BY id").map(\.values)
    }

    /// Each dialect spells one type with its own code (SQLite in `tidemark_row_text`): one column at a time, so a
    /// difference names its type.
    @Test(arguments: columns.map(\.name))
    func `both engines encode each value type to identical bytes`(column: String) throws {
        let sqlite = try TestDatabases.withConnection(.sqlite) { db, _ in try Self.encoded(db, only: [column]) }
        let postgres = try TestDatabases.withConnection(.postgres) { db, _ in try Self.encoded(db, only: [column]) }
        #expect(sqlite.count == Self.rows().count)
        #expect(sqlite == postgres)
    }

    /// MariaDB's CONCAT rebuilds the same text, doubles included, except for the unconstrained numeric (MySQL
    /// pads it to scale 30), and its MD5 row hash and range summand are PostgreSQL's.
    @Test(arguments: columns.map(\.name).filter { $0 != "n" })
    func `MariaDB spells and hashes each value type as PostgreSQL does`(column: String) throws {
        let mysql = try TestDatabases.withConnection(.mysql) { db, _ in try Self.encoded(db, only: [column], hash: .md5) }
        let postgres = try TestDatabases.withConnection(.postgres) { db, _ in
            try Self.encoded(db, only: [column], hash: .md5)
        }
        #expect(mysql.count == Self.rows().count)
        #expect(mysql == postgres)
    }

    /// MariaDB SQL cannot read a double's bytes, so its dialect computes the bit pattern arithmetically (LOG2,
    /// powers of two): checked against Swift's own bits for doubles across the whole range — subnormals, powers of
    /// two and their neighbours (where LOG2 rounds), the extremes — and random bit patterns.
    @Test func `MariaDB spells any double by its exact bit pattern`() throws {
        var random = SystemRandomNumberGenerator()
        var doubles: [Double] = [0.1, -0.1, 1, 2, 0.5, 3, 1e-310, -5e-324, Double.leastNormalMagnitude,
                                 Double.leastNormalMagnitude.nextDown, Double.greatestFiniteMagnitude,
                                 -Double.greatestFiniteMagnitude, 1e300, 1.0 / 3.0, 123456789.125]
        for exponent in stride(from: -1074, through: 1023, by: 7) {
            let power = Double(sign: .plus, exponent: exponent, significand: 1)
            doubles += [power, power.nextUp, power.nextDown]
        }
        while doubles.count < 600 {
            let d = Double(bitPattern: random.next())
            if d.isFinite { doubles.append(d) }
        }
        try TestDatabases.withConnection(.mysql) { db, _ in
            try db.createTable(TableSchema(name: TableName("doubles"), columns: [
                ColumnDefinition("id", .bigint, nullable: false), ColumnDefinition("d", .double),
            ], primaryKey: ["id"]))
            _ = try db.bulkInsert(into: TableName("doubles"), columns: ["id", "d"],
                                  rows: doubles.enumerated().map { [.integer(Int64($0.offset)), .double($0.element)] })
            let info = try db.columns(of: TableName("doubles")).filter { $0.name == "d" }
            let texts = try db.query("SELECT \(db.dialect.canonicalRow(info)) FROM doubles ORDER BY id").map { $0[0].string ?? "" }
            for (d, text) in zip(doubles, texts) {
                var bits: [UInt8] = []
                CanonicalText.appendBits(d, to: &bits)
                #expect(text == "(" + String(decoding: bits, as: UTF8.self) + ")", "\(d)")
            }
        }
    }

    /// MD5's first 8 bytes, big-endian: RFC 1321's test vectors in Swift, and the same values from SQLite's
    /// registered function, PostgreSQL's `md5` and MariaDB's `MD5`.
    @Test func `the md5 row hash is the same in Swift, SQLite, PostgreSQL and MariaDB`() throws {
        let vectors: [(String, String)] = [
            ("", "d41d8cd98f00b204"), ("a", "0cc175b9c0f1b6a8"), ("abc", "900150983cd24fb0"),
            ("message digest", "f96b697d7cb7938d"), ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e400"),
            (String(repeating: "1234567890", count: 8), "57edf4a22be3c955"),
        ]
        for (text, prefix) in vectors {
            #expect(RowHashFunction.md5.hash(text) == Int64(bitPattern: UInt64(prefix, radix: 16)!), "\(text)")
        }
        let texts = vectors.map(\.0) + Self.referenceHashes.map(\.0) + [String(repeating: "é", count: 100)]
        for engine in TestDatabases.drivers {
            try TestDatabases.withConnection(engine) { db, _ in
                #expect(try db.dialect.rowHashFunctions(on: db).contains(.md5))
                try db.createTable(TableSchema(name: TableName("texts"), columns: [
                    ColumnDefinition("id", .bigint, nullable: false), ColumnDefinition("t", .text),
                ], primaryKey: ["id"]))
                _ = try db.bulkInsert(into: TableName("texts"), columns: ["id", "t"],
                                      rows: texts.enumerated().map { [.integer(Int64($0.offset)), .text($0.element)] })
                let info = try db.columns(of: TableName("texts")).filter { $0.name == "t" }
                let hashes = try db.query("SELECT \(db.dialect.rowHash(info, using: .md5)) FROM texts ORDER BY id").map { $0[0] }
                // The row text of one text column is the value, quoted where PostgreSQL quotes it.
                let expected = try db.query("SELECT \(db.dialect.canonicalRow(info)) FROM texts ORDER BY id").map {
                    Value.integer(RowHashFunction.md5.hash($0[0].string ?? ""))
                }
                #expect(hashes == expected, "\(engine)")
            }
        }
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
            let before = try RangeChecksum.compute(db, table: TableName("canon"), columns: info, key: ["id"], range: whole,
                                                   hash: .lookup3)
            #expect(before.count == 6)
            try db.execute("UPDATE canon SET ts = \(engine.placeholder(1)) WHERE id = 1",
                           [.timestamp(LocalTimestamp("2025-10-11 23:10:58.906548")!)])
            let after = try RangeChecksum.compute(db, table: TableName("canon"), columns: info, key: ["id"], range: whole,
                                                   hash: .lookup3)
            #expect(after.count == 6)
            #expect(after != before)
            let firstTwo = try RangeChecksum.compute(db, table: TableName("canon"), columns: info, key: ["id"],
                                                     range: KeyRange(lower: 1, upper: 3), hash: .lookup3)
            #expect(firstTwo.count == 2)
        }
    }

    /// PostgreSQL 15's `hashtextextended(t, 0)` of these texts: lengths 0 to 13 (every tail length of the 12-byte
    /// blocks), quotes, multi-byte UTF-8 and a long text.
    static let referenceHashes: [(String, Int64)] = [
        ("", -6_939_563_903_564_495_251), ("a", 3_591_986_179_850_072_241), ("ab", 2_833_316_173_711_343_549),
        ("abc", -6_747_756_470_228_489_321), ("abcd", -1_038_429_303_365_892_052), ("abcde", 3_076_356_108_696_143_428),
        ("abcdefg", -6_158_032_784_613_548_338), ("abcdefgh", -8_882_191_227_074_733_005),
        ("abcdefghi", -3_278_210_106_038_014_113), ("abcdefghij", -3_183_301_415_634_409_076),
        ("abcdefghijk", 3_112_909_444_737_856_467), ("abcdefghijkl", -7_556_637_188_122_330_412),
        ("abcdefghijklm", 8_871_624_171_452_417_744),
        ("(1,2,\"it's \"\"q\"\"\",2025-10-11 23:10:58.906547,,t)", -9_115_138_922_945_991_501),
        ("ünïcødé ✓ 日本語", 7_956_749_263_212_953_577), (String(repeating: "xyz", count: 41), -8_949_961_708_289_634_876),
    ]

    @Test func `the text hash is PostgreSQL's, on SQLite and in Swift`() throws {
        try TestDatabases.withConnection(.sqlite) { db, _ throws in
            for (text, hash) in Self.referenceHashes {
                #expect(TextHash.hash(text) == hash, "\(text)")
                #expect(try db.scalar("SELECT tidemark_text_hash(?1)", [.text(text)]) == .integer(hash), "\(text)")
            }
            #expect(try db.scalar("SELECT tidemark_text_hash(NULL)") == .null)
        }
        try TestDatabases.withConnection(.postgres) { db, _ throws in
            for (text, hash) in Self.referenceHashes {
                #expect(try db.scalar("SELECT hashtextextended($1::text COLLATE \"C\", 0)", [.text(text)]) == .integer(hash))
            }
            #expect(try db.dialect.rowHashFunctions(on: db) == [.lookup3, .md5])
        }
    }
}

/// A PostgreSQL database whose encoding is not UTF-8 hashes non-ASCII text over other bytes: found before any
/// checksum is compared, and said plainly, instead of a table that repairs on every run.
@Suite struct DatabaseEncodingTests {
    @Test func `a LATIN1 database is refused for cross-engine checksums, a UTF-8 one is not`() throws {
        let server = try TestDatabases.postgresServer()
        guard case .postgres(let parameters) = server else { return }
        let admin = try openConnection(server)
        defer { admin.close() }
        let name = "latin1_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try admin.execute("CREATE DATABASE \(quoteIdentifier(name)) ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' "
            + "TEMPLATE template0")
        defer { _ = try? admin.execute("DROP DATABASE \(quoteIdentifier(name))") }
        let latin1 = try openConnection(.postgres(parameters: parameters.filter { $0.keyword != "dbname" }
            + [ConnectionParameter("dbname", name)]))
        defer { latin1.close() }
        #expect(try latin1.dialect.rowHashFunctions(on: latin1) == [])
        #expect(throws: LoadError.self) { try CanonicalRow.sharedHash(latin1, admin, table: "t") }
        #expect(try CanonicalRow.sharedHash(admin, admin, table: "t") == .lookup3)
    }
}
