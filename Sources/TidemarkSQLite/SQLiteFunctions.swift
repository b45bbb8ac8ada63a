internal import CSQLite
import TidemarkDatabase

/// Deterministic SQL functions every Tidemark SQLite connection has, so checksums computed inside SQLite match
/// those PostgreSQL computes with its own built-ins:
///
/// - `tidemark_md5(text)`: the hex MD5 of the UTF-8 text, like PostgreSQL's `md5()`.
/// - `tidemark_hash_part(text, n)`: bits 28·n … 28·n+27 of that digest as an integer (n = 0 or 1), small
///   enough that summing them over billions of rows cannot overflow.
/// - `tidemark_float_bits(real)`: the IEEE 754 bit pattern as 16 hex digits, like
///   `encode(float8send(x + 0.0), 'hex')` (-0.0 as 0.0).
enum SQLiteFunctions {
    static func register(on db: OpaquePointer) throws {
        let flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC
        for (name, arity, function) in [("tidemark_md5", Int32(1), md5), ("tidemark_hash_part", 2, hashPart),
                                        ("tidemark_float_bits", 1, floatBits)] {
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

    private static let hashPart: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        context, _, arguments in
        guard let bytes = textBytes(arguments?[0]) else { return sqlite3_result_null(context) }
        let part = Int(sqlite3_value_int64(arguments![1]))
        sqlite3_result_int64(context, Int64(hashPart(of: MD5.digest(bytes), part: part)))
    }

    private static let floatBits: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        context, _, arguments in
        guard let value = arguments?[0], sqlite3_value_type(value) != SQLITE_NULL else { return sqlite3_result_null(context) }
        let number = sqlite3_value_double(value)
        let bits = String((number == 0 ? 0.0 : number).bitPattern, radix: 16)  // -0.0 counts as 0.0
        sqlite3_result_text(context, String(repeating: "0", count: 16 - bits.count) + bits, -1, SQLITE_TRANSIENT)
    }

    /// 28 bits of the digest, counted from its first hex digit: the same slice PostgreSQL takes with
    /// `('x' || substr(md5(t), 1 + 7n, 7))::bit(28)::int`.
    static func hashPart(of digest: [UInt8], part: Int) -> Int {
        var nibbles: [Int] = []
        for byte in digest { nibbles.append(Int(byte >> 4)); nibbles.append(Int(byte & 0x0f)) }
        let start = 7 * max(0, min(part, 3))
        return nibbles[start..<(start + 7)].reduce(0) { $0 << 4 | $1 }
    }
}
