import TidemarkDatabase

/// `odtypes`: Open Dental's own MySQL column types in one table — TINYINT(1) flags, TINYINT(4) enumerations,
/// unsigned and medium integers, a BIGINT UNSIGNED above 2⁶³, DECIMAL(10,2) fees, DOUBLE and FLOAT, latin1 and
/// utf8mb3 text, BLOB, DATE/DATETIME/DATETIME(6)/TIMESTAMP with the zero dates and the `0001-01-01` sentinel, TIME,
/// YEAR, ENUM, SET and BIT — with values at their edges. MySQL only: it is the source a MariaDB backend reads.
struct OpenDentalTypesGenerator: RowGenerator {
    /// Name, logical type (what Tidemark maps the declaration to), MySQL declaration.
    static let columns: [(String, ColumnType, String)] = [
        ("id", .bigint, "bigint(20) NOT NULL"),
        ("flag", .boolean, "tinyint(1)"),
        ("kind", .smallint, "tinyint(4)"),
        ("count", .integer, "mediumint(8) unsigned"),
        ("num", .bigint, "int(10) unsigned"),
        ("huge", .numeric(precision: 20, scale: 0), "bigint(20) unsigned"),
        ("fee", .numeric(precision: 10, scale: 2), "decimal(10,2)"),
        ("ratio", .double, "double"),
        ("weight", .real, "float"),
        ("name", .varchar(length: 255), "varchar(255)"),
        ("latin", .varchar(length: 20), "varchar(20) CHARACTER SET latin1"),
        ("note", .text, "text CHARACTER SET utf8mb3"),
        ("raw", .bytes, "blob"),
        ("born", .date, "date"),
        ("seen", .timestamp, "datetime"),
        ("precise", .timestamp, "datetime(6)"),
        ("stamp", .timestamp, "timestamp NULL"),
        ("at", .duration, "time"),
        ("yr", .smallint, "year"),
        ("color", .text, "enum('red','dark blue','(none)')"),
        ("tags", .text, "set('a','b','c')"),
    ]

    static var schema: TableSchema {
        TableSchema(name: TableName("odtypes"),
                    columns: columns.map { ColumnDefinition($0.0, $0.1, nullable: $0.0 != "id") },
                    primaryKey: ["id"])
    }

    static var declarations: [Engine: [String]] { [.mysql: columns.map(\.2)] }

    static let salt: UInt64 = 0x6F64_7479_7065_7321  // "odtypes!"

    var random: SeededRandom

    init(seed: UInt64) {
        random = SeededRandom(seed: seed, salt: Self.salt)
    }

    mutating func row(at position: Int) -> [Value] {
        let p = Int64(position)
        func pick(_ variants: [Value]) -> Value { random.pickOrNull(variants) }
        func decimal(_ text: String) -> Value { .decimal(ExactDecimal(text)!) }
        return [
            .integer(p),
            pick([0, 1]),
            pick([0, 1, 2, 127, -128]),
            pick([0, .integer(16_777_215), .integer(p)]),
            pick([0, .integer(4_294_967_295), .integer(p * 1000)]),
            pick([decimal("18446744073709551615"), decimal("9223372036854775808"), decimal("0"), .integer(p)]),
            pick([decimal("12.50"), decimal("-99999999.99"), decimal("0.10"), .integer(p)]),
            pick([.double(0.1), .double(1e300), .double(-5e-324), .double(.greatestFiniteMagnitude), .double(Double(p) / 3)]),
            pick([.double(1.5), .double(Double(Float(0.1))), .double(-3.25e10)]),
            pick([.text("Amoxicillin 500 mg"), .text(""), .text("a, b (c) \"d\""), .text("ünïcødé 😀")]),
            pick([.text("Peña"), .text("crème brûlée"), .text(""), .text(" lead")]),
            pick([.text("line\nbreak"), .text("tab\there \\ back"), .text("中文")]),
            pick([.bytes([0, 255]), .bytes([]), .bytes(Array("(x, y)".utf8))]),
            pick([.text("0000-00-00"), .date(LocalDate(year: 1, month: 1, day: 1)), .date(LocalDate(year: 2024, month: 2, day: 29))]),
            pick([.text("0000-00-00 00:00:00"), .timestamp(LocalTimestamp(year: 2024, month: 5, day: 1, hour: 10)),
                  .timestamp(.zeroDate)]),
            pick([.timestamp(LocalTimestamp(year: 2024, month: 5, day: 1, hour: 10, microsecond: Int(p % 1_000_000))),
                  .text("9999-12-31 23:59:59.999999")]),
            pick([.timestamp(LocalTimestamp(year: 2024, month: 5, day: 1, hour: 10, second: Int(p % 60))),
                  .timestamp(LocalTimestamp(year: 1970, month: 1, day: 2))]),
            // Times of day and the durations clockevent keeps (negative, over 24 hours).
            pick([.text("08:30:00"), .text("23:59:59"), .text("00:00:00"), .text("-12:30:00"), .text("100:00:00"),
                  .text("-00:00:00.25"), .text("838:59:59")]),
            pick([.integer(1901), .integer(2155), .integer(2024)]),
            pick([.text("red"), .text("dark blue"), .text("(none)")]),
            pick([.text(""), .text("a"), .text("a,c"), .text("a,b,c")]),
        ]
    }
}
