import TidemarkDatabase

/// `typezoo`: one column per logical type, declared as other tools declare them on each engine (SQLite's
/// `DECIMAL(10,2)`, `DATETIME`, `BOOLEAN`, an untyped column; PostgreSQL's `timestamptz`, `jsonb`, `interval`,
/// `character(n)`), with rows that store each value in a different variant — a REAL `12.5` in the decimal, `'true'`
/// in the boolean, `…T10:00:00Z` in the timestamp, an upper-case UUID — and edge values (±2⁶³ − 1, NaN, −0.0,
/// 24:00:00, empty text and bytes). Rows are generated from the seed, `id` 1…`rows`.
struct TypeZooGenerator: RowGenerator {
    /// Name, logical type, SQLite declaration, PostgreSQL declaration.
    static let columns: [(String, ColumnType, String, String)] = [
        ("id", .bigint, "INTEGER", "bigint"),
        ("big", .bigint, "INT", "bigint"),
        ("price", .numeric(precision: 12, scale: 2), "DECIMAL(12,2)", "numeric(12,2)"),
        ("amount", .numeric(precision: 0, scale: 0), "NUMERIC", "numeric"),
        ("ratio", .double, "DOUBLE", "double precision"),
        ("flag", .boolean, "BOOLEAN", "boolean"),
        ("born", .date, "DATE", "date"),
        ("seen", .timestamp, "DATETIME", "timestamp(6) without time zone"),
        ("at", .time, "TIME", "time"),
        ("tz", .timestampWithTimeZone, "TIMESTAMPTZ", "timestamptz"),
        ("uid", .uuid, "UUID", "uuid"),
        ("doc", .json, "JSON", "jsonb"),
        ("code", .varchar(length: 8), "CHAR(8)", "character(8)"),
        ("note", .text, "", "text"),
        ("blob", .bytes, "BLOB", "bytea"),
        ("span", .text, "TEXT", "interval"),
    ]

    static var schema: TableSchema {
        TableSchema(name: TableName("typezoo"),
                    columns: columns.map { ColumnDefinition($0.0, $0.1, nullable: $0.0 != "id") },
                    primaryKey: ["id"])
    }

    /// The declarations per engine, for ``FixtureTable/declaredTypes``.
    static var declarations: [Engine: [String]] {
        [.sqlite: columns.map(\.2), .postgres: columns.map(\.3)]
    }

    static let salt: UInt64 = 0x7479_7065_7A6F_6F21  // "typezoo!"

    var random: SeededRandom

    init(seed: UInt64) {
        random = SeededRandom(seed: seed, salt: Self.salt)
    }

    mutating func row(at position: Int) -> [Value] {
        let p = Int64(position)
        // Each column draws a variant; about one value in ten is NULL.
        func pick(_ variants: [Value]) -> Value { random.pickOrNull(variants) }
        return [
            .integer(p),
            pick([.integer(3_000_000_000 + p), .integer(-3_000_000_000 - p), 0, .integer(.max - p), .integer(.min + p)]),
            pick([.double(12.5), .integer(p), .text("7.25"), .decimal(ExactDecimal("9999999999.99")!), .double(-0.5),
                  .decimal(ExactDecimal("0.10")!)]),
            pick([.double(1.5), .decimal(ExactDecimal("123456789012345678901234567890.123456789")!), .integer(-p),
                  .decimal(ExactDecimal("1.50")!), .text("2.5e3")]),
            pick([.double(0.1), .double(-0.0), .double(1e300), .double(.infinity), .double(-.infinity), .double(.nan),
                  .double(Double(p) / 3)]),
            pick([.boolean(true), .boolean(false), .text("true"), .text("f"), .text("1")]),
            pick([.date(LocalDate(year: 2024, month: 2, day: 29)), .text("2024-05-01"), .date(LocalDate(year: 1, month: 1, day: 1))]),
            pick([.timestamp(LocalTimestamp(year: 2024, month: 5, day: 1, hour: 10, microsecond: Int(p % 1_000_000))),
                  .text("2024-05-01T10:00:00.25Z"), .text("2024-05-01"), .text("2024-12-31 23:59:59.000000"),
                  .text("2024-05-01 10:00")]),
            pick([.text("08:30"), .text("23:59:59.5"), .text("24:00:00"), .text("00:00:00"), .text("12:34:56.000001")]),
            pick([.text("2024-05-01 12:00:00+02"), .text("2024-05-01T10:00:00Z"), .text("1999-12-31 23:59:59.5-05:30")]),
            pick([.text("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"), .text("a0eebc999c0b4ef8bb6d6bb9bd380a12"),
                  .text("{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13}")]),
            pick([.text("{\"b\": 1, \"a\": [1, 2]}"), .text("null"), .text("[]"), .text("\"text, with (parens)\""),
                  .text("{\"k\": \"ünïcødé\"}")]),
            pick([.text("ab"), .text("abcdefgh"), .text(""), .text("a,b (c)")]),
            pick([.integer(42), .double(2.5), .text("hello, \"world\""), .text(""), .text("tab\there"),
                  .text("line\nbreak \\ back")]),
            pick([.bytes([0, 255]), .bytes([]), .bytes(Array("{\"x\"}".utf8))]),
            pick([.text("1 day 02:03:04"), .text("-3 mons"), .text("00:00:00")]),
        ]
    }
}

extension SeededRandom {
    /// NULL one time in ten, otherwise one of `variants`: a nullable column of a generated type table.
    mutating func pickOrNull(_ variants: [Value]) -> Value {
        chance(100) ? .null : pick(variants)
    }
}
