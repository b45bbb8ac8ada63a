/// Stops the statement running on one connection, from another thread: how a stop (SIGINT/SIGTERM) ends a long
/// COPY, source read, checksum query or repair at once instead of after it. Each driver supplies one per
/// connection (SQLite `sqlite3_interrupt`, PostgreSQL `PQcancel`, MySQL `KILL QUERY` over a second session).
public protocol StatementInterrupter: AnyObject, Sendable {
    /// Asks the engine to stop the statement running on the connection now, if one is; it then fails with an
    /// error whose ``DatabaseError/isInterruption`` is true. A connection running nothing is left as it is (the
    /// next statement runs normally), and so is a closed one. Safe from any thread, at any time.
    func interruptRunningStatement()
}

extension DatabaseError {
    /// The statement was stopped by ``StatementInterrupter/interruptRunningStatement()`` (SQLITE_INTERRUPT,
    /// PostgreSQL `query_canceled`, MySQL ER_QUERY_INTERRUPTED).
    public var isInterruption: Bool {
        switch engine {
        case .sqlite: return Int(code).map { $0 & 0xff == 9 } ?? false
        case .postgres: return code == "57014"
        case .mysql: return code == "1317"
        }
    }
}
