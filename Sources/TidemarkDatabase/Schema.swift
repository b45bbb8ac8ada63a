/// The portable column types: what Tidemark creates in a target, whichever engine it is.
///
/// Every source column is mapped onto one of these (see ``ColumnType/init(declaredType:engine:)``); each
/// driver's ``SQLDialect/ddl(_:)`` spells them for its engine.
public enum ColumnType: Sendable, Hashable, CustomStringConvertible {
    case bigint
    case integer
    case smallint
    case boolean
    case numeric(precision: Int, scale: Int)
    case double
    case text
    case varchar(length: Int)
    case date
    case timestamp
    case bytes

    public var description: String {
        switch self {
        case .bigint: return "bigint"
        case .integer: return "integer"
        case .smallint: return "smallint"
        case .boolean: return "boolean"
        case .numeric(0, _): return "numeric"
        case .numeric(let p, let s): return "numeric(\(p),\(s))"
        case .double: return "double"
        case .text: return "text"
        case .varchar(let n): return "varchar(\(n))"
        case .date: return "date"
        case .timestamp: return "timestamp"
        case .bytes: return "bytes"
        }
    }

    /// Maps a declared type as an engine reports it (`character varying(255)`, `DECIMAL_TEXT(10,2)`,
    /// `timestamp without time zone`, `INT`, MySQL's `int(11) unsigned`, …) onto the portable set. Returns nil
    /// for types outside it.
    ///
    /// MySQL: `tinyint(1)` (what BOOLEAN creates) is a boolean; an unsigned integer takes the next wider type
    /// (`int unsigned` a bigint), except `bigint unsigned`, which no portable integer holds.
    public init?(declaredType: String, engine: Engine) {
        var lowered = declaredType.lowercased().trimming(" ")
        // `timestamp with time zone` is an instant, not a local timestamp: outside the portable set.
        if lowered.contains("with time zone"), !lowered.contains("without time zone") { return nil }
        var unsigned = false
        while let modifier = [" unsigned", " signed", " zerofill"].first(where: { lowered.hasSuffix($0) }) {
            unsigned = unsigned || modifier == " unsigned"
            lowered = lowered.dropLast(modifier.count).trimming(" ")
        }
        var base = lowered
        var arguments: [Int] = []
        if let open = lowered.firstIndex(of: "("), let close = lowered.lastIndex(of: ")"), open < close {
            base = lowered[..<open].trimming(" ")
            arguments = lowered[lowered.index(after: open)..<close].split(separator: ",").compactMap {
                Int($0.trimming(" "))
            }
        }
        switch String(base) {
        case "bigint", "int8", "bigserial": self = .bigint
        case "integer", "int", "int4", "serial", "mediumint": self = .integer
        case "tinyint" where engine == .mysql && arguments == [1]: self = .boolean
        case "smallint", "int2", "tinyint": self = .smallint
        case "boolean", "bool": self = .boolean
        case "numeric", "decimal", "decimal_text":
            // Precision 0 stands for an unconstrained numeric: any digits, any scale.
            self = .numeric(precision: arguments.first ?? 0, scale: arguments.count > 1 ? arguments[1] : 0)
        case "double precision", "double", "float8", "real", "float", "float4": self = .double
        case "text", "clob", "tinytext", "longtext", "mediumtext", "": self = .text
        case "character varying", "varchar", "char", "character", "bpchar", "nvarchar":
            self = arguments.first.map { .varchar(length: $0) } ?? .text
        case "date": self = .date
        case "timestamp", "timestamp without time zone", "datetime": self = .timestamp
        case "bytea", "blob", "tinyblob", "mediumblob", "longblob", "binary", "varbinary": self = .bytes
        default: return nil
        }
        if unsigned {
            switch (self, base) {
            case (.smallint, "smallint"): self = .integer  // to 65535
            case (.integer, "mediumint"): break  // to 16777215
            case (.integer, _): self = .bigint  // to 4294967295
            case (.bigint, _): return nil  // to 2^64 - 1
            default: break
            }
        }
    }
}

/// A column as introspection reports it.
public struct ColumnInfo: Sendable, Hashable {
    public let name: String
    /// The engine's own spelling of the type.
    public let declaredType: String
    /// The portable type, or nil when the declared type is outside the portable set.
    public let type: ColumnType?
    public let isNullable: Bool

    public init(name: String, declaredType: String, type: ColumnType?, isNullable: Bool) {
        self.name = name
        self.declaredType = declaredType
        self.type = type
        self.isNullable = isNullable
    }
}

/// A column to create.
public struct ColumnDefinition: Sendable, Hashable {
    public let name: String
    public let type: ColumnType
    public let isNullable: Bool

    public init(_ name: String, _ type: ColumnType, nullable: Bool = true) {
        self.name = name
        self.type = type
        self.isNullable = nullable
    }
}

/// A table to create: columns in order and the primary key columns in key order.
public struct TableSchema: Sendable, Hashable {
    public let name: TableName
    public let columns: [ColumnDefinition]
    public let primaryKey: [String]

    public init(name: TableName, columns: [ColumnDefinition], primaryKey: [String]) {
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
    }

    /// `CREATE TABLE IF NOT EXISTS …` in the dialect.
    public func createStatement(_ dialect: any SQLDialect) -> String {
        var parts = columns.map { column in
            quoteIdentifier(column.name) + " " + dialect.ddl(column.type) + (column.isNullable ? "" : " NOT NULL")
        }
        if !primaryKey.isEmpty { parts.append("PRIMARY KEY (" + quoteIdentifiers(primaryKey) + ")") }
        return "CREATE TABLE IF NOT EXISTS \(name.quoted) (" + parts.joined(separator: ", ") + ")"
    }
}
