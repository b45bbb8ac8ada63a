internal import CMariaDB
import TidemarkDatabase

/// One server-side prepared statement (`MYSQL_STMT`). Values travel in the binary protocol both ways, so nothing
/// is ever spliced into SQL and numbers, dates and timestamps arrive without a text round trip.
///
/// Rows are fetched unbuffered (`mysql_stmt_fetch` without `mysql_stmt_store_result`): the client holds one row
/// at a time, and the connection is busy until the result is read or freed.
final class MySQLStatement: PreparedStatement {
    /// Shared with the connection instead of a reference to it (see ``MySQLHandle``).
    private let connection: MySQLHandle
    private let stmt: UnsafeMutablePointer<MYSQL_STMT>
    let sql: String
    private let parameterCount: Int

    init(connection: MySQLHandle, sql: String) throws {
        let mysql = try connection.handle(for: sql)
        guard let stmt = mysql_stmt_init(mysql) else { throw MySQLErrors.server(mysql, sql: sql) }
        var utf8 = Array(sql.utf8)
        let failed = utf8.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { mysql_stmt_prepare(stmt, $0.baseAddress, UInt($0.count)) != 0 }
        }
        if failed {
            let error = MySQLErrors.statement(stmt, sql: sql)
            mysql_stmt_close(stmt)
            throw error
        }
        self.connection = connection
        self.stmt = stmt
        self.sql = sql
        self.parameterCount = Int(mysql_stmt_param_count(stmt))
    }

    deinit { connection.release(stmt) }

    func execute(_ parameters: [Value]) throws -> Int {
        try run(parameters) { _ in }
    }

    func query(_ parameters: [Value]) throws -> [Row] {
        var rows: [Row] = []
        try run(parameters) { rows.append($0) }
        return rows
    }

    /// Executes, hands each row to `onRow` as it is fetched, and frees the result — also when `onRow` throws,
    /// which reads and drops the rows left. Returns the affected rows of a statement without a result.
    @discardableResult
    func run(_ parameters: [Value], onRow: (Row) throws -> Void) throws -> Int {
        _ = try connection.handle(for: sql)
        guard parameters.count == parameterCount else {
            throw MySQLErrors.usage("statement expects \(parameterCount) parameters, \(parameters.count) given",
                                    sql: sql)
        }
        defer { mysql_stmt_free_result(stmt) }
        let executed = withBoundParameters(parameters) { binds in
            if let binds, mysql_stmt_bind_param(stmt, binds) != 0 { return false }
            return mysql_stmt_execute(stmt) == 0
        }
        guard executed else { throw MySQLErrors.statement(stmt, sql: sql) }
        guard mysql_stmt_field_count(stmt) > 0 else { return Int(mysql_stmt_affected_rows(stmt)) }

        let result = try ResultBuffers(stmt, sql: sql)
        while true {
            switch mysql_stmt_fetch(stmt) {
            case 0, MYSQL_DATA_TRUNCATED: try onRow(try result.currentRow(stmt, sql: sql))
            case MYSQL_NO_DATA: return 0
            default: throw MySQLErrors.statement(stmt, sql: sql)
            }
        }
    }
}

// MARK: - Parameters

/// Binds `parameters` in MySQL's binary types for the duration of `body`, which gets the bind array (nil when
/// there is none). The buffers are freed afterwards: `mysql_stmt_execute` sends them, and nothing keeps them.
private func withBoundParameters<T>(_ parameters: [Value],
                                    _ body: (UnsafeMutablePointer<MYSQL_BIND>?) throws -> T) rethrows -> T {
    guard !parameters.isEmpty else { return try body(nil) }
    let binds = UnsafeMutablePointer<MYSQL_BIND>.allocate(capacity: parameters.count)
    binds.initialize(repeating: MYSQL_BIND(), count: parameters.count)
    var allocations: [UnsafeMutableRawPointer] = []
    defer {
        allocations.forEach { $0.deallocate() }
        binds.deallocate()
    }
    /// Copies a fixed-size value into memory that lives through `body`.
    func store<V>(_ value: V) -> UnsafeMutableRawPointer {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<V>.size, alignment: 16)
        memory.storeBytes(of: value, as: V.self)
        allocations.append(memory)
        return memory
    }
    /// Copies bytes, with their length, into memory that lives through `body`.
    func bindBytes(_ bytes: some Collection<UInt8>, as type: enum_field_types, at index: Int) {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        memory.copyMemory(from: Array(bytes), byteCount: bytes.count)
        allocations.append(memory)
        binds[index].buffer_type = type
        binds[index].buffer = memory
        binds[index].buffer_length = UInt(bytes.count)
        binds[index].length = store(UInt(bytes.count)).assumingMemoryBound(to: UInt.self)
    }
    for (index, value) in parameters.enumerated() {
        switch value {
        case .null:
            binds[index].buffer_type = MYSQL_TYPE_NULL
        case .integer(let v):
            binds[index].buffer_type = MYSQL_TYPE_LONGLONG
            binds[index].buffer = store(v)
        case .boolean(let b):
            binds[index].buffer_type = MYSQL_TYPE_TINY
            binds[index].buffer = store(Int8(b ? 1 : 0))
        case .double(let v):
            binds[index].buffer_type = MYSQL_TYPE_DOUBLE
            binds[index].buffer = store(v)
        case .decimal(let d): bindBytes(d.description.utf8, as: MYSQL_TYPE_NEWDECIMAL, at: index)
        case .text(let s): bindBytes(s.utf8, as: MYSQL_TYPE_STRING, at: index)
        case .bytes(let b): bindBytes(b, as: MYSQL_TYPE_BLOB, at: index)
        case .date(let d):
            binds[index].buffer_type = MYSQL_TYPE_DATE
            binds[index].buffer = store(mysqlTime(d, type: MYSQL_TIMESTAMP_DATE))
        case .timestamp(let t):
            binds[index].buffer_type = MYSQL_TYPE_DATETIME
            var time = mysqlTime(t.date, type: MYSQL_TIMESTAMP_DATETIME)
            time.hour = UInt32(t.hour)
            time.minute = UInt32(t.minute)
            time.second = UInt32(t.second)
            time.second_part = UInt(t.microsecond)
            binds[index].buffer = store(time)
        }
    }
    return try body(binds)
}

private func mysqlTime(_ date: LocalDate, type: enum_mysql_timestamp_type) -> MYSQL_TIME {
    var time = MYSQL_TIME()
    time.year = UInt32(date.year)
    time.month = UInt32(date.month)
    time.day = UInt32(date.day)
    time.time_type = type
    return time
}

// MARK: - Results

/// How one result column is fetched and turned into a ``Value``.
private enum ColumnKind {
    /// Every integer type, fetched as 64 bits. `boolean` for `tinyint(1)`, MySQL's BOOLEAN.
    case integer(unsigned: Bool, boolean: Bool)
    case double
    case decimal
    case date
    case datetime
    /// TIME is a duration (negative, or over 24 hours): outside the value model, so kept as its text.
    case time
    case text
    case bytes

    init(_ field: MYSQL_FIELD) {
        switch field.type {
        case MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_INT24, MYSQL_TYPE_LONG, MYSQL_TYPE_LONGLONG,
             MYSQL_TYPE_YEAR:
            self = .integer(unsigned: field.flags & UInt32(UNSIGNED_FLAG) != 0,
                            boolean: field.type == MYSQL_TYPE_TINY && field.length == 1)
        case MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE: self = .double
        case MYSQL_TYPE_DECIMAL, MYSQL_TYPE_NEWDECIMAL: self = .decimal
        case MYSQL_TYPE_DATE, MYSQL_TYPE_NEWDATE: self = .date
        case MYSQL_TYPE_DATETIME, MYSQL_TYPE_TIMESTAMP: self = .datetime
        case MYSQL_TYPE_TIME: self = .time
        case MYSQL_TYPE_BIT: self = .bytes
        default: self = field.charsetnr == 63 ? .bytes : .text  // 63: the binary character set
        }
    }

    /// The C type libmariadb converts the column into.
    var bufferType: enum_field_types {
        switch self {
        case .integer: return MYSQL_TYPE_LONGLONG
        case .double: return MYSQL_TYPE_DOUBLE
        case .date: return MYSQL_TYPE_DATE
        case .datetime: return MYSQL_TYPE_DATETIME
        case .time: return MYSQL_TYPE_TIME
        case .decimal, .text: return MYSQL_TYPE_STRING
        case .bytes: return MYSQL_TYPE_BLOB
        }
    }

    var hasVariableLength: Bool {
        switch self {
        case .decimal, .text, .bytes: return true
        default: return false
        }
    }
}

/// The output buffers of one result: fixed-size ones for numbers and times, growable ones for strings, which a
/// longer value enlarges (re-fetching just that column), so memory follows the largest value seen.
private final class ResultBuffers {
    private let columns: ColumnNames
    private let kinds: [ColumnKind]
    private let binds: UnsafeMutablePointer<MYSQL_BIND>
    private let lengths: UnsafeMutablePointer<UInt>
    private let nulls: UnsafeMutablePointer<my_bool>
    private let errors: UnsafeMutablePointer<my_bool>
    private var buffers: [UnsafeMutableRawPointer]
    private var capacities: [Int]

    init(_ stmt: UnsafeMutablePointer<MYSQL_STMT>, sql: String) throws {
        guard let metadata = mysql_stmt_result_metadata(stmt) else { throw MySQLErrors.statement(stmt, sql: sql) }
        defer { mysql_free_result(metadata) }
        let count = Int(mysql_num_fields(metadata))
        let fields = UnsafeBufferPointer(start: mysql_fetch_fields(metadata), count: count)
        columns = ColumnNames(fields.map { String(cString: $0.name) })
        kinds = fields.map(ColumnKind.init)
        binds = .allocate(capacity: max(count, 1))
        binds.initialize(repeating: MYSQL_BIND(), count: max(count, 1))
        lengths = .allocate(capacity: max(count, 1))
        lengths.initialize(repeating: 0, count: max(count, 1))
        nulls = .allocate(capacity: max(count, 1))
        nulls.initialize(repeating: 0, count: max(count, 1))
        errors = .allocate(capacity: max(count, 1))
        errors.initialize(repeating: 0, count: max(count, 1))
        capacities = kinds.map { $0.hasVariableLength ? 256 : max(MemoryLayout<MYSQL_TIME>.size, 8) }
        buffers = capacities.map { UnsafeMutableRawPointer.allocate(byteCount: $0, alignment: 16) }
        for (index, kind) in kinds.enumerated() {
            binds[index].buffer_type = kind.bufferType
            if case .integer(let unsigned, _) = kind { binds[index].is_unsigned = unsigned ? 1 : 0 }
            binds[index].buffer = buffers[index]
            binds[index].buffer_length = UInt(capacities[index])
            binds[index].length = lengths + index
            binds[index].is_null = nulls + index
            binds[index].error = errors + index
        }
        guard mysql_stmt_bind_result(stmt, binds) == 0 else { throw MySQLErrors.statement(stmt, sql: sql) }
    }

    deinit {
        buffers.forEach { $0.deallocate() }
        binds.deallocate()
        lengths.deallocate()
        nulls.deallocate()
        errors.deallocate()
    }

    /// The row just fetched. A string longer than its buffer is fetched again into a larger one, which then
    /// stays bound for the rows that follow.
    func currentRow(_ stmt: UnsafeMutablePointer<MYSQL_STMT>, sql: String) throws -> Row {
        var rebind = false
        for index in kinds.indices where kinds[index].hasVariableLength && nulls[index] == 0
            && Int(lengths[index]) > capacities[index]
        {
            buffers[index].deallocate()
            capacities[index] = Int(lengths[index])
            buffers[index] = .allocate(byteCount: capacities[index], alignment: 16)
            binds[index].buffer = buffers[index]
            binds[index].buffer_length = UInt(capacities[index])
            guard mysql_stmt_fetch_column(stmt, binds + index, UInt32(index), 0) == 0 else {
                throw MySQLErrors.statement(stmt, sql: sql)
            }
            rebind = true
        }
        if rebind, mysql_stmt_bind_result(stmt, binds) != 0 { throw MySQLErrors.statement(stmt, sql: sql) }
        var values: [Value] = []
        values.reserveCapacity(kinds.count)
        for index in kinds.indices {
            values.append(nulls[index] != 0 ? .null : value(at: index))
        }
        return Row(columns: columns, values: values)
    }

    private func value(at index: Int) -> Value {
        let buffer = buffers[index]
        switch kinds[index] {
        case .integer(let unsigned, let boolean):
            let bits = buffer.load(as: Int64.self)
            if boolean, bits == 0 || bits == 1 { return .boolean(bits == 1) }
            // An unsigned BIGINT above 2^63 - 1 does not fit an integer: kept exact as a decimal.
            if unsigned, bits < 0 { return .decimal(ExactDecimal(String(UInt64(bitPattern: bits)))!) }
            return .integer(bits)
        case .double:
            return .double(buffer.load(as: Double.self))
        case .date:
            return decodeDate(buffer.load(as: MYSQL_TIME.self))
        case .datetime:
            return decodeDateTime(buffer.load(as: MYSQL_TIME.self))
        case .time:
            return .text(timeText(buffer.load(as: MYSQL_TIME.self)))
        case .decimal, .text, .bytes:
            let bytes = UnsafeBufferPointer(start: buffer.assumingMemoryBound(to: UInt8.self),
                                            count: Int(lengths[index]))
            switch kinds[index] {
            case .decimal:
                return ExactDecimal(utf8: bytes).map(Value.decimal) ?? .text(String(decoding: bytes, as: UTF8.self))
            case .bytes: return .bytes(Array(bytes))
            default: return .text(String(decoding: bytes, as: UTF8.self))
            }
        }
    }
}

// MARK: - Dates

/// A DATE. MySQL's zero date `0000-00-00` is Open Dental's "no date": it becomes the sentinel `0001-01-01`
/// (``LocalTimestamp/zeroDate``), as it does in the analytics copy. A date with only some parts zero
/// (`2020-00-00`, allowed without NO_ZERO_IN_DATE) is no calendar date: it stays text, so nothing is invented.
private func decodeDate(_ time: MYSQL_TIME) -> Value {
    if time.year == 0, time.month == 0, time.day == 0 { return .date(LocalTimestamp.zeroDate.date) }
    guard time.month != 0, time.day != 0 else { return .text(dateText(time)) }
    return .date(LocalDate(year: Int(time.year), month: Int(time.month), day: Int(time.day)))
}

/// A DATETIME or TIMESTAMP (the session is in UTC), to the microsecond; zero dates as in ``decodeDate(_:)``.
private func decodeDateTime(_ time: MYSQL_TIME) -> Value {
    guard case .date(let date) = decodeDate(time) else {
        return .text(dateText(time) + " " + timeText(time))
    }
    return .timestamp(LocalTimestamp(date: date, hour: Int(time.hour), minute: Int(time.minute),
                                     second: Int(time.second), microsecond: Int(time.second_part)))
}

private func dateText(_ time: MYSQL_TIME) -> String {
    padded(time.year, 4) + "-" + padded(time.month, 2) + "-" + padded(time.day, 2)
}

/// `[-]HH:MM:SS[.ffffff]`, hours past 24 as they are.
private func timeText(_ time: MYSQL_TIME) -> String {
    var text = (time.neg != 0 ? "-" : "") + padded(time.hour, 2) + ":" + padded(time.minute, 2) + ":"
        + padded(time.second, 2)
    if time.second_part != 0 { text += "." + padded(UInt32(time.second_part), 6) }
    return text
}

private func padded(_ n: UInt32, _ width: Int) -> String {
    let digits = String(n)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}
