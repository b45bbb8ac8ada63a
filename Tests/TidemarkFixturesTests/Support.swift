import Testing
import TidemarkDrivers
import TidemarkFixtures

/// Helpers shared by the fixture suites.
enum FixtureCheck {
    /// The fixtures by name, so parameterized tests read well in the test list.
    static let installable = ["medication", "allergydef", "procedurelog", "securitylog"]

    static func fixture(_ name: String) -> FixtureTable {
        switch name {
        case "medication": return Fixtures.medication()
        case "allergydef": return Fixtures.allergydef()
        case "procedurelog": return Fixtures.procedurelog(rows: 10_000, seed: 42)
        case "securitylog": return Fixtures.securitylog(rows: 10_000, seed: 42)
        default: fatalError("no fixture \(name)")
        }
    }

    /// Every row of the table as stored, ordered by its primary key.
    static func readBack(_ db: any Connection, _ table: TableName, orderBy key: [String]) throws -> [[Value]] {
        try db.query("SELECT * FROM \(table.quoted) ORDER BY \(quoteIdentifiers(key))").map(\.values)
    }

    /// The value of `column` in each row.
    static func column(_ name: String, of table: FixtureTable) -> [Value] {
        let index = table.schema.columns.firstIndex { $0.name == name }!
        return table.rows().map { $0[index] }
    }

    /// Rows keyed by their (integer) primary key.
    static func byID(_ table: FixtureTable) -> [Int64: [Value]] {
        Dictionary(uniqueKeysWithValues: table.rows().map { ($0[0].int64!, $0) })
    }

    /// A problem with one value against its column's declared type, or nil when it fits.
    static func mismatch(_ value: Value, _ column: ColumnDefinition) -> String? {
        if value.isNull { return column.isNullable ? nil : "NULL in NOT NULL column \(column.name)" }
        switch (column.type, value) {
        case (.bigint, .integer): return nil
        case (.integer, .integer(let v)): return Int32(exactly: v) == nil ? "\(v) overflows integer" : nil
        case (.smallint, .integer(let v)): return Int16(exactly: v) == nil ? "\(v) overflows smallint" : nil
        case (.boolean, .boolean): return nil
        case (.numeric(let p, let s), .decimal(let d)):
            if d.scale != s { return "\(d) has scale \(d.scale), column \(column.name) has \(s)" }
            return d.digits.count > max(p, s + 1) ? "\(d) has too many digits for numeric(\(p),\(s))" : nil
        case (.text, .text): return nil
        case (.varchar(let n), .text(let s)):
            return s.unicodeScalars.count > n ? "'\(s)' is longer than varchar(\(n))" : nil
        case (.date, .date), (.timestamp, .timestamp): return nil
        default: return "\(value.kindName) value \(value) in \(column.type) column \(column.name)"
        }
    }

    static func timestamp(_ value: Value) -> LocalTimestamp? {
        if case .timestamp(let t) = value { return t }
        return nil
    }
}

extension Engine {
    /// Test SQL is written with `?1`; PostgreSQL wants `$1`.
    func sql(_ text: String) -> String {
        self == .postgres ? text.replacing("?", with: "$") : text
    }
}
