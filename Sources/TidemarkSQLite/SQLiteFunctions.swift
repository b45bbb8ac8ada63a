internal import CSQLite
import TidemarkDatabase

/// Deterministic SQL functions every Tidemark SQLite connection has, so checksums computed inside SQLite match
/// those PostgreSQL computes with its own built-ins:
///
/// - `tidemark_text_hash(text)`: PostgreSQL's `hashtextextended(text, 0)` (see `TextHash`).
/// - `tidemark_row_text(kinds, v1, …, vn)`: the row as PostgreSQL's `ROW(v1, …, vn)::text` spells it (see
///   `SQLiteDialect`); `kinds` has one ``RowTextKind`` letter per value. `tidemark_row_hash` takes the same
///   arguments and returns the text's `tidemark_text_hash`, in one call; `tidemark_row_md5` its
///   ``RowHashFunction/md5`` instead.
/// - `tidemark_timestamp_micros(text)`: a stored timestamp as microseconds since 1970, like
///   `(extract(epoch from ts) * 1000000)::bigint`; text that is not a timestamp stays as it is.
/// - `tidemark_float_bits(real)`: the IEEE 754 bit pattern as 16 hex digits, like
///   `encode(float8send(x + 0.0), 'hex')` (-0.0 as 0.0).
enum SQLiteFunctions {
    static func register(on db: OpaquePointer) throws {
        let flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC
        for (name, arity, function) in [("tidemark_text_hash", Int32(1), textHash),
                                        ("tidemark_float_bits", 1, floatBits), ("tidemark_timestamp_micros", 1, micros),
                                        ("tidemark_row_text", -1, rowText), ("tidemark_row_hash", -1, rowHash),
                                        ("tidemark_row_md5", -1, rowMD5)] {
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
        hashRow($0, $1, $2, with: .lookup3)
    }

    private static let rowMD5: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        hashRow($0, $1, $2, with: .md5)
    }

    private static func hashRow(_ context: OpaquePointer?, _ count: Int32, _ arguments: UnsafeMutablePointer<OpaquePointer?>?,
                                with function: RowHashFunction) {
        guard let arguments, let bytes = recordText(count, arguments) else { return sqlite3_result_null(context) }
        sqlite3_result_int64(context, bytes.withUnsafeBytes(function.hash))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The row as PostgreSQL's record output spells it: `(v1,v2,…)`, NULL as nothing, each value as
    /// ``CanonicalText`` spells it for its column's type. Called once per row while verifying, so values stored in
    /// their canonical form are rendered straight from SQLite's buffers; any other storage variant is read as a
    /// ``Value`` and converted as the loader converts it, so both sides of a checksum agree.
    private static func recordText(_ count: Int32, _ arguments: UnsafeMutablePointer<OpaquePointer?>) -> [UInt8]? {
        guard count >= 1, let kindsValue = arguments[0], !isNull(kindsValue) else { return nil }
        // Read in place, once per row: a letter per column, a decimal's followed by its scale.
        let kinds = text(kindsValue)  // valid through the call: the kinds value is not read again
        var position = 0
        var index = 0
        var out: [UInt8] = [UInt8(ascii: "(")]
        out.reserveCapacity(512)
        while position < kinds.count {
            let kind = RowTextKind(rawValue: kinds[position]) ?? .text
            position += 1
            var scale: Int?
            while position < kinds.count, (48...57).contains(kinds[position]) {
                scale = (scale ?? 0) * 10 + Int(kinds[position] - 48)
                position += 1
            }
            guard index < Int(count) - 1 else { return nil }
            index += 1
            if index > 1 { out.append(UInt8(ascii: ",")) }
            guard let value = arguments[index], !isNull(value) else { continue }
            let storage = sqlite3_value_type(value)
            switch kind {
            case .integer where storage == SQLITE_INTEGER:
                appendDecimal(sqlite3_value_int64(value), to: &out)
            case .boolean where storage == SQLITE_INTEGER && (0...1).contains(sqlite3_value_int64(value)):
                out.append(sqlite3_value_int64(value) != 0 ? UInt8(ascii: "t") : UInt8(ascii: "f"))
            case .double where storage == SQLITE_FLOAT:
                CanonicalText.appendBits(sqlite3_value_double(value), to: &out)
            case .bytes where storage == SQLITE_BLOB:
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
            case .timestamp where storage == SQLITE_TEXT:
                if let timestamp = LocalTimestamp.parse(text(value).assumingMemoryBound(to: UInt8.self)) {
                    appendTimestamp(timestamp, to: &out)
                } else {
                    appendConverted(value, kind: kind, scale: scale, to: &out)
                }
            case .text where storage == SQLITE_TEXT:
                CanonicalText.appendQuoted(text(value), to: &out)
            case .decimal where storage == SQLITE_TEXT && isCanonicalDecimal(text(value), scale: scale):
                out.append(contentsOf: text(value))
            default:
                appendConverted(value, kind: kind, scale: scale, to: &out)
            }
        }
        guard index == Int(count) - 1 else { return nil }
        out.append(UInt8(ascii: ")"))
        return out
    }

    /// Whether stored decimal text already is its canonical spelling (what Tidemark writes): `-?digits[.digits]`
    /// without a superfluous leading zero or a negative zero, with exactly `scale` fraction digits when the
    /// column has a scale.
    private static func isCanonicalDecimal(_ text: UnsafeRawBufferPointer, scale: Int?) -> Bool {
        var i = 0
        let negative = i < text.count && text[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        let start = i
        while i < text.count, (48...57).contains(text[i]) { i += 1 }
        let wholeDigits = i - start
        guard wholeDigits > 0, wholeDigits == 1 || text[start] != UInt8(ascii: "0") else { return false }
        var fractionDigits = 0
        var allZero = wholeDigits == 1 && text[start] == UInt8(ascii: "0")
        if i < text.count {
            guard text[i] == UInt8(ascii: "."), i + 1 < text.count else { return false }
            i += 1
            while i < text.count, (48...57).contains(text[i]) {
                if text[i] != UInt8(ascii: "0") { allZero = false }
                fractionDigits += 1
                i += 1
            }
            guard i == text.count else { return false }
        }
        if negative && allZero { return false }
        return scale.map { $0 == fractionDigits } ?? true
    }

    /// A value stored in another form than its column's canonical one: converted to the column's type (see
    /// ``ColumnType/convert(_:)``) and spelled canonically; a value that does not convert is spelled as stored,
    /// so it cannot match one that does.
    private static func appendConverted(_ value: OpaquePointer, kind: RowTextKind, scale: Int?, to out: inout [UInt8]) {
        let stored = storedValue(value)
        let type = kind.columnType(scale: scale)
        switch type.convert(stored) {
        case .success(let converted): CanonicalText.appendField(converted, as: type, to: &out)
        case .failure: CanonicalText.appendField(.text(stored.description), as: .text, to: &out)
        }
    }

    /// The value as SQLite stored it.
    private static func storedValue(_ value: OpaquePointer) -> Value {
        switch sqlite3_value_type(value) {
        case SQLITE_INTEGER: return .integer(sqlite3_value_int64(value))
        case SQLITE_FLOAT: return .double(sqlite3_value_double(value))
        case SQLITE_BLOB:
            let length = Int(sqlite3_value_bytes(value))
            guard length > 0, let blob = sqlite3_value_blob(value) else { return .bytes([]) }
            return .bytes(Array(UnsafeRawBufferPointer(start: blob, count: length)))
        case SQLITE_NULL: return .null
        default: return .text(String(decoding: text(value), as: UTF8.self))
        }
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
        var bits: [UInt8] = []
        CanonicalText.appendBits(sqlite3_value_double(value), to: &bits)
        sqlite3_result_text(context, String(decoding: bits, as: UTF8.self), -1, SQLITE_TRANSIENT)
    }

}
