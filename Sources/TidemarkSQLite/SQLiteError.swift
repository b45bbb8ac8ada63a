internal import CSQLite
import TidemarkDatabase

/// Every SQLite error is built here, from the connection's last error.
enum SQLiteErrors {
    /// `code` is the result code a call returned; the extended code and message are read from the handle.
    static func statement(_ code: Int32, db: OpaquePointer?, sql: String?) -> DatabaseError {
        let extended = db.map { sqlite3_extended_errcode($0) } ?? code
        let message = db.flatMap { sqlite3_errmsg($0).map { String(cString: $0) } }
            ?? String(cString: sqlite3_errstr(code))
        let kind: DatabaseError.Kind = (code == SQLITE_CANTOPEN || code == SQLITE_NOTADB) ? .connection : .statement
        return DatabaseError(engine: .sqlite, kind: kind, code: String(extended), message: message, sql: sql)
    }

    static func usage(_ message: String, sql: String? = nil) -> DatabaseError {
        DatabaseError(engine: .sqlite, kind: .usage, code: String(SQLITE_MISUSE), message: message, sql: sql)
    }

    /// The connection, or the connection of a statement, was used after ``SQLiteConnection/close()``.
    static func closed(sql: String?) -> DatabaseError {
        usage("the connection is closed", sql: sql)
    }
}

/// `SQLITE_TRANSIENT` is a cast macro Swift cannot import: SQLite copies the bound bytes.
let SQLITE_TRANSIENT = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
