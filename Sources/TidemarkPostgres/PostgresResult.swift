internal import CLibPQ
import TidemarkDatabase

/// Owns one `PGresult` and frees it with `PQclear` in `deinit`. Values are copied out before that.
final class PostgresResult {
    let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }

    deinit { PQclear(handle) }

    var status: ExecStatusType { PQresultStatus(handle) }
    var rowCount: Int { Int(PQntuples(handle)) }
    var columnCount: Int { Int(PQnfields(handle)) }

    /// Rows changed by the command (`PQcmdTuples`), 0 for commands that report none.
    var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    func columnNames() -> ColumnNames {
        ColumnNames((0..<Int32(columnCount)).map { String(cString: PQfname(handle, $0)) })
    }

    func decoders() -> [PostgresDecoder] {
        (0..<Int32(columnCount)).map { PostgresDecoder(oid: PQftype(handle, $0)) }
    }

    func rows(columns: ColumnNames, decoders: [PostgresDecoder]) -> [Row] {
        var rows: [Row] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<Int32(rowCount) {
            var values: [Value] = []
            values.reserveCapacity(decoders.count)
            for (c, decoder) in decoders.enumerated() {
                let c = Int32(c)
                if PQgetisnull(handle, r, c) == 1 {
                    values.append(.null)
                } else {
                    let length = Int(PQgetlength(handle, r, c))
                    let bytes = UnsafeRawPointer(PQgetvalue(handle, r, c)!).assumingMemoryBound(to: UInt8.self)
                    values.append(decoder.decode(UnsafeBufferPointer(start: bytes, count: length)))
                }
            }
            rows.append(Row(columns: columns, values: values))
        }
        return rows
    }
}

/// Decodes one column's text-format values by the column's type OID.
enum PostgresDecoder {
    case boolean, integer, real, double, decimal, date, timestamp, timestampWithZone, bytes, text

    init(oid: Oid) {
        switch oid {
        case 16: self = .boolean
        case 20, 21, 23, 26: self = .integer
        case 700: self = .real
        case 701: self = .double
        case 1700: self = .decimal
        case 1082: self = .date
        case 1114: self = .timestamp
        case 1184: self = .timestampWithZone
        case 17: self = .bytes
        default: self = .text
        }
    }

    func decode(_ raw: UnsafeBufferPointer<UInt8>) -> Value {
        let text = String(decoding: raw, as: UTF8.self)
        switch self {
        case .boolean: return .boolean(text == "t")
        case .integer: return Int64(text).map(Value.integer) ?? .text(text)
        // A float4 through Float, so the double is exactly the float the server holds (`0.1` is 0.100000001…).
        case .real: return PostgresSpelling.float(text).map { .double(Double($0)) } ?? .text(text)
        case .double: return PostgresSpelling.double(text).map(Value.double) ?? .text(text)
        case .decimal: return ExactDecimal(text).map(Value.decimal) ?? .text(text)
        case .date: return LocalDate(text).map(Value.date) ?? .text(text)
        case .timestamp: return LocalTimestamp(text).map(Value.timestamp) ?? .text(text)
        case .timestampWithZone:
            // The session runs in UTC, so the offset is always +00.
            let local = text.hasSuffix("+00") ? String(text.dropLast(3)) : text
            return LocalTimestamp(local).map(Value.timestamp) ?? .text(text)
        case .bytes: return decodeHexBytea(raw).map(Value.bytes) ?? .text(text)
        case .text: return .text(text)
        }
    }
}

/// `\x0aff…` (bytea_output = hex) to bytes.
private func decodeHexBytea(_ raw: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
    guard raw.count >= 2, raw[0] == UInt8(ascii: "\\"), raw[1] == UInt8(ascii: "x"), raw.count % 2 == 0 else {
        return nil
    }
    func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
    var out: [UInt8] = []
    out.reserveCapacity((raw.count - 2) / 2)
    var i = 2
    while i < raw.count {
        guard let h = nibble(raw[i]), let l = nibble(raw[i + 1]) else { return nil }
        out.append(h << 4 | l)
        i += 2
    }
    return out
}
