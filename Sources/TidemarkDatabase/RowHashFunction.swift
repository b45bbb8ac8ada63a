/// The 64-bit hash a verification computes per row, inside each engine, over the row's canonical text. Both
/// sides of a comparison must compute the same function; each dialect says which it can
/// (``SQLDialect/rowHashFunctions(on:)``) and the verification takes the first both sides share.
public enum RowHashFunction: String, Sendable, CaseIterable {
    /// PostgreSQL's `hashtextextended(text, 0)` (``TextHash``): PostgreSQL's fastest built-in, and SQLite's
    /// registered function.
    case lookup3
    /// The first 8 bytes of the text's MD5 as a big-endian signed integer: built into PostgreSQL (`md5`) and
    /// MySQL (`MD5`), which has no lookup3, so a MySQL side compares with the others.
    case md5

    /// The hash of `bytes` as the engines compute it.
    public func hash(_ bytes: UnsafeRawBufferPointer) -> Int64 {
        switch self {
        case .lookup3: return TextHash.hash(bytes)
        case .md5: return Int64(bitPattern: MD5.firstEightBytes(bytes))
        }
    }

    public func hash(_ text: String) -> Int64 {
        var copy = text
        return copy.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    /// The function two connections both compute as Tidemark does, in the order of preference; nil when they
    /// share none (a database whose text is not UTF-8, or a server that reads bytes in another order).
    public static func shared(by first: any Connection, and second: any Connection) throws -> RowHashFunction? {
        let other = try second.dialect.rowHashFunctions(on: second)
        return try first.dialect.rowHashFunctions(on: first).first(where: other.contains)
    }

    /// Text to probe a server's hash with: white space, punctuation and non-ASCII letters, so a server that hashes
    /// other bytes (a LATIN1 database) or in another byte order gives another value.
    public static let probe = "tidemark (1,\"a b\",2025-10-11 23:10:58.906547,ñandú)"
}

/// MD5 (RFC 1321), for ``RowHashFunction/md5``: change detection, not security.
enum MD5 {
    private static let shifts: [UInt32] = [7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                           5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
                                           4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                           6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21]
    /// floor(|sin(i + 1)| · 2^32).
    private static let constants: [UInt32] = [
        0xd76a_a478, 0xe8c7_b756, 0x2420_70db, 0xc1bd_ceee,
        0xf57c_0faf, 0x4787_c62a, 0xa830_4613, 0xfd46_9501,
        0x6980_98d8, 0x8b44_f7af, 0xffff_5bb1, 0x895c_d7be,
        0x6b90_1122, 0xfd98_7193, 0xa679_438e, 0x49b4_0821,
        0xf61e_2562, 0xc040_b340, 0x265e_5a51, 0xe9b6_c7aa,
        0xd62f_105d, 0x0244_1453, 0xd8a1_e681, 0xe7d3_fbc8,
        0x21e1_cde6, 0xc337_07d6, 0xf4d5_0d87, 0x455a_14ed,
        0xa9e3_e905, 0xfcef_a3f8, 0x676f_02d9, 0x8d2a_4c8a,
        0xfffa_3942, 0x8771_f681, 0x6d9d_6122, 0xfde5_380c,
        0xa4be_ea44, 0x4bde_cfa9, 0xf6bb_4b60, 0xbebf_bc70,
        0x289b_7ec6, 0xeaa1_27fa, 0xd4ef_3085, 0x0488_1d05,
        0xd9d4_d039, 0xe6db_99e5, 0x1fa2_7cf8, 0xc4ac_5665,
        0xf429_2244, 0x432a_ff97, 0xab94_23a7, 0xfc93_a039,
        0x655b_59c3, 0x8f0c_cc92, 0xffef_f47d, 0x8584_5dd1,
        0x6fa8_7e4f, 0xfe2c_e6e0, 0xa301_4314, 0x4e08_11a1,
        0xf753_7e82, 0xbd3a_f235, 0x2ad7_d2bb, 0xeb86_d391
    ]

    /// The digest's first 8 bytes, big-endian. Called once per row while verifying against MySQL: no allocation.
    static func firstEightBytes(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var state: (UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476)
        let fullBlocks = bytes.count / 64
        for block in 0..<fullBlocks {
            compress(&state, UnsafeRawBufferPointer(rebasing: bytes[(block * 64)..<(block * 64 + 64)]))
        }
        // The tail, 0x80, zeros, and the length in bits (little-endian): one or two more blocks.
        withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { tail in
            let rest = bytes.count - fullBlocks * 64
            tail.initializeMemory(as: UInt8.self, repeating: 0)
            if rest > 0 { tail.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[(fullBlocks * 64)...])) }
            tail[rest] = 0x80
            let length = rest < 56 ? 64 : 128
            tail.storeBytes(of: (UInt64(bytes.count) &* 8).littleEndian, toByteOffset: length - 8, as: UInt64.self)
            for start in stride(from: 0, to: length, by: 64) {
                compress(&state, UnsafeRawBufferPointer(rebasing: tail[start..<(start + 64)]))
            }
        }
        // The digest is the four words little-endian; its first 8 bytes read big-endian.
        return UInt64(state.0.byteSwapped) << 32 | UInt64(state.1.byteSwapped)
    }

    private static func compress(_ state: inout (UInt32, UInt32, UInt32, UInt32), _ block: UnsafeRawBufferPointer) {
        var (a, b, c, d) = state
        for i in 0..<64 {
            var f: UInt32
            let g: Int
            switch i {
            case 0..<16: f = (b & c) | (~b & d); g = i
            case 16..<32: f = (d & b) | (~d & c); g = (5 * i + 1) % 16
            case 32..<48: f = b ^ c ^ d; g = (3 * i + 5) % 16
            default: f = c ^ (b | ~d); g = (7 * i) % 16
            }
            let word = UInt32(littleEndian: block.loadUnaligned(fromByteOffset: 4 * g, as: UInt32.self))
            f = f &+ a &+ constants[i] &+ word
            a = d
            d = c
            c = b
            b = b &+ (f << shifts[i] | f >> (32 - shifts[i]))
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
    }
}
