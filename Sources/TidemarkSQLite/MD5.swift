#if canImport(Glibc)
import Glibc
#endif

/// MD5 of bytes: the same digest PostgreSQL's `md5()` returns, so row checksums computed inside SQLite (which has
/// no md5) equal those computed inside PostgreSQL. Not for security: only for change detection. It runs once per
/// row during verification, so it reads the message in place and allocates nothing.
struct MD5 {
    private var a: UInt32 = 0x6745_2301, b: UInt32 = 0xefcd_ab89, c: UInt32 = 0x98ba_dcfe, d: UInt32 = 0x1032_5476

    private static let shifts: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]
    /// floor(2^32 × |sin(i + 1)|), the standard table.
    private static let constants: [UInt32] = (0..<64).map { i in
        UInt32(truncatingIfNeeded: Int64((abs(sin(Double(i + 1))) * 4_294_967_296).rounded(.down)))
    }

    /// The 16 digest bytes, in PostgreSQL's order.
    static func digest(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        let state = hash(message)
        return [state.a, state.b, state.c, state.d].flatMap { word in
            (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * UInt32($0))) }
        }
    }

    /// The first seven digest bytes as one big-endian integer: `('x' || substr(md5(t), 1, 14))::bit(56)::bigint`.
    static func first56Bits(_ message: UnsafeRawBufferPointer) -> Int64 {
        let state = hash(message)
        let high = UInt64(state.a.byteSwapped) << 24  // bytes 0–3
        let low = UInt64(state.b.byteSwapped) >> 8  // bytes 4–6
        return Int64(high | low)
    }

    static func hex(_ message: UnsafeRawBufferPointer) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for byte in digest(message) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hash(_ message: UnsafeRawBufferPointer) -> MD5 {
        var state = MD5()
        let whole = message.count / 64
        shifts.withUnsafeBufferPointer { s in
            constants.withUnsafeBufferPointer { k in
                for block in 0..<whole { state.process(message.baseAddress! + block * 64, s, k) }
                // The tail, the 0x80 marker, zeros and the bit length: one or two more blocks.
                withUnsafeTemporaryAllocation(byteCount: 128, alignment: 8) { tail in
                    tail.initializeMemory(as: UInt8.self, repeating: 0)
                    let rest = message.count - whole * 64
                    if rest > 0 { tail.copyMemory(from: UnsafeRawBufferPointer(rebasing: message[(whole * 64)...])) }
                    tail[rest] = 0x80
                    let blocks = rest < 56 ? 1 : 2
                    tail.storeBytes(of: (UInt64(message.count) &* 8).littleEndian, toByteOffset: blocks * 64 - 8,
                                    as: UInt64.self)
                    for block in 0..<blocks { state.process(tail.baseAddress! + block * 64, s, k) }
                }
            }
        }
        return state
    }

    /// One 64-byte block: the four rounds as four plain loops, masking shifts (`&<<`), no branches per step.
    private mutating func process(_ block: UnsafeRawPointer, _ shifts: UnsafeBufferPointer<UInt32>,
                                  _ constants: UnsafeBufferPointer<UInt32>) {
        @inline(__always) func word(_ g: Int) -> UInt32 {
            UInt32(littleEndian: block.loadUnaligned(fromByteOffset: g &<< 2, as: UInt32.self))
        }
        var a = self.a, b = self.b, c = self.c, d = self.d
        @inline(__always) func step(_ f: UInt32, _ i: Int, _ g: Int) {
            let sum = f &+ a &+ constants[i] &+ word(g)
            let s = shifts[i]
            a = d
            d = c
            c = b
            b = b &+ (sum &<< s | sum &>> (32 &- s))
        }
        for i in 0..<16 { step((b & c) | (~b & d), i, i) }
        for i in 16..<32 { step((d & b) | (~d & c), i, (5 &* i &+ 1) & 15) }
        for i in 32..<48 { step(b ^ c ^ d, i, (3 &* i &+ 5) & 15) }
        for i in 48..<64 { step(c ^ (b | ~d), i, (7 &* i) & 15) }
        self.a &+= a
        self.b &+= b
        self.c &+= c
        self.d &+= d
    }
}
