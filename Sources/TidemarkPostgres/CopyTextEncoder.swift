import TidemarkDatabase

/// Renders rows in COPY's text format: tab between fields, newline after each row, `\N` for NULL, and
/// backslash escapes for backslash, tab, newline and carriage return, so any text survives (an empty string
/// is an empty field, distinct from NULL).
public struct CopyTextEncoder: Sendable {
    public var buffer: [UInt8] = []

    public init() { buffer.reserveCapacity(1 << 20 + 4096) }

    public mutating func append(_ row: [Value]) {
        for (i, value) in row.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: "\t")) }
            if value.isNull {
                buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
            } else {
                PostgresText.append(value, to: &buffer, escape: Self.escape)
            }
        }
        buffer.append(UInt8(ascii: "\n"))
    }

    @inline(__always)
    private static func escape(_ byte: UInt8, _ out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        default: out.append(byte)
        }
    }
}
