import Testing
import TidemarkConfig
import TidemarkDrivers
@testable import TidemarkFixtures
import TidemarkLoader
import TidemarkTestSupport

/// For every logical type × storage variant × source/target pair: random edge-biased values load and verify clean
/// (no false alarm), and changing any single value is found and repaired (no blind spot). Seeded, so a failure
/// replays; the seed is in the test's arguments.
@Suite struct TypePropertyTests {
    /// A logical type as a source declares it on each engine, and a generator of values in one storage variant.
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let sqlite: String?
        let postgres: String?
        let type: ColumnType
        let draw: @Sendable (inout SeededRandom) -> Value

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "bigint", sqlite: "INTEGER", postgres: "bigint", type: .bigint) { r in
            .integer(r.pick([0, 1, -1, .max, .min, 1 << 31, -(1 << 31) - 1, Int64(r.within(-1_000_000...1_000_000))]))
        },
        Case(name: "integer", sqlite: nil, postgres: "integer", type: .integer) { r in
            .integer(r.pick([0, Int64(Int32.max), Int64(Int32.min), Int64(r.within(-99_999...99_999))]))
        },
        Case(name: "numeric(12,2) as REAL/INTEGER/TEXT", sqlite: "DECIMAL(12,2)", postgres: "numeric(12,2)",
             type: .numeric(precision: 12, scale: 2)) { r in
            let cents = Int64(r.within(-99_999_999...99_999_999))
            let text = Self.decimalText(cents, scale: 2)
            return r.pick([.double(Double(text)!), .integer(cents / 100), .text(text), .decimal(ExactDecimal(text)!)])
        },
        Case(name: "numeric", sqlite: "NUMERIC", postgres: "numeric", type: .numeric(precision: 0, scale: 0)) { r in
            r.pick([.integer(Int64(r.within(-1000...1000))), .double(Double(r.within(-10000...10000)) / 8),
                    .decimal(ExactDecimal("123456789012345678901234567890.123456789")!)])
        },
        Case(name: "double", sqlite: "DOUBLE", postgres: "double precision", type: .double) { r in
            .double(r.pick([0.1, -0.0, 1e300, -1e-300, .infinity, -.infinity, .nan, Double(r.within(-1000...1000)) / 7]))
        },
        Case(name: "real", sqlite: nil, postgres: "real", type: .real) { r in
            .double(Double(Float(r.within(-1000...1000)) / 3))
        },
        Case(name: "boolean as 0/1/text", sqlite: "BOOLEAN", postgres: "boolean", type: .boolean) { r in
            r.pick([.boolean(true), .boolean(false), .text("true"), .text("f"), .text("1")])
        },
        Case(name: "date", sqlite: "DATE", postgres: "date", type: .date) { r in
            .date(LocalDate(year: r.within(1...9999), month: r.within(1...12), day: r.within(1...28)))
        },
        Case(name: "time", sqlite: "TIME", postgres: "time", type: .time) { r in
            .text(r.pick(["24:00:00", "00:00", String(format2(r.within(0...23))) + ":" + format2(r.within(0...59))
                + ":" + format2(r.within(0...59)) + r.pick(["", ".5", ".000001", ".123456"])]))
        },
        Case(name: "timestamp in ISO spellings", sqlite: "DATETIME", postgres: "timestamp", type: .timestamp) { r in
            let t = LocalTimestamp(year: r.within(1900...2100), month: r.within(1...12), day: r.within(1...28),
                                   hour: r.within(0...23), minute: r.within(0...59), second: r.within(0...59),
                                   microsecond: r.pick([0, 500_000, r.within(0...999_999)]))
            let text = t.description
            return r.pick([.timestamp(t), .text(text.replacing(" ", with: "T")), .text(text + "Z")])
        },
        Case(name: "timestamptz with offsets", sqlite: "TIMESTAMPTZ", postgres: "timestamptz",
             type: .timestampWithTimeZone) { r in
            let t = LocalTimestamp(year: r.within(1970...2100), month: r.within(1...12), day: r.within(1...28),
                                   hour: r.within(0...23), minute: r.within(0...59), second: r.within(0...59))
            return .text(t.description + r.pick(["+00", "+02:00", "-05:30", "Z"]))
        },
        Case(name: "uuid in any case", sqlite: "UUID", postgres: "uuid", type: .uuid) { r in
            let hex = (0..<32).map { _ in "0123456789abcdef".randomElement(using: &r)! }
            let text = String(hex[0..<8]) + "-" + String(hex[8..<12]) + "-" + String(hex[12..<16]) + "-"
                + String(hex[16..<20]) + "-" + String(hex[20..<32])
            return .text(r.chance(500) ? text.uppercased() : text)
        },
        Case(name: "text", sqlite: "TEXT", postgres: "text", type: .text) { r in
            .text(r.pick(["", " ", "a,b", "(x)", "\"q\"", "back\\slash", "tab\there", "line\nbreak", "NULL", "ünï 😀",
                          String(repeating: "z", count: r.within(1...300))]))
        },
        Case(name: "varchar(12)", sqlite: "VARCHAR(12)", postgres: "varchar(12)", type: .varchar(length: 12)) { r in
            .text(String(repeating: r.pick(["a", "é", "😀"]), count: r.within(0...12)))
        },
        Case(name: "bytes", sqlite: "BLOB", postgres: "bytea", type: .bytes) { r in
            .bytes((0..<r.within(0...40)).map { _ in UInt8(r.within(0...255)) })
        },
        Case(name: "json", sqlite: "JSON", postgres: "jsonb", type: .json) { r in
            .text(r.pick(["{}", "[]", "null", "{\"a\": [1, 2, {\"b\": \"x, y\"}]}", "\"s\"", String(r.within(0...99))]))
        },
    ]

    /// MySQL/MariaDB columns as Open Dental declares them, in the storage MySQL accepts (no NaN, no text in
    /// numbers): unsigned and medium integers, TINYINT(1) flags, character sets other than utf8mb4, zero dates,
    /// YEAR, ENUM, SET and BIT.
    static let mysqlCases: [Case] = [
        Case(name: "tinyint(1) flags", sqlite: nil, postgres: "tinyint(1)", type: .boolean) { r in
            .integer(r.pick([0, 1]))
        },
        Case(name: "int unsigned", sqlite: nil, postgres: "int unsigned", type: .bigint) { r in
            .integer(r.pick([0, 4_294_967_295, Int64(r.within(0...99_999))]))
        },
        Case(name: "bigint unsigned", sqlite: nil, postgres: "bigint unsigned", type: .numeric(precision: 20, scale: 0)) { r in
            .decimal(ExactDecimal(r.pick(["0", "18446744073709551615", "9223372036854775808", String(r.within(0...99_999))]))!)
        },
        Case(name: "mediumint", sqlite: nil, postgres: "mediumint", type: .integer) { r in
            .integer(r.pick([-8_388_608, 8_388_607, Int64(r.within(-999...999))]))
        },
        Case(name: "decimal(10,2)", sqlite: nil, postgres: "decimal(10,2)", type: .numeric(precision: 10, scale: 2)) { r in
            .decimal(ExactDecimal(Self.decimalText(Int64(r.within(-99_999_999...99_999_999)), scale: 2))!)
        },
        Case(name: "double", sqlite: nil, postgres: "double", type: .double) { r in
            .double(r.pick([0.1, -0.0, 1e300, -1e-300, 5e-324, .greatestFiniteMagnitude, Double(r.within(-1000...1000)) / 7]))
        },
        Case(name: "float", sqlite: nil, postgres: "float", type: .real) { r in
            .double(Double(Float(r.within(-1000...1000)) / 3))
        },
        Case(name: "varchar(12) latin1", sqlite: nil, postgres: "varchar(12) CHARACTER SET latin1", type: .varchar(length: 12)) { r in
            .text(String(repeating: r.pick(["a", "é", "ñ", " ", ","]), count: r.within(0...12)))
        },
        Case(name: "text utf8mb3", sqlite: nil, postgres: "text CHARACTER SET utf8mb3", type: .text) { r in
            .text(r.pick(["", "a,b", "(x)", "\"q\"", "back\\slash", "tab\there", "ünï 中文", "NULL"]))
        },
        Case(name: "longtext", sqlite: nil, postgres: "longtext", type: .text) { r in
            .text(r.pick(["😀", "line\nbreak", String(repeating: "z", count: r.within(1...300))]))
        },
        Case(name: "char(4)", sqlite: nil, postgres: "char(4)", type: .varchar(length: 4)) { r in
            .text(r.pick(["", "ab", "abcd", " x"]))
        },
        Case(name: "blob", sqlite: nil, postgres: "blob", type: .bytes) { r in
            .bytes((0..<r.within(0...40)).map { _ in UInt8(r.within(0...255)) })
        },
        Case(name: "date with zero dates", sqlite: nil, postgres: "date", type: .date) { r in
            r.chance(100) ? .text("0000-00-00") : .date(LocalDate(year: r.within(1000...9999), month: r.within(1...12), day: r.within(1...28)))
        },
        Case(name: "datetime(6)", sqlite: nil, postgres: "datetime(6)", type: .timestamp) { r in
            r.chance(100) ? .text("0000-00-00 00:00:00") : .timestamp(LocalTimestamp(
                year: r.within(1000...9999), month: r.within(1...12), day: r.within(1...28), hour: r.within(0...23),
                minute: r.within(0...59), second: r.within(0...59), microsecond: r.pick([0, 500_000, r.within(0...999_999)])))
        },
        Case(name: "timestamp", sqlite: nil, postgres: "timestamp NULL", type: .timestamp) { r in
            .timestamp(LocalTimestamp(year: r.within(1971...2037), month: r.within(1...12), day: r.within(1...28),
                                      hour: r.within(0...23), minute: r.within(0...59), second: r.within(0...59)))
        },
        Case(name: "time(6) as a duration", sqlite: nil, postgres: "time(6)", type: .duration) { r in
            .text(r.pick(["", "-"]) + String(r.pick([0, 9, 23, 24, 100, 838, r.within(0...838)])) + ":"
                + format2(r.within(0...59)) + ":" + format2(r.within(0...59)) + r.pick(["", ".5", ".000001", ".123456"]))
        },
        Case(name: "year", sqlite: nil, postgres: "year", type: .smallint) { r in .integer(Int64(r.within(1901...2155))) },
        Case(name: "enum", sqlite: nil, postgres: "enum('a','b c','(d)')", type: .text) { r in .text(r.pick(["a", "b c", "(d)"])) },
        Case(name: "set", sqlite: nil, postgres: "set('x','y','z')", type: .text) { r in .text(r.pick(["", "x", "x,y", "y,z"])) },
    ]

    static func decimalText(_ units: Int64, scale: Int) -> String {
        let sign = units < 0 ? "-" : ""
        let digits = String(units.magnitude)
        let padded = String(repeating: "0", count: max(0, scale + 1 - digits.count)) + digits
        return sign + padded.dropLast(scale) + "." + padded.suffix(scale)
    }

    /// The declaration on the source engine; a MySQL case keeps its declaration where a PostgreSQL one is.
    static func declaration(_ c: Case, on engine: Engine) -> String? {
        engine == .sqlite ? c.sqlite : c.postgres
    }

    /// The value as its column means it, in checksum spelling: what "changed" means.
    static func meaning(_ value: Value, _ type: ColumnType) -> [UInt8] {
        var out: [UInt8] = []
        if case .success(let converted) = type.convert(value) { CanonicalText.appendField(converted, as: type, to: &out) }
        return out
    }

    @Test(arguments: LoadPath.all.filter { $0.source != .mysql }, cases)
    func `random values verify clean and any single change is found`(path: LoadPath, c: Case) throws {
        try check(path: path, c)
    }

    @Test(arguments: LoadPath.all.filter { $0.source == .mysql }, mysqlCases)
    func `random values of MySQL's own types verify clean and any single change is found`(path: LoadPath, c: Case) throws {
        try check(path: path, c)
    }

    private func check(path: LoadPath, _ c: Case) throws {
        guard let declared = Self.declaration(c, on: path.source) else { return }  // the engine has no such declaration
        try LoadBench.with(path) { bench in
            var random = SeededRandom(seed: 11, salt: UInt64(bitPattern: TextHash.hash(c.name)))
            let table = bench.table("prop", on: bench.source)
            try bench.source.execute("CREATE TABLE \(table.quoted) (id BIGINT PRIMARY KEY, v \(declared))")
            var values: [Value] = []
            for _ in 0..<60 { values.append(random.chance(80) ? .null : c.draw(&random)) }
            _ = try bench.source.bulkInsert(into: table, columns: ["id", "v"],
                                            rows: values.enumerated().map { [.integer(Int64($0.offset + 1)), $0.element] })
            var config = TableConfig(name: "prop")
            config.primaryKey = ["id"]
            let first = bench.load(config, strategy: .chunked, policy: .reconcile, batchSize: 16)
            #expect(first.error == nil && first.rows_rejected == 0, "\(first.error ?? "")")
            let quiet = bench.load(config, strategy: .chunked, policy: .reconcile, batchSize: 16)
            #expect(quiet.fallback == .none && quiet.verified, "false alarm: \(quiet.fallback_reason ?? quiet.error ?? "")")

            // Three single-value edits, none bumping a cursor: each must be found and repaired.
            for _ in 0..<3 {
                let row = random.within(1...values.count)
                var replacement = c.draw(&random)
                var attempts = 0
                while Self.meaning(replacement, c.type) == Self.meaning(values[row - 1], c.type), attempts < 20 {
                    replacement = c.draw(&random)
                    attempts += 1
                }
                guard attempts < 20 else { continue }
                try bench.source.execute("UPDATE \(table.quoted) SET v = \(bench.source.engine.placeholder(1)) "
                    + "WHERE id = \(bench.source.engine.placeholder(2))", [replacement, .integer(Int64(row))])
                values[row - 1] = replacement
                let found = bench.load(config, strategy: .chunked, policy: .reconcile, batchSize: 16)
                #expect(found.error == nil, "\(found.error ?? "")")
                #expect(found.fallback != .none, "row \(row) changed to \(replacement) went unseen")
                let after = bench.load(config, strategy: .chunked, policy: .reconcile, batchSize: 16)
                #expect(after.fallback == .none && after.verified, "row \(row) still differs after repair")
            }
        }
    }
}

private func format2(_ n: Int) -> String { n < 10 ? "0" + String(n) : String(n) }
