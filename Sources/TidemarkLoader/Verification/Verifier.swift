import TidemarkDatabase

/// Tuning of verification and repair (reladiff-like defaults).
public struct ReconcileSettings: Sendable {
    /// Sub-ranges a differing range is split into.
    public var bisectionFactor = 16
    /// A range with at most this many rows (on either side) is compared row by row.
    public var leafSize = 256
    /// When more than this fraction of the source differs, reload the whole table in place instead of repairing
    /// it leaf by leaf.
    public var reloadFraction = 0.5
    /// Runs between finding the differences and repairing them — a hook for tests that change the source
    /// meanwhile, to show the snapshot keeps such changes out of this run.
    public var afterVerify: (@Sendable () throws -> Void)?

    public init() {}
}

/// The rows of one leaf range that differ, by key.
struct LeafDifference {
    var missing: [RowKey] = []
    var changed: [RowKey] = []
    var extra: [RowKey] = []
    var isEmpty: Bool { missing.isEmpty && changed.isEmpty && extra.isEmpty }
}

/// What verification found: the differing leaves, their rows, and the source's row count — or, when the
/// differing leaves already hold more of the table than `reloadFraction`, only that: comparing them row by row
/// would cost about what reloading the table does.
struct Differences {
    var leaves: [KeyRange] = []
    var rows: [LeafDifference] = []
    var sourceCount: Int64 = 0
    /// Rows (the larger side) in the leaves that differ, when they advised a reload.
    var rowsInDifferingRanges: Int64?

    var reloadAdvised: Bool { rowsInDifferingRanges != nil }

    var missing: Int { rows.reduce(0) { $0 + $1.missing.count } }
    var changed: Int { rows.reduce(0) { $0 + $1.changed.count } }
    var extra: Int { rows.reduce(0) { $0 + $1.extra.count } }
    var count: Int { missing + changed + extra }
}

/// Compares a target table with the source by range checksums computed inside both engines, and narrows any
/// difference down by bisection to leaves compared row by row. Ranges are over the leading key column: for a
/// composite key a range holds every tuple whose first column lies in it (tuple order agrees), so the smallest
/// range is one leading value with all its tuples, compared row by row whatever their number. Read-only: it reports, the ``Repairer`` writes.
/// Run it inside a source snapshot, so all its reads see one state of the source.
struct Verifier {
    let plan: TablePlan
    let source: any Connection
    let target: any Connection
    let settings: ReconcileSettings
    /// Keys left out of every comparison: rejected rows whose source row has not changed since.
    let excluded: [RowKey]
    /// The row hash both sides compute (``CanonicalRow/sharedHash(_:_:table:)``).
    let hash: RowHashFunction
    /// The target's view of the source's columns (same names, the target's own types — widened to the source's
    /// where the source's grew, as the planner widened them; SQLite keeps its old declaration, so this is where
    /// its values are read at the new scale).
    private let targetColumns: [ColumnInfo]

    init(plan: TablePlan, source: any Connection, target: any Connection, settings: ReconcileSettings,
         excluded: [RowKey], hash: RowHashFunction) throws {
        self.plan = plan
        self.hash = hash
        self.source = source
        self.target = target
        self.settings = settings
        self.excluded = excluded
        self.targetColumns = try Self.targetView(of: plan.columns, in: target, table: plan.target)
    }

    /// The target's view of the source's `columns` (see ``targetColumns``).
    static func targetView(of columns: [ColumnInfo], in target: any Connection, table: TableName) throws -> [ColumnInfo] {
        let byName = Dictionary(try target.columns(of: table).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return columns.map { column in
            guard let own = byName[column.name] else { return column }
            guard let wider = own.type.widened(toHold: column.type) else { return own }
            return ColumnInfo(name: own.name, declaredType: own.declaredType, type: wider, isNullable: own.isNullable)
        }
    }

    /// The same verifier leaving out other keys.
    func excluding(_ keys: [RowKey]) throws -> Verifier {
        try Verifier(plan: plan, source: source, target: target, settings: settings, excluded: keys, hash: hash)
    }

    private var key: [String] { plan.keyColumns }

    /// Every difference, or nil when the two sides are equal. Integer keys: one bucketed checksum scan per
    /// side, then bisection inside any differing bucket still larger than a leaf. Other keys: the whole table
    /// is one leaf.
    func differences() throws -> Differences? {
        guard let found = try differingLeaves() else { return nil }
        if found.rowsInDifferingRanges != nil { return found }
        var differences = found
        differences.rows = try found.leaves.map(compareLeaf)
        return differences
    }

    /// The first of `ranges` where source and target still differ, with both checksums; nil when all agree.
    func mismatch(in ranges: [KeyRange]) throws -> (source: RangeChecksum, target: RangeChecksum)? {
        for range in ranges {
            let expected = try checksum(source, range)
            let actual = try checksum(target, range)
            if expected != actual { return (expected, actual) }
        }
        return nil
    }

    private func checksum(_ db: any Connection, _ range: KeyRange) throws -> RangeChecksum {
        let (table, columns) = db === source ? (plan.source, plan.columns) : (plan.target, targetColumns)
        return try RangeChecksum.compute(db, table: table, columns: columns, key: key, range: range, excluding: excluded,
                                         hash: hash)
    }

    private func differingLeaves() throws -> Differences? {
        guard let (low, high) = try integerBounds() else {
            let s = try checksum(source, .all)
            return s == (try checksum(target, .all)) ? nil : Differences(leaves: [.all], sourceCount: s.count)
        }
        // Not wider than the span needs: the reload decision below counts the rows of differing ranges, so
        // coarser ranges would turn scattered damage in a small table into a reload.
        let width = KeyArithmetic.width(low: low, high: high, parts: Int(Self.buckets))
        let count = Int64(KeyArithmetic.distance(low, high) / width) + 1
        // Both sides at once when they are different sessions: each engine scans its own table.
        let (left, right) = try inParallel(source.sessionID != target.sessionID, { [source, plan, key, excluded, hash] in
            try RangeChecksum.buckets(source, table: plan.source, columns: plan.columns, key: key, lower: low,
                                      width: width, count: count, excluding: excluded, hash: hash)
        }, { [target, plan, key, excluded, targetColumns, hash] in
            try RangeChecksum.buckets(target, table: plan.target, columns: targetColumns, key: key, lower: low,
                                      width: width, count: count, excluding: excluded, hash: hash)
        })
        var sourceCount = left.values.reduce(0) { $0 + $1.count }
        let empty = RangeChecksum(count: 0, sum0: 0, sum1: 0)
        var leaves: [(range: KeyRange, rows: Int64)] = []
        for bucket in Set(left.keys).union(right.keys).sorted() where left[bucket] != right[bucket] {
            let range = RangeChecksum.bucketRange(bucket, lower: low, width: width)
            try bisect(range, source: left[bucket] ?? empty, target: right[bucket] ?? empty, into: &leaves)
        }
        // Keys outside the integers' MIN…MAX: none, unless a key holds a value of another type (SQLite stores
        // a REAL or a text in an INTEGER column as it is). Checked on both sides, so such a row is a difference
        // (and a rejection when repaired), never a blind spot.
        for outside in [KeyRange(lower: nil, upper: low), KeyRange(lower: KeyArithmetic.offset(high, by: 1), upper: nil)]
        where outside.lower != nil || outside.upper != nil {
            let s = try checksum(source, outside), t = try checksum(target, outside)
            sourceCount += s.count
            if s != t { leaves.append((outside, max(s.count, t.count))) }
        }
        guard !leaves.isEmpty else { return nil }
        // Comparing leaves row by row costs about what reloading them does: past the fraction, reload instead.
        let suspect = leaves.reduce(Int64(0)) { $0 + $1.rows }
        if Double(suspect) > settings.reloadFraction * Double(sourceCount) {
            return Differences(sourceCount: sourceCount, rowsInDifferingRanges: suspect)
        }
        return Differences(leaves: leaves.map(\.range), sourceCount: sourceCount)
    }

    /// Buckets of the first verification pass: about `leafSize` rows each up to a million rows.
    private static let buckets: Int64 = 4096

    /// The smallest and largest integer key on either side, when the (leading) key column is an integer. A bound that is
    /// not an integer (SQLite keeps a REAL or a text in an INTEGER column) is rounded outwards when it is a
    /// number, and otherwise left to the ranges outside the bounds, which are checked too.
    private func integerBounds() throws -> (Int64, Int64)? {
        guard plan.leadingKeyType.isInteger else { return nil }
        let k = quoteIdentifier(key[0])
        var low: Int64?
        var high: Int64?
        for (db, table) in [(source, plan.source), (target, plan.target)] {
            guard let row = try db.query("SELECT MIN(\(k)), MAX(\(k)) FROM \(table.quoted)").first else { continue }
            if let v = Self.integer(row[0], rounding: .down) { low = min(low ?? v, v) }
            if let v = Self.integer(row[1], rounding: .up) { high = max(high ?? v, v) }
        }
        guard let low, let high, low <= high else { return nil }
        return (low, high)
    }

    /// An integer key bound; a double rounded the given way and clamped to Int64.
    static func integer(_ value: Value, rounding: FloatingPointRoundingRule) -> Int64? {
        switch value {
        case .integer(let v): return v
        case .double(let d) where !d.isNaN:
            let r = d.rounded(rounding)
            if r <= -9.223372036854775808e18 { return Int64.min }
            if r >= 9.223372036854775807e18 { return Int64.max }
            return Int64(r)
        default: return nil
        }
    }

    /// Splits a differing range until its parts are leaves; appends the differing leaves with their row counts
    /// (the larger side).
    private func bisect(_ range: KeyRange, source s: RangeChecksum, target t: RangeChecksum,
                        into leaves: inout [(range: KeyRange, rows: Int64)]) throws {
        guard let lower = range.lower, let upper = range.upper, lower < upper,
            max(s.count, t.count) > Int64(settings.leafSize), KeyArithmetic.distance(lower, upper) > 1
        else {
            leaves.append((range, max(s.count, t.count)))
            return
        }
        let span = KeyArithmetic.distance(lower, upper)
        let factor = UInt64(settings.bisectionFactor)
        let width = max(1, span / factor + (span % factor == 0 ? 0 : 1))
        var offset: UInt64 = 0
        while offset < span {
            let next = min(span, offset + width)  // ≤ span: no overflow
            let part = KeyRange(lower: lower &+ Int64(bitPattern: offset), upper: lower &+ Int64(bitPattern: next))
            let ps = try checksum(source, part)
            let pt = try checksum(target, part)
            if ps != pt { try bisect(part, source: ps, target: pt, into: &leaves) }
            offset = next
        }
    }

    /// (key, row hash) lists of both sides of a leaf, compared.
    private func compareLeaf(_ range: KeyRange) throws -> LeafDifference {
        func hashes(_ db: any Connection, _ table: TableName, _ columns: [ColumnInfo]) throws -> [RowKey: Value] {
            var builder = SQLBuilder(dialect: db.dialect, columns: columns)
            var sql = "SELECT \(quoteIdentifiers(key)), \(db.dialect.rowHash(columns, using: hash)) FROM \(table.quoted)"
            if let condition = Predicate.all([range.predicate(column: key[0]), excludingKeys(excluded, key: key)]) {
                sql += " WHERE " + builder.render(condition)
            }
            var result: [RowKey: Value] = [:]
            for row in try db.query(sql, builder.parameters) {
                result[RowKey(Array(row.values[..<key.count]))] = row[key.count]
            }
            return result
        }
        let left = try hashes(source, plan.source, plan.columns)
        let right = try hashes(target, plan.target, targetColumns)
        var difference = LeafDifference()
        for (k, hash) in left {
            if let other = right[k] {
                if other != hash { difference.changed.append(k) }
            } else {
                difference.missing.append(k)
            }
        }
        difference.extra = right.keys.filter { left[$0] == nil }
        return difference
    }

    /// The cursor of the verified state: the source's highest key (tuple), and its highest dated timestamp with
    /// its highest key — both in the order cursors compare in (timestamps as instants, text byte by byte), not by
    /// MAX(), which compares SQLite's timestamps as text and PostgreSQL's text in the column's collation.
    func verifiedCursor() throws -> Cursor {
        var cursor = Cursor()
        let dialect = source.dialect
        let types = Dictionary(plan.columns.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        func descending(_ column: String) -> String { dialect.comparable(column, type: types[column]) + " DESC" }
        let k = quoteIdentifiers(key)
        let keysDescending = key.map(descending).joined(separator: ", ")
        let notNull = key.map { "\(quoteIdentifier($0)) IS NOT NULL" }.joined(separator: " AND ")
        cursor.key = try source.query(
            "SELECT \(k) FROM \(plan.source.quoted) WHERE \(notNull) ORDER BY \(keysDescending) LIMIT 1"
        ).first.map { RowKey($0.values) }
        guard let ts = plan.timestampColumn else { return cursor }
        var builder = SQLBuilder(dialect: dialect, types: types)
        // Dated rows, below the largest timestamp there is (SQLite text that is no timestamp sorts after it).
        let dated = builder.render(.and([
            .not(.undated(column: ts)),
            .less(column: ts, than: .timestamp(LocalTimestamp(year: 9999, month: 12, day: 31, hour: 23, minute: 59,
                                                              second: 59, microsecond: 999_999))),
        ]))
        let newest = try source.query(
            "SELECT \(quoteIdentifier(ts)), \(k) FROM \(plan.source.quoted) WHERE \(dated) "
                + "ORDER BY \(descending(ts)), \(keysDescending) LIMIT 1", builder.parameters).first
        // SQLite reports a timestamp column's value as text when its declared type is lost in an expression.
        let timestamp: LocalTimestamp? = switch newest?[0] {
        case .timestamp(let value)?: value
        case .text(let text)?: LocalTimestamp(text)
        default: nil
        }
        if let timestamp, timestamp != .zeroDate {
            cursor.timestamp = timestamp
            cursor.timestampKey = newest.map { RowKey(Array($0.values.dropFirst())) }
        }
        return cursor
    }
}

/// `NOT key IN (…)` for keys verification leaves out (rejected rows), or nil.
func excludingKeys(_ keys: [RowKey], key: [String]) -> Predicate? {
    keys.isEmpty ? nil : .not(.keyIn(key, keys))
}
