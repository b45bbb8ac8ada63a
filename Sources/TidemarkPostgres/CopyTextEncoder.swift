import TidemarkDatabase

/// Renders rows in COPY's text format: tab between fields, newline after each row, `\N` for NULL, and
/// backslash escapes for backslash, tab, newline and carriage return, so any text survives (an empty string
/// is an empty field, distinct from NULL). Bytes go as bytea hex (`\\x…`, the backslash itself escaped).
public struct CopyTextEncoder: Sendable {
    public var buffer: [UInt8] = []

    public init() { buffer.reserveCapacity(1 << 20 + 4096) }

    public mutating func append(_ row: [Value]) {
        for (i, value) in row.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: "\t")) }
            append(value)
        }
        buffer.append(UInt8(ascii: "\n"))
    }

    private mutating func append(_ value: Value) {
        switch value {
        case .null: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
        case .integer(let v): buffer.append(contentsOf: String(v).utf8)
        case .double(let v): buffer.append(contentsOf: postgresText(v).utf8)
        case .decimal(let d): buffer.append(contentsOf: d.description.utf8)
        case .boolean(let b): buffer.append(b ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        case .date(let d): buffer.append(contentsOf: d.description.utf8)
        case .timestamp(let t): buffer.append(contentsOf: t.description.utf8)
        case .text(let s): appendEscaped(s.utf8)
        case .bytes(let bytes):
            buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")])
            let digits = Array("0123456789abcdef".utf8)
            for b in bytes {
                buffer.append(digits[Int(b >> 4)])
                buffer.append(digits[Int(b & 0x0f)])
            }
        }
    }

    private mutating func appendEscaped(_ text: String.UTF8View) {
        for byte in text {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\t"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case UInt8(ascii: "\n"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            default: buffer.append(byte)
            }
        }
    }
}
