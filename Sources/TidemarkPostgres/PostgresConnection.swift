internal import CLibPQ
import Foundation
import TidemarkDatabase

#if canImport(Glibc)
import Glibc
#endif

/// A connection to a PostgreSQL server through libpq (`PGconn`), closed with `PQfinish` by ``close()`` or when
/// released.
///
/// Every session is set to ISO dates, UTC, UTF-8 and hex bytea, so values decode the same whatever the
/// server's defaults are.
public final class PostgresConnection: Connection {
    /// Nil once closed.
    private var pgconn: OpaquePointer?
    /// The open connection, for code running after ``startCommand(_:)`` checked that it is open.
    var handle: OpaquePointer { pgconn! }
    public var dialect: any SQLDialect { PostgresDialect() }
    public let interrupter: any StatementInterrupter
    private let canceller: PostgresCanceller
    private let nesting = TransactionNesting()
    private var preparedCount = 0
    /// Prepared statements released since the connection's last command. A statement may be released on any
    /// thread (the last reference can sit in a closure another thread ran), but a connection must only be used by
    /// one thread at a time, so its `DEALLOCATE` waits for the next command, sent by the thread using it.
    fileprivate let released = ReleasedStatements()

    /// Connects with libpq keyword/value parameters; unset keywords come from PG* environment variables.
    /// `.readOnly` makes every transaction of the session read-only (`default_transaction_read_only`).
    public init(parameters: [ConnectionParameter], mode: AccessMode = .readWrite) throws {
        let keywords = parameters.map { strdup($0.keyword) } + [nil]
        let values = parameters.map { strdup($0.value) } + [nil]
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let connection = keywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { k in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { v in
                PQconnectdbParams(k.baseAddress, v.baseAddress, 0)
            }
        }
        guard let connection, PQstatus(connection) == CONNECTION_OK else {
            let target = DatabaseURL.postgres(parameters: parameters).redacted
            let error = PostgresErrors.connectFailed(connection, target: target.isEmpty ? "(PG* defaults)" : target)
            PQfinish(connection)  // also needed after a failed connect
            throw error
        }
        self.pgconn = connection
        canceller = PostgresCanceller(PQgetCancel(connection))
        interrupter = canceller
        try execute("""
            SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'; \
            SET bytea_output = 'hex'; SET extra_float_digits = 3; SET client_min_messages = warning
            """)
        if mode == .readOnly { try execute("SET default_transaction_read_only = on") }
    }

    deinit { close() }

    public func close() {
        guard let pgconn else { return }
        self.pgconn = nil
        canceller.close()
        PQfinish(pgconn)
    }

    // MARK: - Statements

    public func execute(_ sql: String, _ parameters: [Value]) throws -> Int {
        try run(sql, parameters).affectedRows
    }

    public func query(_ sql: String, _ parameters: [Value]) throws -> [Row] {
        let result = try run(sql, parameters)
        return result.rows(columns: result.columnNames(), decoders: result.decoders())
    }

    /// One round trip. Without parameters the text may hold several statements (`PQexec`).
    private func run(_ sql: String, _ parameters: [Value]) throws -> PostgresResult {
        try startCommand(sql)
        let raw: OpaquePointer?
        if parameters.isEmpty {
            raw = PQexec(handle, sql)
        } else {
            raw = withParameters(parameters) { n, types, values, lengths, formats in
                PQexecParams(handle, sql, n, types, values, lengths, formats, 0)
            }
        }
        return try check(raw, sql: sql)
    }

    /// Wraps a result, throwing unless it is a success.
    func check(_ raw: OpaquePointer?, sql: String) throws -> PostgresResult {
        guard let raw else { throw PostgresErrors.server(nil, connection: handle, sql: sql) }
        let result = PostgresResult(raw)
        switch result.status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE, PGRES_EMPTY_QUERY: return result
        default: throw PostgresErrors.server(raw, connection: handle, sql: sql)
        }
    }

    public func stream(_ sql: String, _ parameters: [Value], batchSize: Int, _ body: ([Row]) throws -> Void) throws {
        precondition(batchSize > 0, "batchSize must be positive")
        try startCommand(sql)
        let sent = withParameters(parameters) { n, types, values, lengths, formats in
            PQsendQueryParams(handle, sql, n, types, values, lengths, formats, 0)
        }
        guard sent == 1 else { throw PostgresErrors.server(nil, connection: handle, sql: sql) }
        // Single-row mode must be chosen right after sending, before the first PQgetResult.
        PQsetSingleRowMode(handle)

        var columns: ColumnNames?
        var decoders: [PostgresDecoder] = []
        var batch: [Row] = []
        batch.reserveCapacity(batchSize)
        var failure: (any Error)?
        while let raw = PQgetResult(handle) {
            let result = PostgresResult(raw)
            if failure != nil { continue }  // drain to NULL so the connection is usable again
            switch result.status {
            case PGRES_SINGLE_TUPLE:
                if columns == nil {
                    columns = result.columnNames()
                    decoders = result.decoders()
                }
                batch.append(contentsOf: result.rows(columns: columns!, decoders: decoders))
                if batch.count >= batchSize {
                    do {
                        try body(batch)
                    } catch {
                        failure = error
                        // Stop the query in flight, so an abandoned stream does not read the rest of the table.
                        canceller.interruptRunningStatement()
                    }
                    batch.removeAll(keepingCapacity: true)
                }
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                break
            default:
                failure = PostgresErrors.server(raw, connection: handle, sql: sql)
            }
        }
        if let failure { throw failure }
        if !batch.isEmpty { try body(batch) }
    }

    /// Starts every command: throws once the connection is closed, else sends the `DEALLOCATE`s of statements
    /// released since the last command. A failed `DEALLOCATE` (say, inside a failed transaction) only leaves the
    /// statement allocated until the session ends.
    fileprivate func startCommand(_ sql: String) throws {
        guard pgconn != nil else { throw PostgresErrors.closed(sql: sql) }
        for name in released.takeAll() {
            if let raw = PQexec(handle, "DEALLOCATE \(quoteIdentifier(name))") { PQclear(raw) }
        }
    }

    public func prepare(_ sql: String) throws -> any PreparedStatement {
        try startCommand(sql)
        preparedCount += 1
        return try PostgresStatement(connection: self, name: "tidemark_\(preparedCount)", sql: sql)
    }

    // MARK: - Bulk insert (COPY)

    public func bulkInsert(into table: TableName, columns: [String], rows: some Sequence<[Value]>) throws -> Int {
        try copyIn(into: table, columns: columns) { put in
            var encoder = CopyTextEncoder()
            for row in rows {
                guard row.count == columns.count else {
                    throw PostgresErrors.usage("COPY row has \(row.count) values for \(columns.count) columns",
                                               sql: Self.copySQL(table, columns))
                }
                encoder.append(row)
                if encoder.buffer.count >= 1 << 20 {
                    try put(encoder.buffer)
                    encoder.buffer.removeAll(keepingCapacity: true)
                }
            }
            try put(encoder.buffer)
        }
    }

    /// `COPY table (columns) FROM STDIN` of data already in COPY text format: `produce` hands chunks to `put`.
    /// On any error the COPY is aborted and the server rolls it back. Returns the rows written.
    public func copyIn(into table: TableName, columns: [String],
                       _ produce: (_ put: ([UInt8]) throws -> Void) throws -> Void) throws -> Int {
        let sql = Self.copySQL(table, columns)
        try startCommand(sql)
        guard let start = PQexec(handle, sql) else { throw PostgresErrors.server(nil, connection: handle, sql: sql) }
        let started = PostgresResult(start)
        guard started.status == PGRES_COPY_IN else { throw PostgresErrors.server(start, connection: handle, sql: sql) }
        do {
            try produce { try putCopyData($0, sql: sql) }
        } catch {
            // Abort: the server rolls the whole COPY back. The caller's error is the one reported.
            PQputCopyEnd(handle, "aborted by the client")
            while let raw = PQgetResult(handle) { PQclear(raw) }
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw PostgresErrors.lost(handle, sql: sql) }
        var outcome: Result<Int, any Error> = .success(0)
        while let raw = PQgetResult(handle) {
            let result = PostgresResult(raw)
            if result.status == PGRES_COMMAND_OK {
                if case .success = outcome { outcome = .success(result.affectedRows) }
            } else {
                outcome = .failure(PostgresErrors.server(raw, connection: handle, sql: sql))
            }
        }
        return try outcome.get()
    }

    private static func copySQL(_ table: TableName, _ columns: [String]) -> String {
        "COPY \(table.quoted) (\(quoteIdentifiers(columns))) FROM STDIN"
    }

    private func putCopyData(_ bytes: [UInt8], sql: String) throws {
        guard !bytes.isEmpty else { return }
        let sent = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                PQputCopyData(handle, $0, Int32(buffer.count))
            }
        }
        guard sent == 1 else { throw PostgresErrors.lost(handle, sql: sql) }
    }

    // MARK: - Transactions

    public var isInTransaction: Bool { nesting.depth > 0 }

    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try nesting.run(on: self, begin: "BEGIN", body)
    }

    public func readSnapshot<T>(_ body: () throws -> T) throws -> T {
        try nesting.run(on: self, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") {
            // The snapshot is taken at the first statement: take it now.
            try execute("SELECT 1")
            return try body()
        }
    }

    // MARK: - Introspection

    public func tableNames(schema: String?) throws -> [String] {
        try query("""
            SELECT c.relname FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = COALESCE($1::text, 'public') AND c.relkind IN ('r', 'p')
            ORDER BY c.relname
            """, [schema.map(Value.text) ?? .null]).compactMap { $0[0].string }
    }

    public func columns(of table: TableName) throws -> [ColumnInfo] {
        try query("""
            SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
                   CASE WHEN t.typtype = 'e' THEN 'text'
                        WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod)
                        ELSE pg_catalog.format_type(a.atttypid, a.atttypmod) END
            FROM pg_catalog.pg_attribute a
            JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
            JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = COALESCE($1::text, current_schema()) AND c.relname = $2::text
              AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
            """, [table.schema.map(Value.text) ?? .null, .text(table.name)]).map { row in
            // An enum is its labels' text; a domain is its base type (its constraints are the source's business).
            return ColumnInfo(
                name: row[0].string ?? "", declaredType: row[1].string ?? "",
                type: dialect.columnType(declared: row[3].string ?? ""), isNullable: row[2] == .boolean(true))
        }
    }

    public func primaryKey(of table: TableName) throws -> [String] {
        try query("""
            SELECT a.attname
            FROM pg_catalog.pg_index i
            JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
            JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
            WHERE i.indisprimary AND n.nspname = COALESCE($1::text, current_schema()) AND c.relname = $2::text
            ORDER BY k.position
            """, [table.schema.map(Value.text) ?? .null, .text(table.name)]).compactMap { $0[0].string }
    }
}

/// A server-side prepared statement (`PQprepare`), deallocated when released.
final class PostgresStatement: PreparedStatement {
    /// Weak, so that a statement never keeps its connection open.
    private weak let connection: PostgresConnection?
    /// Where `deinit` queues the `DEALLOCATE`: all of the connection a statement touches when released, which may
    /// be on another thread or after the connection closed.
    private let released: ReleasedStatements
    private let name: String
    private let sql: String

    init(connection: PostgresConnection, name: String, sql: String) throws {
        self.connection = connection
        self.released = connection.released
        self.name = name
        self.sql = sql
        _ = try connection.check(PQprepare(connection.handle, name, sql, 0, nil), sql: sql)
    }

    deinit { released.add(name) }

    func execute(_ parameters: [Value]) throws -> Int {
        try run(parameters).affectedRows
    }

    func query(_ parameters: [Value]) throws -> [Row] {
        let result = try run(parameters)
        return result.rows(columns: result.columnNames(), decoders: result.decoders())
    }

    private func run(_ parameters: [Value]) throws -> PostgresResult {
        guard let connection else { throw PostgresErrors.closed(sql: sql) }
        try connection.startCommand(sql)
        let raw = withParameters(parameters) { n, _, values, lengths, formats in
            PQexecPrepared(connection.handle, name, n, values, lengths, formats, 0)
        }
        return try connection.check(raw, sql: sql)
    }
}

/// Names of released prepared statements, added from any thread, taken by the connection's own.
final class ReleasedStatements: @unchecked Sendable {
    private let lock = NSLock()
    private var names: [String] = []

    func add(_ name: String) {
        lock.lock()
        names.append(name)
        lock.unlock()
    }

    func takeAll() -> [String] {
        lock.lock()
        defer { lock.unlock() }
        guard !names.isEmpty else { return [] }
        defer { names.removeAll() }
        return names
    }
}

/// The connection's `PGcancel`, made once when it connects: `PQcancel` is safe from any thread (it sends the
/// request over a connection of its own), but not after `PQfreeCancel`, so cancelling and closing take one lock.
final class PostgresCanceller: StatementInterrupter, @unchecked Sendable {
    private let lock = NSLock()
    private var cancel: OpaquePointer?

    init(_ cancel: OpaquePointer?) { self.cancel = cancel }

    func interruptRunningStatement() {
        lock.lock()
        defer { lock.unlock() }
        guard let cancel else { return }
        // The server cancels whatever the session is running; an idle session ignores the request. A failure to
        // send leaves the stop to the loader's next check between batches.
        var message = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &message, Int32(message.count))
    }

    func close() {
        lock.lock()
        defer { lock.unlock() }
        if let cancel { PQfreeCancel(cancel) }
        cancel = nil
    }
}
