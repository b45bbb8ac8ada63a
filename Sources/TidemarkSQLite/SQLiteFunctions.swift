internal import CSQLite
import TidemarkDatabase

/// Deterministic SQL functions every Tidemark SQLite connection has, so checksums computed inside SQLite match
/// those PostgreSQL computes with its own built-ins:
///
/// - `tidemark_md5(text)`: the hex MD5 of the UTF-8 text, like PostgreSQL's `md5()`.
/// - `tidemark_row_hash(kinds, v1, …, vn)` and `tidemark_row_md5(kinds, v1, …, vn)`: the same 56-bit hash and
///   hex MD5 of a whole row's canonical text, built in Swift in one call instead of a long SQL expression
///   (`kinds` has one letter per value: i b d f x D T t, as `CanonicalRow` assigns them).
/// - `tidemark_timestamp_micros(text)`: a stored timestamp as microseconds since 1970, like
///   `(extract(epoch from ts) * 1000000)::bigint`; text that is not a timestamp stays as it is.
/// - `tidemark_float_bits(real)`: the IEEE 754 bit pattern as 16 hex digits, like
///   `encode(float8send(x + 0.0), 'hex')` (-0.0 as 0.0).
enum SQLiteFunctions {
    static func register(on db: OpaquePointer) throws {
        let flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC
        for (name, arity, function) in [("tidemark_md5", Int32(1), md5),
                                        ("tidemark_float_bits", 1, floatBits), ("tidemark_timestamp_micros", 1, micros),
                                        ("tidemark_row_hash", -1, rowHash), ("tidemark_row_md5", -1, rowMD5)] {
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

    private static let rowHash: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        context, count, arguments in
        guard let arguments, let bytes = canonicalRow(count, arguments) else { return sqlite3_result_null(context) }
        sqlite3_result_int64(context, MD5.digest(bytes).prefix(7).reduce(Int64(0)) { $0 << 8 | Int64($1) })
    }

    private static let rowMD5: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        context, count, arguments in
        guard let arguments, let bytes = canonicalRow(count, arguments) else { return sqlite3_result_null(context) }
        sqlite3_result_text(context, MD5.hex(bytes), -1, SQLITE_TRANSIENT)
    }

    /// The row's canonical text: per value `<length in characters>:<kind letter><rendering>`, or `1:N` for NULL —
    /// byte for byte what CanonicalRow's SQL builds in PostgreSQL.
    private static func canonicalRow(_ count: Int32, _ arguments: UnsafeMutablePointer<OpaquePointer?>) -> [UInt8]? {
        guard count >= 1, let kinds = textBytes(arguments[0]), kinds.count == Int(count) - 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(256)
        for (index, kind) in kinds.enumerated() {
            guard let value = arguments[index + 1], sqlite3_value_type(value) != SQLITE_NULL else {
                out.append(contentsOf: Array("1:N".utf8))
                continue
            }
            var piece: [UInt8] = [kind]
            switch kind {
            case UInt8(ascii: "b"):
                piece.append(sqlite3_value_double(value) != 0 ? UInt8(ascii: "1") : UInt8(ascii: "0"))
            case UInt8(ascii: "f"):
                let number = sqlite3_value_double(value)
                let bits = String((number == 0 ? 0.0 : number).bitPattern, radix: 16)
                piece.append(contentsOf: Array((String(repeating: "0", count: 16 - bits.count) + bits).utf8))
            case UInt8(ascii: "x"):
                let length = Int(sqlite3_value_bytes(value))
                let digits = Array("0123456789abcdef".utf8)
                if length > 0, let blob = sqlite3_value_blob(value) {
                    for byte in UnsafeRawBufferPointer(start: blob, count: length) {
                        piece.append(digits[Int(byte >> 4)])
                        piece.append(digits[Int(byte & 0x0f)])
                    }
                }
            case UInt8(ascii: "T"):
                let text = textBytes(value) ?? []
                let timestamp = text.withUnsafeBufferPointer { LocalTimestamp(String(decoding: $0, as: UTF8.self)) }
                if let timestamp {
                    piece.append(contentsOf: Array(String(timestamp.microsecondsSinceEpoch).utf8))
                } else {
                    piece.append(contentsOf: text)
                }
            default:
                piece.append(contentsOf: textBytes(value) ?? [])
            }
            // Characters as SQL's length() counts them: every byte that does not continue a UTF-8 sequence.
            let characters = piece.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
            out.append(contentsOf: Array(String(characters).utf8))
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: piece)
        }
        return out
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
