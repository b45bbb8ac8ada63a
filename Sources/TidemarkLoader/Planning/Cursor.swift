import TidemarkDatabase

/// The position up to which the target is known to hold the source, derived only from rows actually read.
///
/// - `key`: the highest primary key read (a tuple for a composite key, in tuple order).
/// - `timestamp`: the highest dated timestamp read (NULL and the zero date never move it).
/// - `timestampKey`: the highest key among the rows at `timestamp` — the tie-breaker, so rows sharing the
///   watermark timestamp are neither lost nor read twice.
/// - `passTimestamp`, `passTimestampKey`: `and_logic` only — the highest dated timestamp (and its tie key) read
///   by a pass that has not completed. That read goes in key order under `key > W AND ts > W_ts`, so while it
///   runs only the key may move: `timestamp` stays the pass's starting watermark, and rows of the pass not read
///   yet (higher keys, any timestamp above the start) still match after an interruption. The pass's timestamp
///   becomes the watermark when the pass completes (``completingPass()``).
public struct Cursor: Sendable, Equatable, CustomStringConvertible {
    public var key: RowKey?
    public var timestamp: LocalTimestamp?
    public var timestampKey: RowKey?
    public var passTimestamp: LocalTimestamp?
    public var passTimestampKey: RowKey?

    public init(key: RowKey? = nil, timestamp: LocalTimestamp? = nil, timestampKey: RowKey? = nil,
                passTimestamp: LocalTimestamp? = nil, passTimestampKey: RowKey? = nil) {
        self.key = key
        self.timestamp = timestamp
        self.timestampKey = timestampKey
        self.passTimestamp = passTimestamp
        self.passTimestampKey = passTimestampKey
    }

    public static let empty = Cursor()
    public var isEmpty: Bool { key == nil && timestamp == nil }

    /// Moves the cursor over one row read from the source. With `holdingTimestamp` (an `and_logic` pass) the
    /// row's timestamp moves the pass's timestamp instead of the watermark.
    mutating func advance(key rowKey: RowKey, timestamp rowTimestamp: Value?, holdingTimestamp: Bool = false) {
        if rowKey.values.contains(where: \.isNull) { return }
        if key == nil || rowKey.isAfter(key!) { key = rowKey }
        guard case .timestamp(let ts)? = rowTimestamp, ts != .zeroDate else { return }
        if holdingTimestamp {
            Self.raise(&passTimestamp, &passTimestampKey, to: ts, key: rowKey)
        } else {
            Self.raise(&timestamp, &timestampKey, to: ts, key: rowKey)
        }
    }

    /// Moves a (timestamp, tie key) pair to `(ts, key)` when that is later.
    private static func raise(_ timestamp: inout LocalTimestamp?, _ tieKey: inout RowKey?, to ts: LocalTimestamp,
                              key: RowKey?) {
        if timestamp == nil || ts > timestamp! {
            timestamp = ts
            tieKey = key
        } else if ts == timestamp!, let key, tieKey == nil || key.isAfter(tieKey!) {
            tieKey = key
        }
    }

    /// The cursor once the pass in progress has completed: its timestamp becomes the watermark.
    func completingPass() -> Cursor {
        var result = self
        if let ts = passTimestamp { Self.raise(&result.timestamp, &result.timestampKey, to: ts, key: passTimestampKey) }
        result.passTimestamp = nil
        result.passTimestampKey = nil
        return result
    }

    /// The later of two cursors, field by field (for combining parallel ranges).
    func merged(with other: Cursor) -> Cursor {
        var result = self
        if let k = other.key, result.key == nil || k.isAfter(result.key!) { result.key = k }
        if let ts = other.timestamp { Self.raise(&result.timestamp, &result.timestampKey, to: ts, key: other.timestampKey) }
        if let ts = other.passTimestamp {
            Self.raise(&result.passTimestamp, &result.passTimestampKey, to: ts, key: other.passTimestampKey)
        }
        return result
    }

    public var description: String {
        var parts: [String] = []
        if let key { parts.append("key \(key)") }
        if let timestamp { parts.append("timestamp \(timestamp)" + (timestampKey.map { " (key \($0))" } ?? "")) }
        if let passTimestamp {
            parts.append("pass in progress up to timestamp \(passTimestamp)" + (passTimestampKey.map { " (key \($0))" } ?? ""))
        }
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
        case (.integer(let a), .double(let b)): return Double(a) > b
        case (.double(let a), .integer(let b)): return a > Double(b)
        default: return description > other.description
        }
    }
}
