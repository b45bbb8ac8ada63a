internal import CSQLite
import TidemarkDatabase

/// One prepared SQLite statement (`sqlite3_stmt`), finalized in `deinit`, or by its connection's `close()`.
///
/// Column names and the decoding rule of each column are worked out once, at prepare time.
public final class SQLiteStatement: PreparedStatement {
    /// Shared with the connection instead of a reference to it (see ``SQLiteHandle``).
    private let database: SQLiteHandle
    let handle: OpaquePointer
    let sql: String
    private let parameterCount: Int
    let columns: ColumnNames
    private let decoders: [DeclaredKind]

    init(connection: SQLiteConnection, sql: String, persistent: Bool) throws {
        self.database = connection.database
        self.sql = sql
        let db = try database.handle(for: sql)
        var statement: OpaquePointer?
        var hasMore = false
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sql.withCString { text in
            var tail: UnsafePointer<CChar>?
            let code = sqlite3_prepare_v3(db, text, -1, flags, &statement, &tail)
            // The tail points into this temporary C string: read it here, not after.
            hasMore = tail.map { !String(cString: $0).trimmingSemicolons().isEmpty } ?? false
            return code
        }
        guard code == SQLITE_OK, let statement else {
            throw SQLiteErrors.statement(code, db: db, sql: sql)
        }
        if hasMore {
            sqlite3_finalize(statement)
            throw SQLiteErrors.usage("prepare takes exactly one statement", sql: sql)
        }
        self.handle = statement
        self.parameterCount = Int(sqlite3_bind_parameter_count(statement))
        let count = Int(sqlite3_column_count(statement))
        self.columns = ColumnNames((0..<count).map { String(cString: sqlite3_column_name(statement, Int32($0))) })
        self.decoders = (0..<count).map { DeclaredKind(sqlite3_column_decltype(statement, Int32($0))) }
    }

    deinit {
        // A closed connection has finalized it already.
        if database.isOpen { sqlite3_finalize(handle) }
    }

    public func execute(_ parameters: [Value]) throws -> Int {
        let db = try database.handle(for: sql)
        let before = sqlite3_total_changes64(db)
        try run(parameters) { _ in }
        return Int(sqlite3_total_changes64(db) - before)
    }

    public func query(_ parameters: [Value]) throws -> [Row] {
        var rows: [Row] = []
        try run(parameters) { rows.append($0.currentRow()) }
        return rows
    }

    /// Binds, steps to the end calling `onRow` for each row, and resets — also when `onRow` throws.
    func run(_ parameters: [Value], onRow: (SQLiteStatement) throws -> Void) throws {
        let db = try database.handle(for: sql)
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        try bind(parameters, db: db)
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_ROW {
                try onRow(self)
            } else if code == SQLITE_DONE {
                return
            } else {
                throw SQLiteErrors.statement(code, db: db, sql: sql)
            }
        }
    }

    private func bind(_ parameters: [Value], db: OpaquePointer) throws {
        guard parameters.count == parameterCount else {
            throw SQLiteErrors.usage(
                "statement expects \(parameterCount) parameters, \(parameters.count) given", sql: sql)
        }
        for (offset, value) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let v): code = sqlite3_bind_int64(handle, index, v)
            case .boolean(let b): code = sqlite3_bind_int64(handle, index, b ? 1 : 0)
            // SQLite stores a NaN as NULL: it is kept as PostgreSQL's spelling, which a double column reads back.
            case .double(let v) where v.isNaN: code = bindText("NaN", at: index)
            case .double(let v): code = sqlite3_bind_double(handle, index, v)
            case .decimal(let d): code = bindText(d.description, at: index)
            case .text(let s): code = bindText(s, at: index)
            case .date(let d): code = bindText(d.description, at: index)
            case .timestamp(let t): code = bindText(t.description, at: index)
            case .bytes(let bytes):
                if bytes.isEmpty {
                    // A nil pointer would bind NULL; an empty blob must stay an empty blob.
                    code = sqlite3_bind_zeroblob(handle, index, 0)
                } else {
                    code = bytes.withUnsafeBytes {
                        sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT)
                    }
                }
            }
            guard code == SQLITE_OK else { throw SQLiteErrors.statement(code, db: db, sql: sql) }
        }
    }

    private func bindText(_ text: String, at index: Int32) -> Int32 {
        var text = text
        return text.withUTF8 { buffer in
            // withUTF8 may hand an empty buffer with a nil base address; SQLite needs a pointer for ''.
            guard let base = buffer.baseAddress else {
                return sqlite3_bind_text(handle, index, "", 0, SQLITE_TRANSIENT)
            }
            return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                sqlite3_bind_text(handle, index, $0, Int32(buffer.count), SQLITE_TRANSIENT)
            }
        }
    }

    /// The row the statement is positioned on.
    func currentRow() -> Row {
        var values: [Value] = []
        values.reserveCapacity(decoders.count)
        for i in 0..<decoders.count { values.append(value(at: Int32(i))) }
        return Row(columns: columns, values: values)
    }

    private func value(at index: Int32) -> Value {
        let kind = decoders[Int(index)]
        switch sqlite3_column_type(handle, index) {
        case SQLITE_NULL:
            return .null
        case SQLITE_INTEGER:
            let v = sqlite3_column_int64(handle, index)
            switch kind {
            case .boolean: return .boolean(v != 0)
            case .decimal: return .decimal(ExactDecimal(v))
            default: return .integer(v)
            }
        case SQLITE_FLOAT:
            let v = sqlite3_column_double(handle, index)
            if kind == .decimal, let d = ExactDecimal(String(v)) { return .decimal(d) }
            return .double(v)
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard count > 0, let pointer = sqlite3_column_blob(handle, index) else { return .bytes([]) }
            return .bytes(Array(UnsafeRawBufferPointer(start: pointer, count: count)))
        default:
            let count = Int(sqlite3_column_bytes(handle, index))
            let bytes = UnsafeBufferPointer(start: count > 0 ? sqlite3_column_text(handle, index) : nil, count: count)
            // Typed columns parse straight from SQLite's buffer; a value the declared type cannot read stays
            // text, so nothing is lost or invented.
            let typed: Value? = switch kind {
            case .decimal: ExactDecimal(utf8: bytes).map(Value.decimal)
            case .timestamp: LocalTimestamp.parse(bytes).map(Value.timestamp)
            case .date: LocalDate.parse(bytes).map(Value.date)
            default: nil
            }
            return typed ?? .text(String(decoding: bytes, as: UTF8.self))
        }
    }
}

/// How a column's declared type steers decoding of what SQLite stored (SQLite types values, not columns).
enum DeclaredKind: Equatable {
    case boolean, decimal, date, timestamp, other

    init(_ declared: UnsafePointer<CChar>?) {
        guard let declared else {
            self = .other
            return
        }
        switch SQLiteDialect().columnType(declared: String(cString: declared)) {
        case .boolean: self = .boolean
        case .numeric: self = .decimal
        case .date: self = .date
        case .timestamp, .timestampWithTimeZone: self = .timestamp
        default: self = .other
        }
    }
}

extension String {
    func trimmingSemicolons() -> String {
        String(filter { !$0.isWhitespace && $0 != ";" })
    }
}
