/// The logical column types: what every driver maps its engine's declarations onto, what Tidemark creates in a
/// target (each dialect's ``SQLDialect/ddl(_:)`` spells them), and what decides how a value is converted on the
/// way in (``ColumnType/convert(_:)``) and how it is spelled in a row checksum.
///
/// Every declaration maps to some type: one outside the portable set is carried as its engine's text output
/// (``foreign(name:engine:)``), so no column ever blocks a table.
public enum ColumnType: Sendable, Hashable, CustomStringConvertible {
    case bigint
    case integer
    case smallint
    case boolean
    /// Precision 0 stands for an unconstrained numeric: any digits, any scale.
    case numeric(precision: Int, scale: Int)
    /// A 4-byte float (PostgreSQL `real`, MySQL `FLOAT`): its values are exactly the doubles a float holds.
    case real
    case double
    case text
    case varchar(length: Int)
    /// Blank-padded `char(n)`: its values are always `n` characters long.
    case character(length: Int)
    case date
    /// A time of day without zone, to the microsecond.
    case time
    /// A signed span of hours, minutes and seconds to the microsecond: MySQL's TIME, which holds durations
    /// (`-12:30:00`, `100:00:00`) as well as times of day. PostgreSQL's `interval hour to second`.
    case duration
    /// A timestamp without time zone, to the microsecond.
    case timestamp
    /// An instant, to the microsecond; values are carried as UTC timestamps.
    case timestampWithTimeZone
    case bytes
    case uuid
    /// JSON kept as written.
    case json
    /// JSON as PostgreSQL's `jsonb` normalizes it (its text output is canonical).
    case jsonb
    /// A type outside the portable set (an interval, inet, an array, money, …), carried as its engine's text
    /// output. A target of the same engine declares it by name; any other target holds the text.
    case foreign(name: String, engine: Engine)

    public var description: String {
        switch self {
        case .bigint: return "bigint"
        case .integer: return "integer"
        case .smallint: return "smallint"
        case .boolean: return "boolean"
        case .numeric(0, _): return "numeric"
        case .numeric(let p, let s): return "numeric(\(p),\(s))"
        case .real: return "real"
        case .double: return "double"
        case .text: return "text"
        case .varchar(let n): return "varchar(\(n))"
        case .character(let n): return "char(\(n))"
        case .date: return "date"
        case .time: return "time"
        case .duration: return "duration"
        case .timestamp: return "timestamp"
        case .timestampWithTimeZone: return "timestamptz"
        case .bytes: return "bytes"
        case .uuid: return "uuid"
        case .json: return "json"
        case .jsonb: return "jsonb"
        case .foreign(let name, let engine): return "\(name) (\(engine.rawValue), as text)"
        }
    }

    /// Whether values of the type are whole numbers (a key of this type splits by arithmetic).
    public var isInteger: Bool {
        switch self {
        case .bigint, .integer, .smallint: return true
        default: return false
        }
    }

    /// Whether values of the type are points in time a cursor can follow.
    public var isTimestamp: Bool { self == .timestamp || self == .timestampWithTimeZone }

    /// The narrowest type of this one's kind that holds every value of both this type and `other` (a source
    /// column that was widened): nil when this type already holds them all, or when the two are not of one kind.
    /// Never narrower in any respect: a numeric keeps the larger integer part and the larger scale.
    public func widened(toHold other: ColumnType) -> ColumnType? {
        switch (self, other) {
        case (.smallint, .integer), (.smallint, .bigint), (.integer, .bigint): return other
        case (.real, .double): return .double
        case (.varchar(let n), .varchar(let m)) where m > n: return other
        case (.character(let n), .character(let m)) where m > n: return other
        case (.varchar, .text): return .text
        case (.numeric(let p, let s), .numeric(let q, let t)) where p > 0:
            guard q > 0 else { return .numeric(precision: 0, scale: 0) }
            let digits = max(p - s, q - t), scale = max(s, t)
            return digits + scale > p || scale > s ? .numeric(precision: digits + scale, scale: scale) : nil
        default: return nil
        }
    }

    /// The type of a standard SQL declaration every engine reads the same way (`integer`, `varchar(20)`,
    /// `numeric(10,2)`, `timestamp with time zone`, …), or nil when the meaning depends on the engine. Drivers
    /// try their own spellings first and fall back to this.
    public init?(standard declared: DeclaredType) {
        let a = declared.arguments
        switch declared.base {
        case "bigint", "int8", "bigserial": self = .bigint
        case "integer", "int", "int4", "serial", "mediumint": self = .integer
        case "smallint", "int2", "smallserial": self = .smallint
        case "boolean", "bool": self = .boolean
        case "numeric", "decimal", "decimal_text": self = .numeric(precision: a.first ?? 0, scale: a.count > 1 ? a[1] : 0)
        case "real", "float4": self = .real
        case "double precision", "double", "float8": self = .double
        case "text", "clob", "tinytext", "mediumtext", "longtext": self = .text
        case "character varying", "varchar", "nvarchar", "varchar2":
            self = a.first.map { .varchar(length: $0) } ?? .text
        case "character", "char", "bpchar", "nchar": self = .character(length: a.first ?? 1)
        case "date": self = .date
        case "time", "time without time zone": self = .time
        case "timestamp", "timestamp without time zone", "datetime": self = .timestamp
        case "timestamptz", "timestamp with time zone": self = .timestampWithTimeZone
        case "bytea", "blob", "tinyblob", "mediumblob", "longblob", "binary", "varbinary": self = .bytes
        case "uuid": self = .uuid
        case "json": self = .json
        case "jsonb": self = .jsonb
        default: return nil
        }
    }
}

/// A declared type taken apart: `numeric(10, 2)` is base `numeric` with arguments `[10, 2]`;
/// `timestamp(3) without time zone` is base `timestamp without time zone` with `[3]`; `int(10) unsigned
/// zerofill` is base `int`, `[10]`, unsigned; `integer[]` is an array.
public struct DeclaredType: Sendable, Hashable {
    /// Lowercased, single-spaced, without arguments, modifiers or array brackets.
    public let base: String
    /// The whole-number arguments in parentheses (others, like an ENUM's labels, are left out).
    public let arguments: [Int]
    public let isUnsigned: Bool
    public let isArray: Bool

    public init(_ declared: String) {
        var text = declared.lowercased()
        var arguments: [Int] = []
        if let open = text.firstIndex(of: "("), let close = text[open...].firstIndex(of: ")") {
            arguments = text[text.index(after: open)..<close].split(separator: ",").compactMap {
                Int($0.trimming(" "))
            }
            text = String(text[..<open]) + " " + String(text[text.index(after: close)...])
        }
        isArray = text.contains("[]")
        text = text.replacing("[]", with: " ")
        var words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        var unsigned = false
        while let last = words.last, ["unsigned", "signed", "zerofill"].contains(last), words.count > 1 {
            unsigned = unsigned || last == "unsigned"
            words.removeLast()
        }
        self.base = words.joined(separator: " ")
        self.arguments = arguments
        self.isUnsigned = unsigned
    }
}
