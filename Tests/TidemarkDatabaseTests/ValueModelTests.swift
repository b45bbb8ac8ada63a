import Testing
import TidemarkDatabase
import TidemarkDrivers
import TidemarkMySQL
import TidemarkPostgres
import TidemarkSQLite

@Suite struct ExactDecimalTests {
    @Test(arguments: [
        ("12.50", "12.50", 2), ("-0.001", "-0.001", 3), ("007.5", "7.5", 1), (".5", "0.5", 1), ("5.", "5", 0),
        ("-0.00", "0.00", 2), ("+3", "3", 0),
        ("123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789", 9),
    ])
    func `parses and prints exactly, keeping the scale`(input: String, printed: String, scale: Int) throws {
        let d = try #require(ExactDecimal(input))
        #expect(d.description == printed)
        #expect(d.scale == scale)
    }

    @Test(arguments: ["", "-", "1e5", "NaN", "1.2.3", "12a", " . "])
    func `rejects what is not a plain decimal`(input: String) {
        #expect(ExactDecimal(input) == nil)
    }

    @Test func `another scale is another value`() {
        #expect(ExactDecimal("12.5") != ExactDecimal("12.50"))
    }
}

@Suite struct TimestampTests {
    @Test func `prints microseconds only when there are some`() throws {
        #expect(LocalTimestamp(year: 2025, month: 10, day: 11, hour: 23, minute: 10, second: 58, microsecond: 906547)
            .description == "2025-10-11 23:10:58.906547")
        #expect(LocalTimestamp(year: 2025, month: 1, day: 2, hour: 3, minute: 4, second: 5).description
            == "2025-01-02 03:04:05")
        #expect(LocalTimestamp.zeroDate.description == "0001-01-01 00:00:00")
    }

    @Test(arguments: [
        ("2025-10-11 23:10:58.906547", 906547), ("2025-10-11T23:10:58.9", 900000), ("2025-10-11 23:10:58", 0),
        ("2025-10-11", 0), ("0001-01-01 00:00:00", 0),
    ])
    func `parses the forms engines print`(text: String, micros: Int) throws {
        let t = try #require(LocalTimestamp(text))
        #expect(t.microsecond == micros)
        #expect(LocalTimestamp(t.description) == t)
    }

    @Test(arguments: ["2025-13-01 00:00:00", "2025-10-11 25:00:00", "2025-10-11 23:1", "yesterday",
                      "2025-10-11 23:10:58.1234567", "2025-10-11 23:10:58+2", "2025-10-11 23:10:58 CET",
                      "2025-10-11 23:10:60", "2025-10-11 23:10:58."])
    func `rejects malformed timestamps and finer than a microsecond`(text: String) {
        #expect(LocalTimestamp(text) == nil)
    }

    @Test(arguments: [
        ("2025-10-11 23:10", "2025-10-11 23:10:00"), ("2025-10-11T23:10:58Z", "2025-10-11 23:10:58"),
        ("2025-10-11T23:10:58.250+02:00", "2025-10-11 21:10:58.250000"), ("2025-10-11 23:10:58-0530", "2025-10-12 04:40:58"),
        ("2025-01-01 01:00:00+02", "2024-12-31 23:00:00"), ("2025-10-11 23:10:58.123456000", "2025-10-11 23:10:58.123456"),
        ("2025-10-11 23:10:58 +00", "2025-10-11 23:10:58"),
    ])
    func `reads ISO 8601 spellings, offsets applied`(text: String, utc: String) {
        #expect(LocalTimestamp(text)?.description == utc)
    }

    @Test func `orders like time, and so does its text`() throws {
        let a = try #require(LocalTimestamp("2025-10-11 23:10:58"))
        let b = try #require(LocalTimestamp("2025-10-11 23:10:58.000001"))
        #expect(a < b)
        #expect(a.description < b.description)
    }
}

/// MySQL's TIME is a duration as well as a time of day: spans keep their sign and hours past 24, spelled as
/// PostgreSQL prints an interval; a time of day stays within 00:00–24:00.
@Suite struct TimeSpanTests {
    @Test(arguments: [
        ("-12:30:00", "-12:30:00"), ("100:00:00.500000", "100:00:00.5"), ("-0:00:00.25", "-00:00:00.25"),
        ("1:02", "01:02:00"), ("838:59:59", "838:59:59"), ("-838:59:59.000001", "-838:59:59.000001"),
        ("00:00:00.000000", "00:00:00"), ("-00:00:00", "00:00:00"), ("24:00:00", "24:00:00"),
    ])
    func `spans parse and print as PostgreSQL's interval`(text: String, spelled: String) throws {
        #expect(try #require(TimeSpan(text)).description == spelled)
        #expect((try? ColumnType.duration.convert(.text(text)).get()) == .text(spelled))
    }

    @Test(arguments: ["12:60:00", "12:00:60", "abc", "--1:00:00", "1:2:3", "12:00:00.1234567", "", "1:00:00:00"])
    func `other text is no span`(text: String) {
        #expect(TimeSpan(text) == nil)
    }

    @Test func `a time of day stays between 00:00 and 24:00`() {
        #expect(TimeOfDay("23:59:59.5")?.description == "23:59:59.5")
        #expect(TimeOfDay("24:00:00")?.description == "24:00:00")
        for text in ["-01:00:00", "24:00:01", "100:00", "-00:00:00.5"] { #expect(TimeOfDay(text) == nil, "\(text)") }
    }
}

@Suite struct IdentifierTests {
    @Test(arguments: [("order", "\"order\""), ("Mixed Case", "\"Mixed Case\""), ("a\"b", "\"a\"\"b\""),
                      ("médication ✓", "\"médication ✓\"")])
    func `quotes every identifier`(name: String, quoted: String) {
        #expect(quoteIdentifier(name) == quoted)
    }

    @Test func `qualifies with the schema`() {
        #expect(TableName("medication", schema: "raw").quoted == "\"raw\".\"medication\"")
    }

    @Test func `maps declared types onto the logical types`() {
        let postgres = PostgresDialect(), sqlite = SQLiteDialect()
        #expect(postgres.columnType(declared: "character varying(255)") == .varchar(length: 255))
        #expect(postgres.columnType(declared: "timestamp(6) without time zone") == .timestamp)
        #expect(postgres.columnType(declared: "timestamp(3) with time zone") == .timestampWithTimeZone)
        #expect(postgres.columnType(declared: "time(0) without time zone") == .time)
        #expect(postgres.columnType(declared: "numeric(10,2)") == .numeric(precision: 10, scale: 2))
        #expect(postgres.columnType(declared: "real") == .real)
        #expect(postgres.columnType(declared: "character(3)") == .character(length: 3))
        #expect(postgres.columnType(declared: "uuid") == .uuid)
        #expect(postgres.columnType(declared: "jsonb") == .jsonb)
        #expect(postgres.columnType(declared: "integer[]") == .foreign(name: "integer[]", engine: .postgres))
        #expect(postgres.columnType(declared: "interval") == .foreign(name: "interval", engine: .postgres))
        #expect(postgres.columnType(declared: "geometry") == .foreign(name: "geometry", engine: .postgres))
        #expect(sqlite.columnType(declared: "DECIMAL_TEXT(10,2)") == .numeric(precision: 10, scale: 2))
    }

    @Test(arguments: [
        // SQLite integers hold 64 bits whatever the declaration says.
        ("INT", .bigint), ("INTEGER", .bigint), ("INT UNSIGNED", .bigint), ("UNSIGNED BIG INT", .bigint),
        ("TINYINT(1)", .smallint), ("SMALLINT", .smallint), ("MEDIUMINT", .integer),
        // Every REAL is 8 bytes; char(n) is not padded.
        ("REAL", .double), ("FLOAT", .double), ("DOUBLE", .double), ("CHAR(3)", .varchar(length: 3)),
        ("DATETIME", .timestamp), ("TIMESTAMP", .timestamp), ("DATE", .date), ("TIME", .time), ("BOOLEAN", .boolean),
        ("DECIMAL(10,2)", .numeric(precision: 10, scale: 2)), ("NUMERIC", .numeric(precision: 0, scale: 0)),
        ("", .text), ("STRING", .text), ("VARIANT", .text), ("BIGBLOB", .bytes), ("FLOATING POINT", .bigint),
        ("UUID", .uuid), ("JSON", .json),
    ] as [(String, ColumnType)])
    func `maps SQLite declarations by SQLite's rules`(declared: String, type: ColumnType) {
        #expect(SQLiteDialect().columnType(declared: declared) == type)
    }

    @Test(arguments: [
        ("int(11)", .integer), ("tinyint(1)", .boolean), ("tinyint(4)", .smallint), ("tinyint", .smallint),
        ("tinyint(3) unsigned", .smallint), ("smallint(5) unsigned", .integer), ("mediumint unsigned", .integer),
        ("int(10) unsigned zerofill", .bigint), ("bigint(20)", .bigint), ("datetime", .timestamp),
        ("datetime(6)", .timestamp), ("double", .double), ("varchar(255)", .varchar(length: 255)),
        ("longtext", .text), ("tinytext", .text), ("decimal(10,2)", .numeric(precision: 10, scale: 2)),
        ("blob", .bytes), ("varbinary(16)", .bytes), ("date", .date), ("bigint(20) unsigned", .numeric(precision: 20, scale: 0)),
        ("time", .duration), ("time(6)", .duration), ("year(4)", .smallint), ("enum('a','b')", .text), ("set('x')", .text), ("json", .json),
        ("bit(1)", .bytes), ("float", .real), ("char(4)", .varchar(length: 4)),
    ] as [(String, ColumnType)])
    func `maps MySQL's spellings`(declared: String, type: ColumnType) {
        #expect(MySQLDialect().columnType(declared: declared) == type)
    }
}

@Suite struct DatabaseURLTests {
    @Test func `sqlite forms`() throws {
        #expect(try DatabaseURL("sqlite:data/od.db") == .sqlite(path: "data/od.db"))
        #expect(try DatabaseURL("sqlite:///tmp/od.db") == .sqlite(path: "/tmp/od.db"))
        #expect(try DatabaseURL("sqlite::memory:") == .sqlite(path: ":memory:"))
    }

    @Test func `postgres URI parts are decoded`() throws {
        let url = try DatabaseURL("postgresql://etl:s%40cret@db.example:5433/analytics?sslmode=disable")
        #expect(url == .postgres(parameters: [
            .init("dbname", "analytics"), .init("user", "etl"), .init("password", "s@cret"),
            .init("host", "db.example"), .init("port", "5433"), .init("sslmode", "disable"),
        ]))
        #expect(!url.redacted.contains("s@cret"))
        #expect(try DatabaseURL("postgres://%2Ftmp%2Fpg/db") == .postgres(parameters: [
            .init("dbname", "db"), .init("host", "/tmp/pg"),
        ]))
    }

    @Test func `mysql and mariadb URLs`() throws {
        let url = try DatabaseURL("mysql://etl:s%40cret@replica.example:3307/opendental")
        #expect(url == .mysql(parameters: [
            .init("user", "etl"), .init("password", "s@cret"), .init("host", "replica.example"), .init("port", "3307"),
            .init("database", "opendental"),
        ]))
        #expect(url.engine == .mysql)
        #expect(url.redacted == "mysql://etl:***@replica.example:3307/opendental")
        #expect(try DatabaseURL("mariadb://root@/od?socket=%2Frun%2Fmysqld%2Fmysqld.sock") == .mysql(parameters: [
            .init("user", "root"), .init("database", "od"), .init("socket", "/run/mysqld/mysqld.sock"),
        ]))
        #expect(try DatabaseURL("mysql://[::1]:3306")
            == .mysql(parameters: [.init("host", "::1"), .init("port", "3306")]))
    }

    @Test func `key=value strings`() throws {
        #expect(try DatabaseURL("host=/tmp port=5433 dbname='my db' password='it\\'s'") == .postgres(parameters: [
            .init("host", "/tmp"), .init("port", "5433"), .init("dbname", "my db"), .init("password", "it's"),
        ]))
    }

    @Test(arguments: [
        ("postgresql://u:pw@host:abc/db", "port"),
        ("postgresql://u:pw@host:99999/db", "port"),
        ("mysqlx://u:pw@host/db", "scheme"),
        ("mysql://u:pw@host:0/db", "port"),
        ("mysql://u:pw@a,b/db", "host"),
        ("mysql://u:pw@host/db?sslmode=off", "query parameter 1"),
        ("mysql://u:pw@host/db?socket=relative.sock", "socket path"),
        ("mysql://u:pw@host/a/b", "database name"),
        ("mariadb://u:pw%zz@host/db", "password"),
        ("sqlite:", "path"),
        ("postgresql://host/db?bogus=1", "parameter 1"),
        ("postgresql://u%zz:pw@host/db", "user name"),
        ("host=/tmp dbname", "parameter 'dbname'"),
        ("host=/tmp password='pw-unclosed", "parameter 'password'"),
        ("", "URL"),
        ("just words", "URL"),
    ])
    func `bad URLs name the part that is wrong and never the password`(text: String, part: String) {
        #expect {
            try DatabaseURL(text)
        } throws: { error in
            guard let error = error as? DatabaseURLError else { return false }
            return error.part == part && !error.description.contains("pw")
        }
    }
}

@Suite struct CalendarTests {
    @Test(arguments: ["1970-01-01 00:00:00", "0001-01-01 00:00:00", "2024-02-29 23:59:59.999999", "2025-10-11 23:10:58.906547",
                      "1969-12-31 23:59:59.5"])
    func `microseconds since the epoch round-trip`(text: String) throws {
        let t = try #require(LocalTimestamp(text))
        #expect(LocalTimestamp(microsecondsSinceEpoch: t.microsecondsSinceEpoch) == t)
    }

    @Test func `adding seconds crosses days, months and leap years`() throws {
        let t = try #require(LocalTimestamp("2024-03-01 00:00:10"))
        #expect(t.adding(seconds: -20).description == "2024-02-29 23:59:50")
        #expect(t.adding(seconds: 86_400 * 365).description == "2025-03-01 00:00:10")
        #expect(LocalTimestamp.zeroDate.adding(seconds: -1) == .zeroDate)
        #expect(LocalDate("1970-01-02")!.daysSinceEpoch == 1)
    }
}
