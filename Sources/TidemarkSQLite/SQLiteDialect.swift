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

    public func ddl(_ type: ColumnType) -> String {
        switch type {
        case .numeric(0, _): return "DECIMAL_TEXT"
        case .numeric(let p, let s): return "DECIMAL_TEXT(\(p),\(s))"
        case .double: return "DOUBLE"
        case .timestamp: return "TIMESTAMP"
        case .bytes: return "BLOB"
        default: return standardDDL(type)!
        }
    }

    public func createSchema(_ schema: String) -> String? { nil }

    public func temporaryTable(_ name: String) -> TableName { TableName(name, schema: "temp") }

    /// SQLite names the schema on the index, and the table bare.
    public func createIndex(_ name: String, on table: TableName, columns: [String]) -> String {
        "CREATE INDEX IF NOT EXISTS \(TableName(name, schema: table.schema).quoted) ON \(quoteIdentifier(table.name)) "
            + "(\(quoteIdentifiers(columns)))"
    }

    public func upsert(into table: TableName, columns: [String], key: [String], rows: String) -> String {
        // The change predicate names the existing row by the table's own name; SQLite spells "is distinct
        // from" `IS NOT`.
        upsertStatement(into: table, columns: columns, key: key, rows: rows, tableClause: table.quoted,
                        existingRow: quoteIdentifier(table.name), distinct: "IS NOT")
    }

    public func makeUpserter(on connection: any Connection, table: TableName, columns: [String], key: [String],
                             types: [ColumnType?]) -> any RowUpserter {
        ValuesUpserter(connection: connection, table: table, columns: columns, key: key)
    }

    public func canonicalRow(_ columns: [ColumnInfo]) -> String {
        "tidemark_row_text(\(rowFunctionArguments(columns)))"
    }

    public func rowHash(_ columns: [ColumnInfo]) -> String {
        "tidemark_row_hash(\(rowFunctionArguments(columns)))"
    }

    public var groupsRangesInOneScan: Bool { false }

    /// The row functions hash with ``TextHash`` itself.
    public func hashAgreesWithTidemark(on connection: any Connection) throws -> Bool { true }

    /// Timestamps are text in SQLite, spelled by whatever wrote them (`…00.25`, `…00.250000`, a bare date, a
    /// `T`): they compare as instants through `tidemark_timestamp_micros` (microseconds since 1970; text that is
    /// no timestamp stays text, after every instant). Text compares byte by byte already (BINARY).
    public func comparable(_ column: String, type: ColumnType?) -> String {
        type == .timestamp ? "tidemark_timestamp_micros(\(quoteIdentifier(column)))" : quoteIdentifier(column)
    }

    public func comparableParameter(_ placeholder: String, type: ColumnType?) -> String {
        type == .timestamp ? "tidemark_timestamp_micros(\(placeholder))" : placeholder
    }

    /// Every spelling of an instant at or after `value` starts with a date at or after its date (`YYYY-MM-DD`
    /// sorts as text in time order, whatever follows it): `"ts" >= 'YYYY-MM-DD'` lets an index on the column
    /// start at that day, and the exact comparison sorts out the rest.
    public func indexableLowerBound(_ value: Value, type: ColumnType?) -> Value? {
        guard type == .timestamp, case .timestamp(let timestamp) = value else { return nil }
        return .text(timestamp.date.description)
    }

    /// `'<kind letters>', c1, c2, …` for the row functions.
    private func rowFunctionArguments(_ columns: [ColumnInfo]) -> String {
        let kinds = columns.map { Character(UnicodeScalar(RowTextKind($0.type ?? .text).rawValue)) }
        return "'" + String(kinds) + "', " + quoteIdentifiers(columns.map(\.name))
    }
}

/// How `tidemark_row_text` spells a value, by its column's type: one ASCII letter per column in the function's
/// first argument. SQLite types values, not columns, so the function must be told what each column means.
enum RowTextKind: UInt8 {
    case integer = 0x69  // i
    case boolean = 0x62  // b
    case decimal = 0x64  // d
    case double = 0x66  // f
    case bytes = 0x78  // x
    case date = 0x44  // D
    case timestamp = 0x54  // T
    case text = 0x74  // t

    init(_ type: ColumnType) {
        switch type {
        case .bigint, .integer, .smallint: self = .integer
        case .boolean: self = .boolean
        case .numeric: self = .decimal
        case .double: self = .double
        case .bytes: self = .bytes
        case .date: self = .date
        case .timestamp: self = .timestamp
        case .text, .varchar: self = .text
        }
    }
}

extension SQLiteDialect {
    /// An exclusive `flock` on a file beside the database (`<database>.tidemark-<name>.lock`): SQLite's own
    /// write lock would stop every other writer for the whole load, and a lock row would outlive a killed
    /// process, while the kernel drops an flock with its process. A private in-memory database needs no lock.
    public func lock(_ name: String, on connection: any Connection, waitSeconds: Double) throws -> (any HeldLock)? {
        guard let databasePath, databasePath != ":memory:", !databasePath.isEmpty else { return FileLock(descriptor: -1) }
        let safe = String(name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
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
