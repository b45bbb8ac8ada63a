internal import CSQLite
import TidemarkDatabase

/// Deterministic SQL functions every Tidemark SQLite connection has, so checksums computed inside SQLite match
/// those PostgreSQL computes with its own built-ins:
///
/// - `tidemark_md5(text)`: the hex MD5 of the UTF-8 text, like PostgreSQL's `md5()`.
/// - `tidemark_hash56(text)`: the first 56 bits of that digest as an integer, like
///   `('x' || substr(md5(t), 1, 14))::bit(56)::bigint`.
/// - `tidemark_timestamp_micros(text)`: a stored timestamp as microseconds since 1970, like
///   `(extract(epoch from ts) * 1000000)::bigint`; text that is not a timestamp stays as it is.
/// - `tidemark_float_bits(real)`: the IEEE 754 bit pattern as 16 hex digits, like
///   `encode(float8send(x + 0.0), 'hex')` (-0.0 as 0.0).
enum SQLiteFunctions {
    static func register(on db: OpaquePointer) throws {
        let flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC
        for (name, arity, function) in [("tidemark_md5", Int32(1), md5), ("tidemark_hash56", 1, hash56),
                                        ("tidemark_float_bits", 1, floatBits), ("tidemark_timestamp_micros", 1, micros)] {
            let code = sqlite3_create_function_v2(db, name, arity, flags, nil, function, nil, nil, nil)
            guard code == SQLITE_OK else { throw SQLiteErrors.statement(code, db: db, sql: nil) }
        }
    }

    private static func textBytes(_ value: OpaquePointer?) -> [UInt8]? {
        guard let value, sqlite3_value_type(value) != SQLITE_NULL else { return nil }
        let pointer = sqlite3_value_text(value)
        let count = Int(sqlite3_value_bytes(value))
        guard let pointer, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    private static let md5: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        context, _, arguments in
        guard let bytes = textBytes(arguments?[0]) else { return sqlite3_result_null(context) }
        sqlite3_result_text(context, MD5.hex(bytes), -1, SQLITE_TRANSIENT)
    }

    private static let hash56: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        context, _, arguments in
        guard let bytes = textBytes(arguments?[0]) else { return sqlite3_result_null(context) }
        let digest = MD5.digest(bytes)
        let value = digest.prefix(7).reduce(Int64(0)) { $0 << 8 | Int64($1) }
        sqlite3_result_int64(context, value)
    }

    private static let micros: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        context, _, arguments in
        guard let value = arguments?[0], sqlite3_value_type(value) != SQLITE_NULL else { return sqlite3_result_null(context) }
        guard let bytes = textBytes(value) else { return sqlite3_result_null(context) }
        let text = String(decoding: bytes, as: UTF8.self)
        if let timestamp = LocalTimestamp(text) {
            sqlite3_result_int64(context, timestamp.microsecondsSinceEpoch)
        } else {
            sqlite3_result_text(context, text, -1, SQLITE_TRANSIENT)
        }
    }

    private static let floatBits: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        context, _, arguments in
        guard let value = arguments?[0], sqlite3_value_type(value) != SQLITE_NULL else { return sqlite3_result_null(context) }
        let number = sqlite3_value_double(value)
        let bits = String((number == 0 ? 0.0 : number).bitPattern, radix: 16)  // -0.0 counts as 0.0
        sqlite3_result_text(context, String(repeating: "0", count: 16 - bits.count) + bits, -1, SQLITE_TRANSIENT)
    }

}
