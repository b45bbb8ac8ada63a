internal import CSQLite
import TidemarkDatabase

/// Deterministic SQL functions every Tidemark SQLite connection has, so checksums computed inside SQLite match
/// those PostgreSQL computes with its own built-ins:
///
/// - `tidemark_text_hash(text)`: PostgreSQL's `hashtextextended(text, 0)` (see `TextHash`).
/// - `tidemark_row_text(kinds, v1, …, vn)`: the row as PostgreSQL's `ROW(v1, …, vn)::text` spells it (see
///   `SQLiteDialect`); `kinds` has one ``RowTextKind`` letter per value. `tidemark_row_hash` takes the same
///   arguments and returns the text's `tidemark_text_hash`, in one call.
/// - `tidemark_timestamp_micros(text)`: a stored timestamp as microseconds since 1970, like
///   `(extract(epoch from ts) * 1000000)::bigint`; text that is not a timestamp stays as it is.
/// - `tidemark_float_bits(real)`: the IEEE 754 bit pattern as 16 hex digits, like
///   `encode(float8send(x + 0.0), 'hex')` (-0.0 as 0.0).
enum SQLiteFunctions {
    static func register(on db: OpaquePointer) throws {
        let flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC
        for (name, arity, function) in [("tidemark_text_hash", Int32(1), textHash),
                                        ("tidemark_float_bits", 1, floatBits), ("tidemark_timestamp_micros", 1, micros),
                                        ("tidemark_row_text", -1, rowText), ("tidemark_row_hash", -1, rowHash)] {
            let code = sqlite3_create_function_v2(db, name, arity, flags, nil, function, nil, nil, nil)
            guard code == SQLITE_OK else { throw SQLiteErrors.statement(code, db: db, sql: nil) }
        }
    }

    /// A value's text as SQLite holds it, valid until the next call on the same value.
    private static func text(_ value: OpaquePointer) -> UnsafeRawBufferPointer {
        let pointer = sqlite3_value_text(value)
        return UnsafeRawBufferPointer(start: pointer, count: pointer == nil ? 0 : Int(sqlite3_value_bytes(value)))
    }

    private static func isNull(_ value: OpaquePointer?) -> Bool { value == nil || sqlite3_value_type(value) == SQLITE_NULL }

    private static let textHash: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        context, _, arguments in
        guard let value = arguments?[0], !isNull(value) else { return sqlite3_result_null(context) }
        sqlite3_result_int64(context, TextHash.hash(text(value)))
    }

    private static let rowText: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        context, count, arguments in
        guard let arguments, let bytes = recordText(count, arguments) else { return sqlite3_result_null(context) }
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                sqlite3_result_text(context, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT)
            }
        }
    }

    private static let rowHash: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        context, count, arguments in
        guard let arguments, let bytes = recordText(count, arguments) else { return sqlite3_result_null(context) }
        sqlite3_result_int64(context, bytes.withUnsafeBytes(TextHash.hash))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The row as PostgreSQL's record output spells it: `(v1,v2,…)`, NULL as nothing, and a value in double quotes
    /// (with `"` and `\` doubled) when it is empty or holds `"` `\` `(` `)` `,` or white space. Called once per
    /// row while verifying, so values are rendered straight from SQLite's buffers.
    private static func recordText(_ count: Int32, _ arguments: UnsafeMutablePointer<OpaquePointer?>) -> [UInt8]? {
        guard count >= 1, let kindsValue = arguments[0], !isNull(kindsValue) else { return nil }
        let kinds = text(kindsValue)  // valid through the call: the kinds value is not read again
        guard kinds.count == Int(count) - 1 else { return nil }
        var out: [UInt8] = [UInt8(ascii: "(")]
        out.reserveCapacity(512)
        for (index, kind) in kinds.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            guard let value = arguments[index + 1], !isNull(value) else { continue }
            switch RowTextKind(rawValue: kind) {
            case .integer where sqlite3_value_type(value) == SQLITE_INTEGER:
                appendDecimal(sqlite3_value_int64(value), to: &out)
            case .boolean:
                out.append(sqlite3_value_double(value) != 0 ? UInt8(ascii: "t") : UInt8(ascii: "f"))
            case .double:
                let number = sqlite3_value_double(value)
                let bits = (number == 0 ? 0.0 : number).bitPattern  // -0.0 counts as 0.0
                for shift in stride(from: 60, through: 0, by: -4) { out.append(hexDigits[Int((bits >> UInt64(shift)) & 0xf)]) }
            case .bytes:
                // bytea's hex output `\x…`, quoted for its backslash, which is doubled.
                out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")])
                let length = Int(sqlite3_value_bytes(value))
                if length > 0, let blob = sqlite3_value_blob(value) {
                    for byte in UnsafeRawBufferPointer(start: blob, count: length) {
                        out.append(hexDigits[Int(byte >> 4)])
                        out.append(hexDigits[Int(byte & 0x0f)])
                    }
                }
                out.append(UInt8(ascii: "\""))
            case .timestamp:
                let stored = text(value)
                if let timestamp = LocalTimestamp.parse(stored.assumingMemoryBound(to: UInt8.self)) {
                    appendTimestamp(timestamp, to: &out)
                } else {
                    appendQuoted(stored, to: &out)
                }
            default:
                appendQuoted(text(value), to: &out)
            }
        }
        out.append(UInt8(ascii: ")"))
        return out
    }

    /// A record field, quoted when PostgreSQL's record output would quote it.
    private static func appendQuoted(_ value: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let needsQuotes = value.isEmpty || value.contains { byte in
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","),
                 UInt8(ascii: " "), 0x09...0x0D: return true
            default: return false
            }
        }
        guard needsQuotes else { return out.append(contentsOf: value) }
        out.append(UInt8(ascii: "\""))
        for byte in value {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(byte) }
            out.append(byte)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends `n` in decimal, with a leading `-` when negative.
    private static func appendDecimal(_ n: Int64, to bytes: inout [UInt8]) {
        if n < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = n.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(48 + magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
    }

    /// `"YYYY-MM-DD HH:MM:SS[.f…]"` as PostgreSQL prints a timestamp (fraction without trailing zeros), quoted
    /// for its space.
    private static func appendTimestamp(_ timestamp: LocalTimestamp, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        timestamp.append(to: &out, trimmingFractionZeros: true)
        out.append(UInt8(ascii: "\""))
    }

    private static let micros: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        context, _, arguments in
        guard let value = arguments?[0], !isNull(value) else { return sqlite3_result_null(context) }
        let stored = text(value)
        if let timestamp = LocalTimestamp.parse(stored.assumingMemoryBound(to: UInt8.self)) {
            sqlite3_result_int64(context, timestamp.microsecondsSinceEpoch)
        } else {
            sqlite3_result_text(context, String(decoding: stored, as: UTF8.self), -1, SQLITE_TRANSIENT)
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
