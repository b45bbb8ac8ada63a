internal import CMariaDB
import TidemarkDatabase

/// Every MySQL error is built here, with the server's (or libmariadb's) error number as the code and the
/// SQLSTATE beside it. libmariadb's messages name user and host, never the password.
enum MySQLErrors {
    /// The last error of a connection.
    static func server(_ mysql: UnsafeMutablePointer<MYSQL>, sql: String?) -> DatabaseError {
        make(number: mysql_errno(mysql), sqlState: String(cString: mysql_sqlstate(mysql)),
             message: String(cString: mysql_error(mysql)), sql: sql)
    }

    /// The last error of a prepared statement — or of its connection, where libmariadb records one there only
    /// (a command out of sync is set on the connection, the statement's number stays 0).
    static func statement(_ stmt: UnsafeMutablePointer<MYSQL_STMT>, sql: String?) -> DatabaseError {
        if mysql_stmt_errno(stmt) == 0, let mysql = stmt.pointee.mysql, mysql_errno(mysql) != 0 {
            return server(mysql, sql: sql)
        }
        return make(number: mysql_stmt_errno(stmt), sqlState: String(cString: mysql_stmt_sqlstate(stmt)),
                    message: String(cString: mysql_stmt_error(stmt)), sql: sql)
    }

    static func connectFailed(_ mysql: UnsafeMutablePointer<MYSQL>?, target: String) -> DatabaseError {
        let error = mysql.map { server($0, sql: nil) }
        return DatabaseError(
            engine: .mysql, kind: .connection, code: error?.code ?? String(CR_OUT_OF_MEMORY),
            sqlState: error?.sqlState ?? "HY000",
            message: "cannot connect to \(target): \(error?.message ?? "out of memory")")
    }

    static func usage(_ message: String, sql: String? = nil) -> DatabaseError {
        DatabaseError(engine: .mysql, kind: .usage, code: String(CR_UNKNOWN_ERROR), sqlState: "HY000",
                      message: message, sql: sql)
    }

    /// The connection, or the connection of a statement, was used after ``MySQLConnection/close()``
    /// (SQLSTATE 08003, connection_does_not_exist).
    static func closed(sql: String?) -> DatabaseError {
        DatabaseError(engine: .mysql, kind: .usage, code: String(CR_CONNECTION_ERROR), sqlState: "08003",
                      message: "the connection is closed", sql: sql)
    }

    /// Client errors 2000–2999 that mean the server is gone (CR_SERVER_GONE_ERROR, CR_SERVER_LOST, …) are
    /// connection errors; the rest, and every server error, belong to the statement.
    private static func make(number: UInt32, sqlState: String, message: String, sql: String?) -> DatabaseError {
        let lost: Set<Int32> = [CR_CONNECTION_ERROR, CR_CONN_HOST_ERROR, CR_SERVER_GONE_ERROR, CR_SERVER_LOST]
        let kind: DatabaseError.Kind = lost.contains(Int32(number)) ? .connection : .statement
        return DatabaseError(engine: .mysql, kind: kind, code: String(number), sqlState: sqlState, message: message,
                             sql: sql)
    }
}
