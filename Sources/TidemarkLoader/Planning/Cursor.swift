import TidemarkDatabase

/// The position up to which the target is known to hold the source, derived only from rows actually read.
///
/// - `key`: the highest primary key read.
/// - `timestamp`: the highest dated timestamp read (NULL and the zero date never move it).
/// - `timestampKey`: the highest key among the rows at `timestamp` — the tie-breaker, so rows sharing the
///   watermark timestamp are neither lost nor read twice.
public struct Cursor: Sendable, Equatable, CustomStringConvertible {
    public var key: Value?
    public var timestamp: LocalTimestamp?
    public var timestampKey: Value?

    public init(key: Value? = nil, timestamp: LocalTimestamp? = nil, timestampKey: Value? = nil) {
        self.key = key
        self.timestamp = timestamp
        self.timestampKey = timestampKey
    }

    public static let empty = Cursor()
    public var isEmpty: Bool { key == nil && timestamp == nil }

    /// Moves the cursor over one row read from the source.
    mutating func advance(key rowKey: Value, timestamp rowTimestamp: Value?) {
        if rowKey.isNull { return }
        if key == nil || rowKey.isAfter(key!) { key = rowKey }
        guard case .timestamp(let ts)? = rowTimestamp, ts != .zeroDate else { return }
        if timestamp == nil || ts > timestamp! {
            timestamp = ts
            timestampKey = rowKey
        } else if ts == timestamp!, timestampKey == nil || rowKey.isAfter(timestampKey!) {
            timestampKey = rowKey
        }
    }

    /// The later of two cursors, field by field (for combining parallel ranges).
    func merged(with other: Cursor) -> Cursor {
        var result = self
        if let k = other.key, result.key == nil || k.isAfter(result.key!) { result.key = k }
        if let ts = other.timestamp {
            if result.timestamp == nil || ts > result.timestamp! {
                result.timestamp = ts
                result.timestampKey = other.timestampKey
            } else if ts == result.timestamp!, let tk = other.timestampKey,
                result.timestampKey == nil || tk.isAfter(result.timestampKey!)
            {
                result.timestampKey = tk
            }
        }
        return result
    }

    public var description: String {
        var parts: [String] = []
        if let key { parts.append("key \(key)") }
        if let timestamp { parts.append("timestamp \(timestamp)" + (timestampKey.map { " (key \($0))" } ?? "")) }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }
}

extension Value {
    /// Key order for cursors: numbers by value, text by its bytes, timestamps and dates by time.
    func isAfter(_ other: Value) -> Bool {
        switch (self, other) {
        case (.integer(let a), .integer(let b)): return a > b
        case (.text(let a), .text(let b)): return Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)) == false && a != b
        case (.timestamp(let a), .timestamp(let b)): return a > b
        case (.date(let a), .date(let b)): return a > b
        case (.double(let a), .double(let b)): return a > b
        default: return description > other.description
        }
    }
}
