internal import CLibPQ
import TidemarkDatabase

#if canImport(Glibc)
import Glibc
#endif

/// Parameter values laid out as the four C arrays `PQexecParams` and friends take, valid only inside
/// ``withParameters(_:_:)``: the memory is allocated, used and freed in one scope.
///
/// Text format for every value but bytes (binary format, OID 17). Text values go as OID 0 ("unknown"), so the
/// server types them from context the way it types a quoted literal.
func withParameters<R>(
    _ values: [Value],
    _ body: (Int32, UnsafePointer<Oid>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
        UnsafePointer<Int32>?) throws -> R
) rethrows -> R {
    var types: [Oid] = []
    var pointers: [UnsafePointer<CChar>?] = []
    var lengths: [Int32] = []
    var formats: [Int32] = []
    var allocations: [UnsafeMutableRawPointer] = []
    defer { allocations.forEach { free($0) } }

    func append(_ bytes: some Collection<UInt8>, oid: Oid, binary: Bool) {
        let memory = malloc(bytes.count + 1)!
        let typed = memory.bindMemory(to: UInt8.self, capacity: bytes.count + 1)
        var i = 0
        for b in bytes {
            typed[i] = b
            i += 1
        }
        typed[bytes.count] = 0
        allocations.append(memory)
        pointers.append(UnsafePointer(memory.assumingMemoryBound(to: CChar.self)))
        types.append(oid)
        lengths.append(Int32(bytes.count))
        formats.append(binary ? 1 : 0)
    }

    for value in values {
        switch value {
        case .null:
            pointers.append(nil)
            types.append(0)
            lengths.append(0)
            formats.append(0)
        case .text(let s): append(s.utf8, oid: 0, binary: false)
        case .bytes(let b): append(b, oid: 17, binary: true)
        case .integer: append(PostgresText.plain(value), oid: 20, binary: false)
        case .double: append(PostgresText.plain(value), oid: 701, binary: false)
        case .decimal: append(PostgresText.plain(value), oid: 1700, binary: false)
        case .boolean: append(PostgresText.plain(value), oid: 16, binary: false)
        case .date: append(PostgresText.plain(value), oid: 1082, binary: false)
        case .timestamp: append(PostgresText.plain(value), oid: 1114, binary: false)
        }
    }
    return try types.withUnsafeBufferPointer { t in
        try pointers.withUnsafeBufferPointer { p in
            try lengths.withUnsafeBufferPointer { l in
                try formats.withUnsafeBufferPointer { f in
                    try body(Int32(values.count), t.baseAddress, p.baseAddress, l.baseAddress, f.baseAddress)
                }
            }
        }
    }
}
