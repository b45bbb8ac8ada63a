import TidemarkDatabase
#if canImport(Glibc)
import Glibc
#endif

/// SQLite's spellings. SQLite has no schemas, no exact decimal type (decimals are kept as their digits in a
/// text-affinity `DECIMAL_TEXT(p,s)` column) and no row-to-text cast: the canonical row is built by the
/// registered function `tidemark_row_text` (``SQLiteFunctions``), told each column's ``RowTextKind``.
public struct SQLiteDialect: SQLDialect {
    /// The database file, for lock files beside it; nil when unknown.
    let databasePath: String?

    public init(databasePath: String? = nil) {
        self.databasePath = databasePath
    }

    public var engine: Engine { .sqlite }
    public var hasSchemas: Bool { false }

    /// SQLite types values, not columns, and other tools declare whatever they like: an integer of any
    /// declared width holds 64 bits, every REAL is 8 bytes, `char(n)` is not padded, and an undeclared or
    /// unknown type (numeric affinity) can hold anything, so it is read as text. The declaration says what a
    /// value means; ``ColumnType/convert(_:)`` turns each storage variant into it.
    public func columnType(declared: String) -> ColumnType {
        let d = DeclaredType(declared)
        switch d.base {
        case "": return .text
        case "integer", "int", "bigint", "int8", "unsigned big int", "big int", "int4": return .bigint
        case "tinyint": return .smallint
        case "real", "double", "double precision", "float", "float4", "float8": return .double
        case "character", "char", "nchar", "bpchar", "native character", "varying character":
            return d.arguments.first.map { .varchar(length: $0) } ?? .text
        case "jsonb": return .json
        case "duration": return .duration
        default: break
        }
        if let type = ColumnType(standard: d) { return type }
        // SQLite's affinity rules, in its order.
        if d.base.contains("int") { return .bigint }
        if ["char", "clob", "text"].contains(where: d.base.contains) { return .text }
        if d.base.contains("blob") { return .bytes }
        if ["real", "floa", "doub"].contains(where: d.base.contains) { return .double }
        return .text
    }

    public func ddl(_ type: ColumnType) -> String {
        switch type {
        case .numeric(0, _): return "DECIMAL_TEXT"
        case .numeric(let p, let s): return "DECIMAL_TEXT(\(p),\(s))"
        case .real, .double: return "DOUBLE"
        // Text affinity, so a padded value keeps its blanks; read back as varchar(n).
        case .character(let n): return "CHARACTER(\(n))"
        case .time: return "TIME"
        // Numeric affinity keeps the text: a span always holds colons.
        case .duration: return "DURATION"
        case .timestamp: return "TIMESTAMP"
        case .timestampWithTimeZone: return "TIMESTAMPTZ"
        case .bytes: return "BLOB"
        case .uuid: return "UUID"
        case .json, .jsonb: return "JSON"
        case .foreign: return "TEXT"
        default: return standardDDL(type)!
        }
    }

    public func createSchema(_ schema: String) -> String? { nil }

    /// A declared type is only an affinity to SQLite: a longer text or a wider number fits as it is.
    public func widenColumn(_ column: String, of table: TableName, to type: ColumnType) -> String? { nil }

    public func temporaryTable(_ name: String) -> TableName { TableName(name, schema: "temp") }

    /// SQLite keeps a name of any length.
    public var maxIdentifierBytes: Int? { nil }

    /// SQLite compares identifiers, quoted or not, without regard to ASCII case: `Patient` and `patient` are one
    /// table.
    public func identifierKey(_ name: String) -> String { foldingASCIICase(name) }

    /// SQLite names the schema on the index, and the table bare.
    public func createIndex(_ name: String, on table: TableName, columns: [String]) -> String {
        "CREATE INDEX IF NOT EXISTS \(TableName(name, schema: table.schema).quoted) ON \(quoteIdentifier(table.name)) "
            + "(\(quoteIdentifiers(columns)))"
    }

    public func upsert(into table: TableName, columns: [ColumnDefinition], key: [String], rows: String) -> String {
        // The change predicate names the existing row by the table's own name; SQLite spells "is distinct
        // from" `IS NOT`, and compares stored values as they are (decimals are text, so `1.50` differs from `1.5`).
        upsertStatement(into: table, columns: columns, key: key, rows: rows, tableClause: table.quoted,
                        existingRow: quoteIdentifier(table.name)) { _, existing, incoming in "\(existing) IS NOT \(incoming)" }
    }

    public func makeUpserter(on connection: any Connection, table: TableName, columns: [ColumnDefinition],
                             key: [String]) -> any RowUpserter {
        ValuesUpserter(connection: connection, table: table, columns: columns, key: key)
    }

    public func canonicalRow(_ columns: [ColumnInfo]) -> String {
        "tidemark_row_text(\(rowFunctionArguments(columns)))"
    }

    public func rowHash(_ columns: [ColumnInfo], using function: RowHashFunction) -> String {
        switch function {
        case .lookup3: return "tidemark_row_hash(\(rowFunctionArguments(columns)))"
        case .md5: return "tidemark_row_md5(\(rowFunctionArguments(columns)))"
        }
    }

    public var groupsRangesInOneScan: Bool { false }

    /// A rowid table's own row number (a table without a key always has one: WITHOUT ROWID needs a key).
    public var rowLocator: RowLocator? {
        RowLocator(select: "CAST(rowid AS TEXT)") { "rowid = CAST(\($0) AS INTEGER)" }
    }

    /// The row functions hash with ``RowHashFunction/hash(_:)`` itself.
    public func rowHashFunctions(on connection: any Connection) throws -> [RowHashFunction] { RowHashFunction.allCases }

    /// Timestamps are text in SQLite, spelled by whatever wrote them (`…00.25`, `…00.250000`, a bare date, a
    /// `T`): they compare as instants through `tidemark_timestamp_micros` (microseconds since 1970; text that is
    /// no timestamp stays text, after every instant). Text compares byte by byte already (BINARY).
    public func comparable(_ column: String, type: ColumnType?) -> String {
        type?.isTimestamp == true ? "tidemark_timestamp_micros(\(quoteIdentifier(column)))" : quoteIdentifier(column)
    }

    public func comparableParameter(_ placeholder: String, type: ColumnType?) -> String {
        type?.isTimestamp == true ? "tidemark_timestamp_micros(\(placeholder))" : placeholder
    }

    /// Every spelling of an instant at or after `value` starts with a date at or after its date (`YYYY-MM-DD`
    /// sorts as text in time order, whatever follows it): `"ts" >= 'YYYY-MM-DD'` lets an index on the column
    /// start at that day, and the exact comparison sorts out the rest.
    public func indexableLowerBound(_ value: Value, type: ColumnType?) -> Value? {
        guard type?.isTimestamp == true, case .timestamp(let timestamp) = value else { return nil }
        return .text(timestamp.date.description)
    }

    /// `'<kinds>', c1, c2, …` for the row functions: one ``RowTextKind`` letter per column, a decimal's
    /// letter followed by its column's scale.
    private func rowFunctionArguments(_ columns: [ColumnInfo]) -> String {
        let kinds = columns.map { column in
            let kind = String(Character(UnicodeScalar(RowTextKind(column.type).rawValue)))
            if case .numeric(let precision, let scale) = column.type, precision > 0 { return kind + String(scale) }
            return kind
        }
        return "'" + kinds.joined() + "', " + quoteIdentifiers(columns.map(\.name))
    }
}

/// How `tidemark_row_text` spells a value, by its column's type: one ASCII letter per column in the function's
/// first argument (a decimal's followed by its scale). SQLite types values, not columns, so the function must be
/// told what each column means; it spells each storage variant as ``ColumnType/convert(_:)`` would convert it,
/// and a value that does not convert as it is stored, so it never matches a converted one.
enum RowTextKind: UInt8 {
    case integer = 0x69  // i
    case boolean = 0x62  // b
    case decimal = 0x64  // d
    case double = 0x66  // f
    case bytes = 0x78  // x
    case date = 0x44  // D
    case time = 0x68  // h
    case timestamp = 0x54  // T
    case timestampWithTimeZone = 0x5A  // Z
    case uuid = 0x75  // u
    case text = 0x74  // t

    init(_ type: ColumnType) {
        switch type {
        case .bigint, .integer, .smallint: self = .integer
        case .boolean: self = .boolean
        case .numeric: self = .decimal
        case .real, .double: self = .double
        case .bytes: self = .bytes
        case .date: self = .date
        case .time: self = .time
        case .timestamp: self = .timestamp
        case .timestampWithTimeZone: self = .timestampWithTimeZone
        case .uuid: self = .uuid
        case .text, .varchar, .character, .json, .jsonb, .duration, .foreign: self = .text
        }
    }

    /// The type whose conversion the row functions apply to a value stored in another form; a decimal's
    /// precision is not in the kinds (only its scale), so it is taken as wide as any.
    func columnType(scale: Int?) -> ColumnType {
        switch self {
        case .integer: return .bigint
        case .boolean: return .boolean
        case .decimal: return .numeric(precision: scale == nil ? 0 : 1000, scale: scale ?? 0)
        case .double: return .double
        case .bytes: return .bytes
        case .date: return .date
        case .time: return .time
        case .timestamp: return .timestamp
        case .timestampWithTimeZone: return .timestampWithTimeZone
        case .uuid: return .uuid
        case .text: return .text
        }
    }
}

extension SQLiteDialect {
    /// An exclusive `flock` on a file beside the database (`<database>.tidemark-<name>.lock`): SQLite's own
    /// write lock would stop every other writer for the whole load, and a lock row would outlive a killed
    /// process, while the kernel drops an flock with its process. A private in-memory database needs no lock.
    public func lock(_ name: String, on connection: any Connection, waitSeconds: Double) throws -> (any HeldLock)? {
        guard let databasePath, databasePath != ":memory:", !databasePath.isEmpty else { return FileLock(descriptor: -1) }
        // The name's readable part is cut (a file name has at most 255 bytes); the hash tells long names apart.
        let safe = String(name.prefix(64).map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        let path = databasePath + ".tidemark-" + safe + "-" + String(UInt64(bitPattern: TextHash.hash(name)), radix: 36) + ".lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw DatabaseError(engine: .sqlite, kind: .connection, code: String(errno),
                                message: "cannot open the lock file \(path): " + String(cString: strerror(errno)))
        }
        let held = try polling(waitSeconds: waitSeconds) { flock(descriptor, LOCK_EX | LOCK_NB) == 0 ? true : nil }
        guard held != nil else {
            close(descriptor)
            return nil
        }
        return FileLock(descriptor: descriptor)
    }
}

/// An flock held through an open descriptor; closing it releases the lock.
final class FileLock: HeldLock {
    private var descriptor: Int32

    init(descriptor: Int32) { self.descriptor = descriptor }

    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
