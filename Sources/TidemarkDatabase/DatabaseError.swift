/// The database engines Tidemark speaks to.
public enum Engine: String, Sendable, CaseIterable, Codable {
    case sqlite
    case postgres
    /// MySQL and MariaDB, through libmariadb. A source engine for now: nothing creates a target there yet.
    case mysql
}

/// An error raised by a driver.
///
/// `description` is safe to log: it carries the engine, the code, the server's message and the SQL text, but
/// never a bound parameter value or a password. Connection failures (`kind == .connection`) are kept apart from
/// errors of one statement (`kind == .statement`) so callers can tell "the server is gone" from "this SQL failed".
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Opening a connection failed, or an open connection was lost.
        case connection
        /// The engine rejected one statement (syntax, constraint, type, …).
        case statement
        /// The caller used the API wrongly (wrong number of parameters, a value the engine cannot hold, …).
        case usage
    }

    public let engine: Engine
    public let kind: Kind
    /// SQLite's extended result code as decimal text (e.g. `1555`), PostgreSQL's SQLSTATE (e.g. `23505`), or
    /// MySQL's error number as decimal text (e.g. `1062`).
    public let code: String
    /// The SQLSTATE where the engine reports one besides ``code`` (MySQL: `23000` for error 1062).
    public let sqlState: String?
    public let message: String
    public let detail: String?
    /// The SQL text, never with parameter values in it.
    public let sql: String?

    public init(engine: Engine, kind: Kind, code: String, sqlState: String? = nil, message: String,
                detail: String? = nil, sql: String? = nil) {
        self.engine = engine
        self.kind = kind
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.sql = sql
    }

    public var description: String {
        var text = "\(engine.rawValue) \(kind.rawValue) error \(code)"
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        text += ": \(message)"
        if let detail, !detail.isEmpty { text += " (\(detail))" }
        if let sql { text += " — SQL: \(sql.count > 500 ? String(sql.prefix(500)) + "…" : sql)" }
        return text
    }

    /// The code and the server's message (and detail), without the SQL: what a rejected row records.
    public var reason: String {
        var text = (sqlState.map { "\(code) (SQLSTATE \($0))" } ?? code) + ": " + message
        if let detail, !detail.isEmpty { text += " (\(detail))" }
        return text
    }

    /// A unique or primary-key constraint was violated (SQLSTATE 23505, SQLITE_CONSTRAINT_PRIMARYKEY/UNIQUE,
    /// MySQL ER_DUP_ENTRY).
    public var isUniqueViolation: Bool {
        switch engine {
        case .postgres: return code == "23505"
        case .sqlite: return code == "1555" || code == "2067"
        case .mysql: return code == "1062"
        }
    }

    /// The engine refused a value rather than the statement: a number out of range, text too long, an invalid
    /// date or encoding, a violated constraint (PostgreSQL SQLSTATE classes 22 and 23; SQLite's constraint, type
    /// mismatch and too-big results). Another row of the same batch may well be accepted.
    public var isDataError: Bool {
        switch engine {
        case .postgres, .mysql:
            let state = sqlState ?? code
            return state.hasPrefix("22") || state.hasPrefix("23")
        case .sqlite:
            guard let extended = Int(code) else { return false }
            return [18, 19, 20].contains(extended & 0xff)
        }
    }

    /// The statement named a table that does not exist.
    public var isUndefinedTable: Bool {
        switch engine {
        case .postgres: return code == "42P01"
        case .sqlite: return code == "1" && message.hasPrefix("no such table")
        case .mysql: return code == "1146"
        }
    }
}
