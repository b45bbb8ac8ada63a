import TidemarkConfig
import TidemarkDatabase

/// How the result's `verification` field names what a run compared with the source.
enum VerificationScope {
    static let full = "full"
    static let off = "off"
    /// `slice` counts from 1, as people read it.
    static func rolling(slice: Int, of cycle: Int) -> String { "rolling \(slice)/\(cycle)" }
    static func widened(because reason: String) -> String { "full (widened from rolling: \(reason))" }
}

/// Where a table's rolling verification stands: the slice the next run checks (0-based) and the leading key
/// where it starts (nil: open below).
struct SlicePosition: Equatable {
    var slice: Int
    var start: Int64?

    static let first = SlicePosition(slice: 0, start: nil)

    /// The position `etl_load_status` holds for a cycle of `cycle` runs; the first slice when there is none or it
    /// was counted in another cycle.
    init(stored row: TrackingRow?, cycle: Int) {
        guard let row, row.verifyCycle == Int64(cycle), let slice = row.verifySlice, slice >= 0, slice < Int64(cycle)
        else {
            self = .first
            return
        }
        self.init(slice: Int(slice), start: slice == 0 ? nil : row.verifyPosition)
    }

    init(slice: Int, start: Int64?) {
        self.slice = slice
        self.start = start
    }
}

/// The leading-key values of the rows a run wrote, kept as at most ``limit`` key intervals: the keys of a few
/// batches cost little, and a scattered run's intervals merge across their smallest gaps, so checking them costs
/// at most the rows between its first and last key.
struct WrittenKeys: Sendable {
    /// Inclusive intervals, sorted and disjoint after ``compact()``.
    private var intervals: [(low: Int64, high: Int64)] = []
    private var pending: [Int64] = []
    /// A written key that is no integer (SQLite keeps a REAL or a text in an INTEGER column as it is): no key
    /// range holds it.
    private(set) var hasOtherKeys = false

    static let limit = 16
    private static let pendingLimit = 65_536

    var isEmpty: Bool { intervals.isEmpty && pending.isEmpty && !hasOtherKeys }

    mutating func add(_ key: Value) {
        guard case .integer(let value) = key else {
            hasOtherKeys = true
            return
        }
        pending.append(value)
        if pending.count >= Self.pendingLimit { compact() }
    }

    mutating func add(_ other: WrittenKeys) {
        var other = other
        other.compact()
        intervals += other.intervals
        hasOtherKeys = hasOtherKeys || other.hasOtherKeys
        compact()
    }

    /// The written keys as half-open key ranges (open above past Int64.max).
    var ranges: [KeyRange] {
        var copy = self
        copy.compact()
        return copy.intervals.map { KeyRange(lower: $0.low, upper: KeyArithmetic.offset($0.high, by: 1)) }
    }

    private mutating func compact() {
        let all = (intervals + pending.map { (low: $0, high: $0) }).sorted { $0.low < $1.low }
        pending.removeAll(keepingCapacity: true)
        var merged: [(low: Int64, high: Int64)] = []
        for interval in all {
            if let last = merged.last, interval.low <= last.high || interval.low == KeyArithmetic.offset(last.high, by: 1) {
                merged[merged.count - 1].high = max(last.high, interval.high)
            } else {
                merged.append(interval)
            }
        }
        if merged.count > Self.limit {
            // Keep the widest gaps apart and join across the others.
            let gaps = (0..<(merged.count - 1)).sorted {
                KeyArithmetic.distance(merged[$0].high, merged[$0 + 1].low)
                    > KeyArithmetic.distance(merged[$1].high, merged[$1 + 1].low)
            }
            let splits = Set(gaps.prefix(Self.limit - 1))
            var joined: [(low: Int64, high: Int64)] = []
            var start = merged[0].low
            for index in merged.indices where index == merged.count - 1 || splits.contains(index) {
                joined.append((start, merged[index].high))
                if index + 1 < merged.count { start = merged[index + 1].low }
            }
            merged = joined
        }
        intervals = merged
    }
}

/// `verify: rolling`: on every run the cheap invariants — row count and smallest and largest key of the whole
/// table on both sides, and the key ranges this run wrote — plus one slice of the key space, so that every row
/// is compared within `verify_cycle` runs. Slices are consecutive ranges of the leading key column, cut from where
/// the last one ended to the largest key in the runs left in the cycle; the first is open below and the last
/// open above, so a cycle covers every key whatever the table gained or lost meanwhile. Anything it cannot
/// vouch for widens to a full verification: a difference, a previous run that did not succeed (what it touched
/// is unknown), a full read, a key that is not an integer.
struct RollingVerification {
    let plan: TablePlan
    let verifier: Verifier
    /// The table's tracking row as this run found it.
    let previous: TrackingRow?
    let written: WrittenKeys

    enum Outcome: Equatable {
        /// Nothing differed in what was checked: `slice` (0-based) and where the next one starts.
        case clean(slice: Int, next: SlicePosition)
        /// Verify every row instead, for this reason.
        case widen(String)
    }

    static let keylessReason = "a table without a key has no key ranges to cut into slices"

    var cycle: Int { plan.verifyCycle }

    func check() throws -> Outcome {
        if let reason = reasonForFull() { return .widen(reason) }
        let (source, target) = try (bounds(verifier.source, plan.source), bounds(verifier.target, plan.target))
        guard source == target else {
            return .widen("row count or key bounds differ (source \(source), target \(target))")
        }
        if let (expected, actual) = try verifier.mismatch(in: written.ranges) {
            return .widen("rows this run wrote differ (source \(expected.count) rows, target \(actual.count) in the "
                + "range checked)")
        }
        let position = SlicePosition(stored: previous, cycle: cycle)
        guard let range = slice(position, keys: source) else {
            return .widen("the key column holds values that are not integers")
        }
        if try verifier.mismatch(in: [range]) != nil {
            return .widen("slice \(position.slice + 1)/\(cycle) differs")
        }
        let last = position.slice + 1 == cycle
        return .clean(slice: position.slice, next: last ? .first : SlicePosition(slice: position.slice + 1, start: range.upper))
    }

    private func reasonForFull() -> String? {
        if plan.isFullLoad { return "this run read every row (\(plan.fullLoadReason ?? "full load"))" }
        guard let previous else { return "the table has no earlier run" }
        if previous.loadStatus != LoadStatus.success.rawValue {
            return "the previous run ended \(previous.loadStatus ?? "without a status"), so the rows it touched are unknown"
        }
        if !plan.leadingKeyType.isInteger {
            return "the key column \(plan.keyColumns[0]) is not an integer, so it cannot be cut into slices"
        }
        if written.hasOtherKeys { return "this run wrote keys that are not integers" }
        return nil
    }

    /// Row count, smallest and largest leading key of one side, leaving out the verifier's excluded keys.
    struct Bounds: Equatable, CustomStringConvertible {
        let count: Int64
        let low: Value
        let high: Value
        var description: String { "\(count) rows, keys \(low)…\(high)" }
    }

    private func bounds(_ db: any Connection, _ table: TableName) throws -> Bounds {
        var builder = SQLBuilder(dialect: db.dialect)
        let k = quoteIdentifier(plan.keyColumns[0])
        var sql = "SELECT count(*), MIN(\(k)), MAX(\(k)) FROM \(table.quoted)"
        if let condition = excludingKeys(verifier.excluded, key: plan.keyColumns) {
            sql += " WHERE " + builder.render(condition)
        }
        let row = try db.query(sql, builder.parameters).first
        return Bounds(count: row.map { RangeChecksum.number($0[0]) } ?? 0, low: row?[1] ?? .null, high: row?[2] ?? .null)
    }

    /// The key range of slice `position` within keys `keys`; nil when the bounds are not integers.
    func slice(_ position: SlicePosition, keys: Bounds) -> KeyRange? {
        let lower = position.slice == 0 ? nil : position.start
        if position.slice == cycle - 1 { return KeyRange(lower: lower, upper: nil) }
        if keys.count == 0 { return KeyRange(lower: lower, upper: lower) }
        guard let low = Verifier.integer(keys.low, rounding: .down), let high = Verifier.integer(keys.high, rounding: .up)
        else { return nil }
        let from = lower ?? low
        guard from <= high else { return KeyRange(lower: lower, upper: from) }
        // The keys left to cover, shared among the slices left in the cycle.
        let width = KeyArithmetic.distance(from, high) / UInt64(cycle - position.slice) + 1
        return KeyRange(lower: lower, upper: KeyArithmetic.offset(from, by: width))
    }
}
