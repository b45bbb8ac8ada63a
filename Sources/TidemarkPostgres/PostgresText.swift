import TidemarkDatabase

/// A value in PostgreSQL's text input form — what a quoted literal of its type would hold — the one rendering
/// behind bound parameters, COPY rows and array literals. Only text and bytea can hold bytes a surrounding
/// format must escape; they go through `escape`, which appends each byte as that format needs.
enum PostgresText {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends a non-NULL value.
    @inline(__always)
    static func append(_ value: Value, to out: inout [UInt8], escape: (UInt8, inout [UInt8]) -> Void) {
        switch value {
        case .null: break
        case .integer(let v): out.append(contentsOf: String(v).utf8)
        case .double(let v): out.append(contentsOf: PostgresSpelling.text(v).utf8)
        case .decimal(let d): out.append(contentsOf: d.description.utf8)
        case .boolean(let b): out.append(b ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        case .date(let d): out.append(contentsOf: d.description.utf8)
        case .timestamp(let t): t.append(to: &out)
        case .text(let s): for byte in s.utf8 { escape(byte, &out) }
        case .bytes(let bytes):
            // bytea's hex input, `\x…`.
            escape(UInt8(ascii: "\\"), &out)
            out.append(UInt8(ascii: "x"))
            for b in bytes {
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 0x0f)])
            }
        }
    }

    /// The value's text with nothing escaped (a bound parameter in text format).
    static func plain(_ value: Value) -> [UInt8] {
        var out: [UInt8] = []
        append(value, to: &out) { byte, out in out.append(byte) }
        return out
    }

    /// PostgreSQL's array input syntax, `{"v1","v2",NULL,…}`: every element quoted, `"` and `\` escaped.
    static func arrayLiteral(_ values: some Sequence<Value>) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        for value in values {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            if value.isNull {
                out.append(contentsOf: "NULL".utf8)
                continue
            }
            out.append(UInt8(ascii: "\""))
            append(value, to: &out) { byte, out in
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(byte)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
