internal import CSQLite
import Foundation
import TidemarkDatabase

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connection to one SQLite database file (or `:memory:`), closed by ``close()`` or when released.
///
/// Statements run through ``execute(_:_:)`` and ``query(_:_:)`` are prepared once and cached by SQL text.
public final class SQLiteConnection: Connection {
    let database: SQLiteHandle
    public let path: String
    public var dialect: any SQLDialect { SQLiteDialect(databasePath: path) }
    public var interrupter: any StatementInterrupter { database }
    private let nesting = TransactionNesting()
    private var cache: [String: SQLiteStatement] = [:]
    private static let cacheLimit = 128

    /// Opens the database at `path` (read-write creates it when missing; read-only never does); `:memory:` opens
    /// a private in-memory database.
    public init(path: String, mode: AccessMode = .readWrite) throws {
        var db: OpaquePointer?
        let flags = mode == .readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let code = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK, let db else {
            // sqlite3_open_v2 hands back a handle even on failure; it must still be closed.
            let missing = mode == .readOnly && access(path, F_OK) != 0 && errno == ENOENT
            let error = DatabaseError(
                engine: .sqlite, kind: .connection, code: String(code),
                message: "cannot open \(path): " + (missing ? "no such file"
                    : db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))))
            sqlite3_close_v2(db)
            throw error
        }
        self.database = SQLiteHandle(db)
        self.path = path
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 10_000)
        try SQLiteFunctions.register(on: db)
        // Opening is lazy in SQLite: touch the file now so a directory or a non-database fails here.
        try execute("SELECT count(*) FROM sqlite_schema")
    }

    deinit { close() }

    public func close() {
        database.close()
        cache.removeAll()
    }

    // MARK: - Statements

    public func execute(_ sql: String, _ parameters: [Value]) throws -> Int {
        let db = try database.handle(for: sql)
        if parameters.isEmpty, Self.isScript(sql, on: db) {
            let before = sqlite3_total_changes64(db)
            let code = sqlite3_exec(db, sql, nil, nil, nil)
            guard code == SQLITE_OK else { throw SQLiteErrors.statement(code, db: db, sql: sql) }
            return Int(sqlite3_total_changes64(db) - before)
        }
        return try cachedStatement(sql).execute(parameters)
    }

    public func query(_ sql: String, _ parameters: [Value]) throws -> [Row] {
        try cachedStatement(sql).query(parameters)
    }

    public func stream(_ sql: String, _ parameters: [Value], batchSize: Int, _ body: ([Row]) throws -> Void) throws {
        precondition(batchSize > 0, "batchSize must be positive")
        // A statement of its own, so `body` may run cached statements meanwhile.
        let statement = try SQLiteStatement(connection: self, sql: sql, persistent: false)
        var batch: [Row] = []
        batch.reserveCapacity(batchSize)
        try statement.run(parameters) { statement in
            batch.append(statement.currentRow())
            if batch.count == batchSize {
                try body(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try body(batch) }
    }

    public func prepare(_ sql: String) throws -> any PreparedStatement {
        try SQLiteStatement(connection: self, sql: sql, persistent: true)
    }

    private func cachedStatement(_ sql: String) throws -> SQLiteStatement {
        if let statement = cache[sql] { return statement }
        let statement = try SQLiteStatement(connection: self, sql: sql, persistent: true)
        if cache.count >= Self.cacheLimit { cache.removeAll() }
        cache[sql] = statement
        return statement
    }

    /// True when `sql` holds more than one statement (run as a script through `sqlite3_exec`).
    private static func isScript(_ sql: String, on db: OpaquePointer) -> Bool {
        sql.withCString { text in
            var statement: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v2(db, text, -1, &statement, &tail)
            sqlite3_finalize(statement)
            // The tail points into this temporary C string: read it here, not after.
            guard code == SQLITE_OK, let tail else { return false }
            return !String(cString: tail).trimmingSemicolons().isEmpty
        }
    }

    // MARK: - Bulk insert

    public func bulkInsert(into table: TableName, columns: [String], rows: some Sequence<[Value]>) throws -> Int {
        let placeholders = (1...max(columns.count, 1)).map { Engine.sqlite.placeholder($0) }.joined(separator: ", ")
        let sql = "INSERT INTO \(table.quoted) (\(quoteIdentifiers(columns))) VALUES (\(placeholders))"
        let statement = try SQLiteStatement(connection: self, sql: sql, persistent: true)
        return try transaction {
            var count = 0
            for row in rows { count += try statement.execute(row) }
            return count
        }
    }

    // MARK: - Transactions

    public var isInTransaction: Bool { nesting.depth > 0 }

    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try nesting.run(on: self, begin: "BEGIN IMMEDIATE", body)
    }

    public func readSnapshot<T>(_ body: () throws -> T) throws -> T {
        try nesting.run(on: self, begin: "BEGIN DEFERRED") {
            // A deferred transaction takes its snapshot at the first read: take it now.
            try execute("SELECT count(*) FROM sqlite_schema")
            return try body()
        }
    }

    // MARK: - Introspection

    public func tableNames(schema: String?) throws -> [String] {
        try query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
            .compactMap { $0[0].string }
    }

    public func columns(of table: TableName) throws -> [ColumnInfo] {
        try query("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid", [.text(table.name)])
            .map { row in
                let declared = row[1].string ?? ""
                return ColumnInfo(
                    name: row[0].string ?? "", declaredType: declared,
                    type: dialect.columnType(declared: declared),
                    isNullable: row[2].int64 == 0 && row[3].int64 == 0)
            }
    }

    public func primaryKey(of table: TableName) throws -> [String] {
        try query("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk", [.text(table.name)])
            .compactMap { $0[0].string }
    }
}

/// The `sqlite3` handle, shared by a connection and its statements so that a statement needs no reference to its
/// connection: the connection caches statements, and a reference back would keep both alive forever.
/// It is also the connection's interrupter: `sqlite3_interrupt` may come from any thread, but never on a closed
/// handle, so interrupting and closing take one lock.
final class SQLiteHandle: StatementInterrupter, @unchecked Sendable {
    private let lock = NSLock()
    private var pointer: OpaquePointer?

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    var isOpen: Bool { pointer != nil }

    /// The handle for one use of the connection or a statement; every use after ``close()`` throws here.
    func handle(for sql: String?) throws -> OpaquePointer {
        guard let pointer else { throw SQLiteErrors.closed(sql: sql) }
        return pointer
    }

    /// Finalizes every statement prepared on the handle (cached ones, and ones `prepare` handed out that may
    /// outlive the connection), then closes it.
    func interruptRunningStatement() {
        lock.lock()
        defer { lock.unlock() }
        if let pointer { sqlite3_interrupt(pointer) }
    }

    func close() {
        lock.lock()
        defer { lock.unlock() }
        guard let pointer else { return }
        self.pointer = nil
        while let statement = sqlite3_next_stmt(pointer, nil) { sqlite3_finalize(statement) }
        sqlite3_close_v2(pointer)
    }
}
