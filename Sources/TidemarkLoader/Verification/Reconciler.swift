import Logging
import TidemarkDatabase

/// Tuning of verification and repair (reladiff-like defaults).
public struct ReconcileSettings: Sendable {
    /// Sub-ranges a differing range is split into.
    public var bisectionFactor = 16
    /// A range with at most this many rows (on either side) is compared row by row.
    public var leafSize = 256
    /// When more than this fraction of the source differs, reload through a staging table and swap instead.
    public var swapFraction = 0.5
    /// Runs between finding the differences and repairing them — a hook for tests that change the source
    /// meanwhile, to show the snapshot keeps such changes out of this run.
    public var afterVerify: (@Sendable () throws -> Void)?

    public init() {}
}

/// What verification found and what repair did.
struct ReconcileOutcome {
    var missing = 0
    var changed = 0
    var extra = 0
    var swapped = false
    var differing: Int { missing + changed + extra }
}

/// Verifies a target table against the source by range checksums computed inside both engines, finds the
/// differing rows by bisection, and repairs only those: inserts missing rows, updates changed ones, deletes rows
/// gone from the source (one target transaction per leaf range). When most of the table differs it reloads into
/// a staging table and swaps it in, so readers never see an empty or half-filled table. Everything runs on one
/// consistent source snapshot.
struct Reconciler {
    let session: LoadSession
    let settings: ReconcileSettings

    init(session: LoadSession, settings: ReconcileSettings) {
        self.session = session
        self.settings = settings
    }

    private var plan: TablePlan { session.plan }
    private var source: any Connection { session.source }
    private var target: any Connection { session.target }
    private var key: String { plan.keyColumn }

    func run() throws -> ReconcileOutcome {
        try session.usage.measure("Reconciler.run") {
            if source.engine != target.engine {
                for db in [source, target] { try CanonicalRow.checkHashAgreement(db, table: plan.table) }
            }
            return try source.readSnapshot {
                var reconciler = self
                reconciler.targetInfo = try targetColumns()
                reconciler.excluded = try unchangedRejections()
                return try reconciler.verifyAndRepair()
            }
        }
    }

    /// Keys of rejected rows whose source row has not changed since: left out of verification, so a row the
    /// target cannot take does not make every run fall back. A changed row is verified (and retried) again.
    private var excluded: [Value] = []
    /// The target's columns, read once per run (every range checksum needs them).
    private var targetInfo: [ColumnInfo] = []

    private func unchangedRejections() throws -> [Value] {
        let recorded = try session.rejections.rejected(for: plan.table)
        guard !recorded.isEmpty, let type = plan.columns[plan.keyIndex].type else { return [] }
        let keys = recorded.keys.compactMap { Planner.keyValue($0, type: type) }
        var unchanged: [Value] = []
        for start in stride(from: 0, to: keys.count, by: 500) {
            let chunk = Array(keys[start..<min(start + 500, keys.count)])
            var builder = SQLBuilder(engine: source.engine)
            let sql = "SELECT \(quoteIdentifiers(plan.columnNames)) FROM \(plan.source.quoted) WHERE "
                + builder.render(.oneOf(column: key, values: chunk))
            for row in try source.query(sql, builder.parameters)
            where recorded[TrackingRow.text(row[plan.keyIndex])] == RowFilter.hash(row.values) {
                unchanged.append(row[plan.keyIndex])
            }
        }
        return unchanged
    }

    private func checksum(_ db: any Connection, _ table: TableName, _ range: KeyRange) throws -> RangeChecksum {
        let columns = db === source ? plan.columns : targetInfo
        return try RangeChecksum.compute(db, table: table, columns: columns, key: key, range: range, excluding: excluded)
    }

    /// The target's view of the source's columns (same names, the target's own types).
    private func targetColumns() throws -> [ColumnInfo] {
        let byName = Dictionary(try target.columns(of: plan.target).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        return plan.columns.map { byName[$0.name] ?? $0 }
    }

    private mutating func verifyAndRepair() throws -> ReconcileOutcome {
        var outcome = ReconcileOutcome()
        guard let found = try differingLeaves() else { return outcome }
        var differences: [LeafDifference] = []
        for leaf in found.leaves {
            let difference = try compareLeaf(leaf)
            outcome.missing += difference.missing.count
            outcome.changed += difference.changed.count
            outcome.extra += difference.extra.count
            differences.append(difference)
        }

        try settings.afterVerify?()
        if found.sourceCount > 0, Double(outcome.differing) > settings.swapFraction * Double(found.sourceCount) {
            try stageAndSwap()
            outcome.swapped = true
        } else {
            for difference in differences where !difference.isEmpty { try repair(difference) }
        }
        // Rows rejected during the repair are reported, not missing: verify without them. The ranges that
        // matched were verified in this snapshot and not written since, so only the repaired ones are checked
        // again (all of it after a swap).
        excluded = try unchangedRejections()
        let recheck = outcome.swapped || found.leaves.contains { $0.lower == nil } ? [KeyRange(lower: nil, upper: nil)] : found.leaves
        for range in recheck {
            let expected = try checksum(source, plan.source, range)
            let after = try checksum(target, plan.target, range)
            guard after == expected else {
                throw LoadError(table: plan.table, "verification still fails after repair (source \(expected.count) rows, "
                    + "target \(after.count) in the range checked)")
            }
        }
        try session.checkpoint(cursor: try derivedCursor(), rowsRead: 0,
                               rowsWritten: outcome.swapped ? Int(found.sourceCount) : outcome.missing + outcome.changed)
        return outcome
    }

    /// The key ranges small enough to compare row by row that hold every difference, or nil when the two sides
    /// are equal. Integer keys: one bucketed checksum scan per side, then bisection inside any differing bucket
    /// still larger than a leaf. Other keys: the whole table is one leaf.
    private func differingLeaves() throws -> (leaves: [KeyRange], sourceCount: Int64)? {
        let whole = KeyRange(lower: nil, upper: nil)
        guard let (low, high) = try integerBounds(), low > Int64.min / 4, high < Int64.max / 4 else {
            let s = try checksum(source, plan.source, whole)
            return s == (try checksum(target, plan.target, whole)) ? nil : ([whole], s.count)
        }
        let width = max(1, (high - low) / Self.buckets + 1)
        let count = (high - low) / width + 1
        // Both sides at once when they are different connections: each engine scans its own table.
        let (left, right) = try inParallel(source !== target, { [source, plan, key, excluded] in
            try RangeChecksum.buckets(source, table: plan.source, columns: plan.columns, key: key, lower: low,
                                      width: width, count: count, excluding: excluded)
        }, { [target, plan, key, excluded, targetInfo] in
            try RangeChecksum.buckets(target, table: plan.target, columns: targetInfo, key: key, lower: low,
                                      width: width, count: count, excluding: excluded)
        })
        guard left != right else { return nil }
        var leaves: [KeyRange] = []
        let empty = RangeChecksum(count: 0, sum0: 0, sum1: 0)
        for bucket in Set(left.keys).union(right.keys).sorted() {
            let s = left[bucket] ?? empty, t = right[bucket] ?? empty
            guard s != t else { continue }
            let range = KeyRange(lower: low + bucket * width, upper: low + (bucket + 1) * width)
            try bisect(range, source: s, target: t, into: &leaves)
        }
        return (leaves, left.values.reduce(0) { $0 + $1.count })
    }

    /// Buckets of the first verification pass: about `leafSize` rows each up to a million rows.
    private static let buckets: Int64 = 4096

    /// The smallest and largest key on either side, when the key is an integer.
    private func integerBounds() throws -> (Int64, Int64)? {
        guard [.bigint, .integer, .smallint].contains(plan.columns[plan.keyIndex].type) else { return nil }
        let k = quoteIdentifier(key)
        var low: Int64?
        var high: Int64?
        for (db, table) in [(source, plan.source), (target, plan.target)] {
            guard let row = try db.query("SELECT MIN(\(k)), MAX(\(k)) FROM \(table.quoted)").first else { continue }
            if let v = row[0].int64 { low = min(low ?? v, v) }
            if let v = row[1].int64 { high = max(high ?? v, v) }
        }
        guard let low, let high else { return nil }
        return (low, high)
    }

    private func bisect(_ range: KeyRange, source s: RangeChecksum, target t: RangeChecksum,
                        into leaves: inout [KeyRange]) throws {
        guard let lower = range.lower, let upper = range.upper,
            max(s.count, t.count) > Int64(settings.leafSize), upper - lower > 1
        else {
            leaves.append(range)
            return
        }
        let width = max(1, (upper - lower + Int64(settings.bisectionFactor) - 1) / Int64(settings.bisectionFactor))
        var start = lower
        while start < upper {
            let end = min(upper, start + width)
            let part = KeyRange(lower: start, upper: end)
            let ps = try checksum(source, plan.source, part)
            let pt = try checksum(target, plan.target, part)
            if ps != pt { try bisect(part, source: ps, target: pt, into: &leaves) }
            start = end
        }
    }

    struct LeafDifference {
        var missing: [Value] = []
        var changed: [Value] = []
        var extra: [Value] = []
        var isEmpty: Bool { missing.isEmpty && changed.isEmpty && extra.isEmpty }
    }

    /// (key, row hash) lists of both sides of a leaf, compared.
    private func compareLeaf(_ range: KeyRange) throws -> LeafDifference {
        func hashes(_ db: any Connection, _ table: TableName, _ columns: [ColumnInfo]) throws -> [Value: Value] {
            var builder = SQLBuilder(engine: db.engine)
            var sql = "SELECT \(quoteIdentifier(key)), \(CanonicalRow.hash(columns, engine: db.engine)) FROM \(table.quoted)"
            if let condition = Predicate.all([range.predicate(column: key), excludingKeys(excluded, key: key)]) {
                sql += " WHERE " + builder.render(condition)
            }
            var result: [Value: Value] = [:]
            for row in try db.query(sql, builder.parameters) { result[row[0]] = row[1] }
            return result
        }
        let left = try hashes(source, plan.source, plan.columns)
        let right = try hashes(target, plan.target, targetInfo)
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

    /// One target transaction: upsert the source's version of missing and changed rows, delete the extra ones.
    private func repair(_ difference: LeafDifference) throws {
        let wanted = difference.missing + difference.changed
        try target.transaction {
            for chunk in stride(from: 0, to: wanted.count, by: 500).map({ Array(wanted[$0..<min($0 + 500, wanted.count)]) }) {
                let placeholders = (1...chunk.count).map(source.engine.placeholder).joined(separator: ", ")
                let rows = try source.query(
                    "SELECT \(quoteIdentifiers(plan.columnNames)) FROM \(plan.source.quoted) WHERE \(quoteIdentifier(key)) "
                        + "IN (\(placeholders))", chunk)
                _ = try session.repairWrite(rows.map(\.values))
            }
            for chunk in stride(from: 0, to: difference.extra.count, by: 500).map({
                Array(difference.extra[$0..<min($0 + 500, difference.extra.count)])
            }) {
                let placeholders = (1...chunk.count).map(target.engine.placeholder).joined(separator: ", ")
                try target.execute(
                    "DELETE FROM \(plan.target.quoted) WHERE \(quoteIdentifier(key)) IN (\(placeholders))", chunk)
            }
        }
    }

    /// Reloads the whole table into a staging copy and swaps it in with renames in one transaction.
    private func stageAndSwap() throws {
        let staging = TableName("tidemark_swap_" + plan.target.name, schema: plan.target.schema)
        let retired = TableName("tidemark_old_" + plan.target.name, schema: plan.target.schema)
        let existing = try target.columns(of: plan.target)
        try target.execute("DROP TABLE IF EXISTS \(staging.quoted)")
        try target.createTable(TableSchema(
            name: staging, columns: existing.map { ColumnDefinition($0.name, $0.type ?? .text, nullable: $0.isNullable) },
            primaryKey: try target.primaryKey(of: plan.target)))
        let query = SourceQuery(engine: source.engine, table: plan.source, columns: plan.columnNames, where: nil,
                                orderBy: [key])
        let stagingWriter = TableWriter(connection: target, table: staging, columns: plan.columnNames, key: [key])
        let now = LoadStatusTable.now(skew: session.options.clockSkewSeconds)
        try source.stream(query.sql, query.parameters, batchSize: plan.batchSize) { batch in
            _ = try LoadSession.write(batch.map(\.values), .bulkInsert, with: stagingWriter, filter: session.filter,
                                      rejections: session.rejections, table: plan.table, clearRejections: false, now: now)
        }
        try target.transaction {
            try target.execute("ALTER TABLE \(plan.target.quoted) RENAME TO \(quoteIdentifier(retired.name))")
            try target.execute("ALTER TABLE \(staging.quoted) RENAME TO \(quoteIdentifier(plan.target.name))")
            try target.execute("DROP TABLE \(retired.quoted)")
        }
        session.writer.forgetPreparedStatements()
    }

    /// The cursor of the verified state: the source's highest key, and its highest dated timestamp with its
    /// highest key, read in the same snapshot.
    private func derivedCursor() throws -> Cursor {
        var cursor = Cursor()
        let k = quoteIdentifier(key)
        cursor.key = try source.scalar("SELECT MAX(\(k)) FROM \(plan.source.quoted)").flatMap { $0.isNull ? nil : $0 }
        guard let ts = plan.timestampColumn else { return cursor }
        let t = quoteIdentifier(ts)
        let newest = try source.scalar(
            "SELECT MAX(\(t)) FROM \(plan.source.quoted) WHERE \(t) IS NOT NULL AND \(t) <> \(source.engine.placeholder(1))",
            [.timestamp(.zeroDate)])
        // SQLite reports MAX() of a timestamp column as its text.
        let timestamp: LocalTimestamp? = switch newest {
        case .timestamp(let value)?: value
        case .text(let text)?: LocalTimestamp(text)
        default: nil
        }
        if let timestamp {
            cursor.timestamp = timestamp
            cursor.timestampKey = try source.scalar(
                "SELECT MAX(\(k)) FROM \(plan.source.quoted) WHERE \(t) = \(source.engine.placeholder(1))",
                [.timestamp(timestamp)])
        }
        return cursor
    }
}
