internal import CMariaDB
import Foundation
import TidemarkDatabase

/// A connection to a MySQL or MariaDB server through libmariadb, closed by ``close()`` or when released.
///
/// Every session is set up the same whatever the server's defaults: UTF-8 (`utf8mb4`), UTC (so TIMESTAMP
/// columns read as stored), REPEATABLE READ, and an SQL mode of `ANSI_QUOTES` (double-quoted identifiers, the
/// spelling of the shared ``quoteIdentifier(_:)``; backticks keep working), `PIPES_AS_CONCAT` and
/// `NO_BACKSLASH_ESCAPES` (string literals and `||` as on the other engines), `STRICT_ALL_TABLES` and
/// `NO_ENGINE_SUBSTITUTION`. Zero dates stay allowed: Open Dental stores them; they read as `0001-01-01` (see
/// ``LocalTimestamp/zeroDate``).
///
/// Statements with parameters, and every query, are server-side prepared statements (cached by SQL text);
/// a statement without parameters and without a result goes through the plain text protocol, which runs any
/// statement (MySQL cannot prepare every one). One statement per call: multi-statement text is not enabled.
public final class MySQLConnection: Connection {
    let connection: MySQLHandle
    public var dialect: any SQLDialect { MySQLDialect() }
    public let interrupter: any StatementInterrupter
    private let killer: MySQLQueryKiller
    private let nesting = TransactionNesting()
    private var cache: [String: MySQLStatement] = [:]
    private static let cacheLimit = 128

    /// The session settings described above.
    static let sessionSetup = [
        "SET NAMES utf8mb4",
        "SET time_zone = '+00:00'",
        "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        "SET sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT,NO_BACKSLASH_ESCAPES,STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'",
    ]

    /// Connects with the keywords of ``DatabaseURL/mysql(parameters:)``; what they leave out is libmariadb's
    /// default (no option file and no MYSQL_* variable is read). `.readOnly` makes every transaction of the
    /// session read-only.
    public init(parameters: [ConnectionParameter], mode: AccessMode = .readWrite) throws {
        func value(_ keyword: String) -> String? { parameters.first { $0.keyword == keyword }?.value }
        guard let mysql = mysql_init(nil) else {
            throw MySQLErrors.connectFailed(nil, target: DatabaseURL.mysql(parameters: parameters).redacted)
        }
        var noLocalFiles: UInt32 = 0
        mysql_options(mysql, MYSQL_OPT_LOCAL_INFILE, &noLocalFiles)
        mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4")
        let port = value("port").flatMap { UInt32($0) } ?? 0
        guard mysql_real_connect(mysql, value("host"), value("user"), value("password"), value("database"), port,
                                 value("socket"), 0) != nil
        else {
            let error = MySQLErrors.connectFailed(mysql, target: DatabaseURL.mysql(parameters: parameters).redacted)
            mysql_close(mysql)
            throw error
        }
        connection = MySQLHandle(mysql)
        killer = MySQLQueryKiller(parameters: parameters, threadID: mysql_thread_id(mysql))
        interrupter = killer
        for statement in Self.sessionSetup { try execute(statement) }
        if mode == .readOnly { try execute("SET SESSION TRANSACTION READ ONLY") }
    }

    deinit { close() }

    public func close() {
        killer.close()
        connection.close()
        cache.removeAll()
    }

    // MARK: - Statements

    public func execute(_ sql: String, _ parameters: [Value]) throws -> Int {
        guard parameters.isEmpty else { return try cachedStatement(sql).execute(parameters) }
        let mysql = try connection.handle(for: sql)
        var utf8 = Array(sql.utf8)
        let failed = utf8.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { mysql_real_query(mysql, $0.baseAddress, UInt($0.count)) != 0 }
        }
        guard !failed else { throw MySQLErrors.server(mysql, sql: sql) }
        guard mysql_field_count(mysql) == 0 else {
            // A statement with a result: read and drop it, so the connection is free again.
            mysql_free_result(mysql_use_result(mysql))
            return 0
        }
        return Int(mysql_affected_rows(mysql))
    }

    public func query(_ sql: String, _ parameters: [Value]) throws -> [Row] {
        try cachedStatement(sql).query(parameters)
    }

    /// Fetches unbuffered: libmariadb holds one row, the batch is all this keeps. An abandoned stream reads and
    /// drops the rest of the result before the connection is usable again.
    public func stream(_ sql: String, _ parameters: [Value], batchSize: Int, _ body: ([Row]) throws -> Void) throws {
        precondition(batchSize > 0, "batchSize must be positive")
        var batch: [Row] = []
        batch.reserveCapacity(batchSize)
        try cachedStatement(sql).run(parameters) { row in
            batch.append(row)
            if batch.count == batchSize {
                try body(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try body(batch) }
    }

    public func prepare(_ sql: String) throws -> any PreparedStatement {
        try MySQLStatement(connection: connection, sql: sql)
    }

    private func cachedStatement(_ sql: String) throws -> MySQLStatement {
        if let statement = cache[sql] { return statement }
        let statement = try MySQLStatement(connection: connection, sql: sql)
        if cache.count >= Self.cacheLimit { cache.removeAll() }
        cache[sql] = statement
        return statement
    }

    // MARK: - Bulk insert

    /// Multi-row prepared INSERTs in one transaction: up to 1000 rows or about 4 MB of values per statement,
    /// under MySQL's 65535 placeholders and a default `max_allowed_packet`.
    public func bulkInsert(into table: TableName, columns: [String], rows: some Sequence<[Value]>) throws -> Int {
        let rowsPerStatement = max(1, min(1000, 65_535 / max(columns.count, 1)))
        let tuple = "(" + Array(repeating: "?", count: max(columns.count, 1)).joined(separator: ", ") + ")"
        var statements: [Int: MySQLStatement] = [:]
        func insert(_ chunk: [[Value]]) throws -> Int {
            guard !chunk.isEmpty else { return 0 }
            if statements[chunk.count] == nil {
                let sql = "INSERT INTO \(table.quoted) (\(quoteIdentifiers(columns))) VALUES "
                    + Array(repeating: tuple, count: chunk.count).joined(separator: ", ")
                statements[chunk.count] = try MySQLStatement(connection: connection, sql: sql)
            }
            return try statements[chunk.count]!.execute(chunk.flatMap { $0 })
        }
        return try transaction {
            var count = 0
            var chunk: [[Value]] = []
            var bytes = 0
            for row in rows {
                guard row.count == columns.count else {
                    throw MySQLErrors.usage("row has \(row.count) values for \(columns.count) columns")
                }
                chunk.append(row)
                bytes += row.reduce(0) { $0 + $1.approximateSize }
                if chunk.count == rowsPerStatement || bytes >= 4 << 20 {
                    count += try insert(chunk)
                    chunk.removeAll(keepingCapacity: true)
                    bytes = 0
                }
            }
            return count + (try insert(chunk))
        }
    }

    // MARK: - Transactions

    public var isInTransaction: Bool { nesting.depth > 0 }

    /// DDL commits implicitly in MySQL: a CREATE or ALTER inside `body` ends the transaction there.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try nesting.run(on: self, begin: "START TRANSACTION", body)
    }

    /// An InnoDB snapshot taken at once (the session is REPEATABLE READ). MyISAM tables have no snapshot: reads
    /// of them see later commits (``readSnapshot(of:_:)`` locks them).
    public func readSnapshot<T>(_ body: () throws -> T) throws -> T {
        try nesting.run(on: self, begin: "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", body)
    }

    /// When any of `tables` lives in an engine without transactions (MyISAM, which Open Dental uses, Aria,
    /// MEMORY), `LOCK TABLES … READ` on all of them for `body`: other sessions still read, writers (replication
    /// on a replica) wait until it returns. A snapshot and table locks do not mix in MySQL (each ends the
    /// other), so inside an open transaction the snapshot is all there is. Needs the LOCK TABLES privilege.
    public func readSnapshot<T>(of tables: [TableName], _ body: () throws -> T) throws -> T {
        guard !isInTransaction, try tables.contains(where: { try !isTransactional($0) }) else {
            return try readSnapshot(body)
        }
        try execute("LOCK TABLES " + tables.map { "\($0.quoted) READ" }.joined(separator: ", "))
        defer { _ = try? execute("UNLOCK TABLES") }
        return try body()
    }

    private func isTransactional(_ table: TableName) throws -> Bool {
        try scalar("""
            SELECT e.transactions FROM information_schema.tables t JOIN information_schema.engines e ON e.engine = t.engine
            WHERE t.table_schema = COALESCE(?, DATABASE()) AND t.table_name = ?
            """, [table.schema.map(Value.text) ?? .null, .text(table.name)]) == "YES"
    }

    // MARK: - Introspection

    /// A MySQL schema is a database: `schema` names one, nil the connection's current database.
    public func tableNames(schema: String?) throws -> [String] {
        try query("""
            SELECT table_name FROM information_schema.tables
            WHERE table_schema = COALESCE(?, DATABASE()) AND table_type = 'BASE TABLE' ORDER BY table_name
            """, [schema.map(Value.text) ?? .null]).compactMap { $0[0].string }
    }

    public func columns(of table: TableName) throws -> [ColumnInfo] {
        try query("""
            SELECT column_name, column_type, is_nullable FROM information_schema.columns
            WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? ORDER BY ordinal_position
            """, [table.schema.map(Value.text) ?? .null, .text(table.name)]).map { row in
            let declared = row[1].string ?? ""
            return ColumnInfo(name: row[0].string ?? "", declaredType: declared,
                              type: dialect.columnType(declared: declared), isNullable: row[2] == "YES")
        }
    }

    public func primaryKey(of table: TableName) throws -> [String] {
        try query("""
            SELECT column_name FROM information_schema.statistics
            WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? AND index_name = 'PRIMARY'
            ORDER BY seq_in_index
            """, [table.schema.map(Value.text) ?? .null, .text(table.name)]).compactMap { $0[0].string }
    }
}

extension Value {
    /// Roughly the bytes the value takes in a statement packet, to keep bulk inserts under the packet limit.
    fileprivate var approximateSize: Int {
        switch self {
        case .text(let s): return s.utf8.count
        case .bytes(let b): return b.count
        default: return 16
        }
    }
}

/// The `MYSQL` handle, shared by a connection and its statements so that a statement needs no reference to
/// its connection (the connection caches statements; a reference back would keep both alive forever).
///
/// A statement may be released on any thread, but a connection is used by one thread at a time: the
/// `mysql_stmt_close` of a released statement (a message to the server) waits for the connection's next
/// use. Once the connection is closed, libmariadb has detached its statements and closing one only frees it.
final class MySQLHandle: @unchecked Sendable {
    private let lock = NSLock()
    /// Nil once closed.
    private var pointer: UnsafeMutablePointer<MYSQL>?
    private var released: [UnsafeMutablePointer<MYSQL_STMT>] = []

    init(_ pointer: UnsafeMutablePointer<MYSQL>) { self.pointer = pointer }

    /// The handle for one use of the connection or a statement; every use after ``close()`` throws here.
    /// Closes the statements released since the last use first.
    func handle(for sql: String?) throws -> UnsafeMutablePointer<MYSQL> {
        lock.lock()
        let pointer = self.pointer
        let statements = released
        released.removeAll()
        lock.unlock()
        guard let pointer else { throw MySQLErrors.closed(sql: sql) }
        for stmt in statements { mysql_stmt_close(stmt) }
        return pointer
    }

    /// Called by a statement's `deinit`, from any thread.
    func release(_ stmt: UnsafeMutablePointer<MYSQL_STMT>) {
        lock.lock()
        defer { lock.unlock() }
        if pointer == nil {
            mysql_stmt_close(stmt)
        } else {
            released.append(stmt)
        }
    }

    func close() {
        lock.lock()
        defer { lock.unlock() }
        guard let pointer else { return }
        self.pointer = nil
        mysql_close(pointer)
        for stmt in released { mysql_stmt_close(stmt) }
        released.removeAll()
    }
}

/// Stops the statement a session runs with `KILL QUERY <its thread id>` sent over a short-lived second session:
/// libmariadb has no thread-safe cancel of its own (`mariadb_cancel` shuts the socket, ending the session). The
/// killed statement fails with ER_QUERY_INTERRUPTED and the session stays usable; an idle one is left as it is.
final class MySQLQueryKiller: StatementInterrupter, @unchecked Sendable {
    private let lock = NSLock()
    private let parameters: [ConnectionParameter]
    private let threadID: UInt
    private var isClosed = false

    init(parameters: [ConnectionParameter], threadID: UInt) {
        self.parameters = parameters
        self.threadID = threadID
    }

    func interruptRunningStatement() {
        lock.lock()
        let closed = isClosed
        lock.unlock()
        guard !closed else { return }
        // Best effort: when the second session cannot be had, the loader still stops at its next batch.
        guard let session = try? MySQLConnection(parameters: parameters, mode: .readOnly) else { return }
        defer { session.close() }
        _ = try? session.execute("KILL QUERY \(threadID)")
    }

    func close() {
        lock.lock()
        isClosed = true
        lock.unlock()
    }
}
