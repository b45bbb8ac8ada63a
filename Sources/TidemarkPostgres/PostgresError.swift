internal import CLibPQ
import TidemarkDatabase

/// Every PostgreSQL error is built here: server errors from a `PGresult`, connection errors from the `PGconn`.
enum PostgresErrors {
    /// A statement failed on the server (SQLSTATE and fields from the result), or the connection dropped.
    static func server(_ result: OpaquePointer?, connection: OpaquePointer, sql: String?) -> DatabaseError {
        if PQstatus(connection) == CONNECTION_BAD {
            return lost(connection, sql: sql)
        }
        guard let result else {
            return DatabaseError(
                engine: .postgres, kind: .statement, code: "XX000", message: lastMessage(connection), sql: sql)
        }
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let message = field(TM_PG_DIAG_MESSAGE_PRIMARY) ?? trimmed(String(cString: PQresultErrorMessage(result)))
        return DatabaseError(
            engine: .postgres, kind: .statement, code: field(TM_PG_DIAG_SQLSTATE) ?? "XX000",
            message: message, detail: field(TM_PG_DIAG_MESSAGE_DETAIL), sql: sql)
    }

    /// The connection could not be opened, or broke.
    static func lost(_ connection: OpaquePointer, sql: String?) -> DatabaseError {
        DatabaseError(engine: .postgres, kind: .connection, code: "08006", message: lastMessage(connection), sql: sql)
    }

    static func connectFailed(_ connection: OpaquePointer?, target: String) -> DatabaseError {
        let reason = connection.map(lastMessage) ?? "out of memory"
        return DatabaseError(
            engine: .postgres, kind: .connection, code: "08001", message: "cannot connect to \(target): \(reason)")
    }

    static func usage(_ message: String, sql: String? = nil) -> DatabaseError {
        DatabaseError(engine: .postgres, kind: .usage, code: "08P01", message: message, sql: sql)
    }

    /// The connection, or the connection of a statement, was used after ``PostgresConnection/close()``
    /// (SQLSTATE 08003, connection_does_not_exist).
    static func closed(sql: String?) -> DatabaseError {
        DatabaseError(engine: .postgres, kind: .usage, code: "08003", message: "the connection is closed", sql: sql)
    }

    private static func lastMessage(_ connection: OpaquePointer) -> String {
        trimmed(PQerrorMessage(connection).map { String(cString: $0) } ?? "unknown error")
    }

    private static func trimmed(_ message: String) -> String {
        var m = Substring(message)
        while let last = m.last, last.isWhitespace { m = m.dropLast() }
        return String(m)
    }
}
