/// PostgreSQL's `hashtextextended(t, 0)` computed outside PostgreSQL, so a row hashed inside SQLite equals the same
/// row hashed by a PostgreSQL server. That function is Bob Jenkins' lookup3 as PostgreSQL's `hash_bytes_extended`
/// spells it, over the text's bytes (deterministic collations), returning the final `b` and `c` words as one
/// 64-bit value. Servers read the bytes in their own byte order; this is the little-endian reading, which
/// verification checks against the server before it relies on it. Not for security: only change detection.
public enum TextHash {
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> Int64 {
        var a = 0x9e37_79b9 &+ UInt32(truncatingIfNeeded: bytes.count) &+ 3_923_095
        var b = a
        var c = a
        var offset = 0
        while bytes.count - offset >= 12 {
            a &+= word(bytes, offset)
            b &+= word(bytes, offset + 4)
            c &+= word(bytes, offset + 8)
            mix(&a, &b, &c)
            offset += 12
        }
        // The last 0–11 bytes: into a and b from their lowest byte up, into c from its second byte (the lowest
        // is reserved for the length).
        for index in 0..<(bytes.count - offset) {
            let byte = UInt32(bytes[offset + index])
            switch index {
            case 0..<4: a &+= byte << (8 * UInt32(index))
            case 4..<8: b &+= byte << (8 * UInt32(index - 4))
            default: c &+= byte << (8 * UInt32(index - 7))
            }
        }
        final(&a, &b, &c)
        return Int64(bitPattern: UInt64(b) << 32 | UInt64(c))
    }

    public static func hash(_ text: String) -> Int64 {
        var copy = text
        return copy.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    @inline(__always)
    private static func word(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    @inline(__always)
    private static func rotate(_ x: UInt32, _ k: UInt32) -> UInt32 { x << k | x >> (32 - k) }

    @inline(__always)
    private static func mix(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32) {
        a &-= c; a ^= rotate(c, 4); c &+= b
        b &-= a; b ^= rotate(a, 6); a &+= c
        c &-= b; c ^= rotate(b, 8); b &+= a
        a &-= c; a ^= rotate(c, 16); c &+= b
        b &-= a; b ^= rotate(a, 19); a &+= c
        c &-= b; c ^= rotate(b, 4); b &+= a
    }

    @inline(__always)
    private static func final(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32) {
        c ^= b; c &-= rotate(b, 14)
        a ^= c; a &-= rotate(c, 11)
        b ^= a; b &-= rotate(a, 25)
        c ^= b; c &-= rotate(b, 16)
        a ^= c; a &-= rotate(c, 4)
        b ^= a; b &-= rotate(a, 14)
        c ^= b; c &-= rotate(b, 24)
    }
}
