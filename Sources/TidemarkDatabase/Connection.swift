/// Whether a connection may write. Sources are opened ``readOnly``: reading one never creates, writes or migrates
/// it, so a typo in a source path is "no such file" rather than a new empty database.
public enum AccessMode: Sendable {
    case readWrite
    /// SQLite: `SQLITE_OPEN_READONLY`, a missing file is an error. PostgreSQL: `default_transaction_read_only`.
    case readOnly
}

/// One open connection to a database: the single interface the loader and the simulator use.
///
/// Connections are not thread-safe: use one per task (the parallel strategy opens one per worker).
/// Values are always bound as parameters (placeholders from ``Engine/placeholder(_:)``), never spliced into SQL.
public protocol Connection: AnyObject {
    /// The engine's SQL spellings (see ``SQLDialect``).
    var dialect: any SQLDialect { get }

    /// Identifies the database session behind this object: two connections with the same session must not be
    /// used from two threads at once. A decorator reports the session of the connection it wraps.
    var sessionID: ObjectIdentifier { get }

    /// Stops this connection's running statement from another thread (a decorator hands out its base's).
    var interrupter: any StatementInterrupter { get }

    /// Runs one statement and returns the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ parameters: [Value]) throws -> Int

    /// Runs one query and returns all its rows.
    func query(_ sql: String, _ parameters: [Value]) throws -> [Row]

    /// Runs one query and hands its rows to `body` in batches of at most `batchSize` as they arrive, so memory
    /// stays bounded by the batch whatever the result size (SQLite steps the statement; PostgreSQL uses
    /// single-row mode). The connection is busy until the stream ends: `body` must use another connection.
    func stream(_ sql: String, _ parameters: [Value], batchSize: Int, _ body: ([Row]) throws -> Void) throws

    /// Prepares a statement for repeated use.
    func prepare(_ sql: String) throws -> any PreparedStatement

    /// Inserts rows by the engine's fastest path (PostgreSQL `COPY … FROM STDIN`, SQLite a prepared INSERT in
    /// one transaction). Plain inserts: a conflicting key fails the whole call and nothing is written.
    /// - Returns: the number of rows inserted.
    func bulkInsert(into table: TableName, columns: [String], rows: some Sequence<[Value]>) throws -> Int

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws. Nested calls use
    /// savepoints, so an inner failure rolls back only the inner work.
    @discardableResult
    func transaction<T>(_ body: () throws -> T) throws -> T

    /// Runs `body` on one consistent read snapshot (PostgreSQL REPEATABLE READ READ ONLY; SQLite a read
    /// transaction), so reads inside it see one state of the database.
    @discardableResult
    func readSnapshot<T>(_ body: () throws -> T) throws -> T

    /// ``readSnapshot(_:)`` for reads of `tables`: where the engine keeps no snapshot of them (MySQL's MyISAM,
    /// Aria and other non-transactional tables) it holds a read lock on them instead, so writers wait until
    /// `body` returns and every read inside sees one state.
    @discardableResult
    func readSnapshot<T>(of tables: [TableName], _ body: () throws -> T) throws -> T

    /// True while a transaction or snapshot is open.
    var isInTransaction: Bool { get }

    // MARK: Introspection

    /// Names of the base tables, in `schema` on PostgreSQL (default `public`); the schema is ignored by SQLite.
    func tableNames(schema: String?) throws -> [String]

    /// Columns of a table in their declared order; empty when the table does not exist.
    func columns(of table: TableName) throws -> [ColumnInfo]

    /// Primary-key columns of a table in key order; empty when it has none.
    func primaryKey(of table: TableName) throws -> [String]

    // MARK: Lifetime

    /// Finalizes the connection's prepared statements and closes it, releasing its file or server session now
    /// rather than whenever the last reference goes. Calling it again does nothing; any other use of the
    /// connection or of its statements afterwards throws a `.usage` error. A released connection closes itself.
    func close()
}

/// A statement prepared once and run many times with different parameters. It does not keep its connection
/// open: once the connection is closed, running the statement throws.
public protocol PreparedStatement: AnyObject {
    @discardableResult
    func execute(_ parameters: [Value]) throws -> Int
    func query(_ parameters: [Value]) throws -> [Row]
}

extension Connection {
    public var engine: Engine { dialect.engine }

    public var sessionID: ObjectIdentifier { ObjectIdentifier(self) }

    @discardableResult
    public func execute(_ sql: String) throws -> Int { try execute(sql, []) }

    public func query(_ sql: String) throws -> [Row] { try query(sql, []) }

    /// The first column of the first row, or nil when there is no row.
    public func scalar(_ sql: String, _ parameters: [Value] = []) throws -> Value? {
        try query(sql, parameters).first?.values.first
    }

    /// Creates the table when it does not exist.
    public func createTable(_ schema: TableSchema) throws {
        try execute(schema.createStatement(dialect))
    }

    /// Creates the schema when the engine has schemas and it does not exist yet.
    public func createSchemaIfMissing(_ schema: String?) throws {
        if let schema, let sql = dialect.createSchema(schema) { try execute(sql) }
    }

    /// True when the table exists.
    public func tableExists(_ table: TableName) throws -> Bool {
        try !columns(of: table).isEmpty
    }
}

/// The nesting bookkeeping both drivers share: BEGIN at depth 0, SAVEPOINT deeper; COMMIT/RELEASE on success,
/// ROLLBACK/ROLLBACK TO on failure. A driver owns one and calls ``run(on:begin:_:)``.
public final class TransactionNesting {
    public private(set) var depth = 0

    public init() {}

    public func run<T>(on connection: some Connection, begin: String, _ body: () throws -> T) throws -> T {
        let savepoint = quoteIdentifier("tidemark_sp_\(depth)")
        if depth == 0 {
            try connection.execute(begin)
        } else {
            try connection.execute("SAVEPOINT \(savepoint)")
        }
        depth += 1
        let result: T
        do {
            result = try body()
        } catch {
            depth -= 1
            do {
                if depth == 0 {
                    try connection.execute("ROLLBACK")
                } else {
                    try connection.execute("ROLLBACK TO SAVEPOINT \(savepoint)")
                    try connection.execute("RELEASE SAVEPOINT \(savepoint)")
                }
            } catch let rollbackError {
                throw RollbackFailed(bodyError: error, rollbackError: rollbackError)
            }
            throw error
        }
        depth -= 1
        if depth == 0 {
            do {
                try connection.execute("COMMIT")
            } catch {
                _ = try? connection.execute("ROLLBACK")
                throw error
            }
        } else {
            try connection.execute("RELEASE SAVEPOINT \(savepoint)")
        }
        return result
    }
}

/// A transaction body failed and rolling it back failed too: both errors are kept.
public struct RollbackFailed: Error, CustomStringConvertible {
    public let bodyError: any Error
    public let rollbackError: any Error

    public var description: String { "\(bodyError) (and the rollback failed: \(rollbackError))" }
}

extension Connection {
    /// Engines whose every table is transactional: the snapshot covers them.
    public func readSnapshot<T>(of tables: [TableName], _ body: () throws -> T) throws -> T {
        try readSnapshot(body)
    }
}
