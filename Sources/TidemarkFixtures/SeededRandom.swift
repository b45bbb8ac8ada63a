/// Deterministic pseudo-random numbers: SplitMix64. One seed drives everything in the simulator.
///
/// SplitMix64 (Steele, Lea and Flood) advances a 64-bit counter by a fixed odd constant and scrambles it, so the
/// whole stream is a pure function of the seed, on every platform and in every build mode. It is not
/// cryptographic; it is meant for reproducible test data.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    // Small non-generic helpers: the generators call them for every value, and unspecialised generic
    // `random(in:using:)` calls would dominate the cost in debug builds.

    /// A number in `0..<bound` (`bound` > 0), by the multiply-high method.
    @inline(__always)
    public mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A number in `range`.
    @inline(__always)
    public mutating func within(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// True with probability `perMille` / 1000.
    @inline(__always)
    public mutating func chance(_ perMille: Int) -> Bool {
        below(1000) < perMille
    }

    /// Fisher–Yates, spelled out here so the order does not depend on the standard library's algorithm.
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, below(i + 1))
        }
    }

    /// One element of a non-empty array.
    @inline(__always)
    public mutating func pick<T>(_ items: [T]) -> T {
        items[below(items.count)]
    }
}

extension SeededRandom {
    /// The stream for one generated table: the caller's seed mixed with a per-table constant, so two tables
    /// built from the same seed do not share their numbers.
    public init(seed: UInt64, salt: UInt64) {
        var mixer = SeededRandom(seed: seed ^ salt)
        self.init(seed: mixer.next())
    }
}
