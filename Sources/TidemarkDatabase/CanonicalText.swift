/// One field of a row's canonical text, as PostgreSQL's record output (`ROW(…)::text`) spells a value of the
/// column's logical type: the spelling every engine's checksum agrees on. PostgreSQL computes it itself; engines
/// without a row-to-text cast (SQLite) call this for values not already stored in their canonical form.
public enum CanonicalText {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends the field for a value converted to `type` (see ``ColumnType/convert(_:)``); NULL appends nothing.
    public static func appendField(_ value: Value, as type: ColumnType, to out: inout [UInt8]) {
        var field: [UInt8] = []
        switch value {
        case .null: return
        case .integer(let i): field.append(contentsOf: String(i).utf8)
        case .boolean(let b): field.append(b ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        case .decimal(let d): field.append(contentsOf: d.description.utf8)
        case .double(let d): appendBits(d, to: &field)
        case .bytes(let bytes):
            field.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "x")])
            for byte in bytes {
                field.append(hexDigits[Int(byte >> 4)])
                field.append(hexDigits[Int(byte & 0x0f)])
            }
        case .date(let d): field.append(contentsOf: d.description.utf8)
        case .timestamp(let t):
            t.append(to: &field, trimmingFractionZeros: true)
            // An instant prints with its offset, and the session's zone is UTC.
            if type == .timestampWithTimeZone { field.append(contentsOf: "+00".utf8) }
        case .text(let s): field.append(contentsOf: s.utf8)
        }
        field.withUnsafeBytes { appendQuoted($0, to: &out) }
    }

    /// A double by its IEEE 754 bit pattern in 16 hex digits, as `encode(float8send(x + 0.0), 'hex')` spells it
    /// (-0.0 as 0.0: SQLite cannot store the sign of zero).
    public static func appendBits(_ number: Double, to out: inout [UInt8]) {
        let bits = (number == 0 ? 0.0 : number).bitPattern
        for shift in stride(from: 60, through: 0, by: -4) { out.append(hexDigits[Int((bits >> UInt64(shift)) & 0xf)]) }
    }

    /// A record field, quoted when PostgreSQL's record output would quote it: when it is empty or holds `"` `\`
    /// `(` `)` `,` or white space, with `"` and `\` doubled inside the quotes.
    public static func appendQuoted(_ value: UnsafeRawBufferPointer, to out: inout [UInt8]) {
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
}
