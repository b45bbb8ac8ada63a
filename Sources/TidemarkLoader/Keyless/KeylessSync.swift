import Logging
import TidemarkDatabase

/// Loads a table without a key (``KeylessPlan``): compares source and target as multisets of rows and writes
/// exactly the copies that differ — or, when most of the table differs (or `--full`), rewrites it — in one
/// target transaction with its tracking row, so a failure leaves the last good state and a rerun duplicates
/// nothing. Every policy and strategy take this one route; `reconcile` also checks the result afterwards.
struct KeylessSync {
    let plan: KeylessPlan
    let source: any Connection
    let target: any Connection
    let tracking: LoadStatusTable
    let stored: TrackingRow?
    let runID: String
    let fence: Int64
    let settings: ReconcileSettings
    let logger: Logger
    let clock: @Sendable () -> LocalTimestamp

    /// What a run did, for the table's ``LoadResult``.
    struct Outcome {
        var inserted = 0
        var deleted = 0
        var read = 0
        var rejected = 0
        var fallback = LoadResult.Fallback.none
        var reason: String?
        var fullLoad = false
        var verified = false
    }

    private var rejections: RejectedRowsTable { RejectedRowsTable(connection: target, schema: plan.target.schema) }

    func run() throws -> Outcome {
        // A table without a key is compared on every run: `verify: off` cannot spare it the hash.
        let hash = try CanonicalRow.sharedHash(source, target, table: plan.table,
                                               remedy: "a table without a key is compared row by row on every run, so "
                                                   + "declare primary_key in tables.yml")
        let targetColumns = try Verifier.targetView(of: plan.columns, in: target, table: plan.target)
        var outcome = Outcome()
        // The source's buckets and the rows of the differing ones come from one snapshot; the target's rows are
        // read in the transaction that deletes them, so their locators still name them.
        let reload: (sourceCount: Int64, targetCount: Int64)? = try source.readSnapshot(of: [plan.source]) {
            let sourceBuckets = try HashBuckets.read(source, table: plan.source, columns: plan.columns, hash: hash)
            let targetBuckets = try HashBuckets.read(target, table: plan.target, columns: targetColumns, hash: hash)
            let differing = sourceBuckets.differing(from: targetBuckets)
            let rowsThere = max(sourceBuckets.rows(in: differing), targetBuckets.rows(in: differing))
            if plan.forceFull || targetBuckets.rowCount == 0
                || Double(rowsThere) > settings.reloadFraction * Double(max(sourceBuckets.rowCount, 1)) {
                return (sourceBuckets.rowCount, targetBuckets.rowCount)
            }
            try LoadCancellation.check()
            try target.transaction {
                let difference = try CopyDifference.within(
                    differing, source: source, sourceTable: plan.source, sourceColumns: plan.columns,
                    target: target, targetTable: plan.target, targetColumns: targetColumns, hash: hash)
                outcome.read = difference.missing.count
                try rejections.clearAll(for: plan.table)
                outcome.deleted = try deleteCopies(difference.surplus)
                (outcome.inserted, outcome.rejected) = try insert(difference.missing)
                try writeTracking(rows: outcome.inserted)
            }
            return nil
        }
        if let (sourceCount, targetCount) = reload {
            try LoadCancellation.check()
            outcome.fullLoad = true
            if targetCount > 0, !plan.forceFull {
                outcome.fallback = .full_reload
                outcome.reason = "more than \(Int(settings.reloadFraction * 100))% of \(sourceCount) source rows "
                    + "differ in a table without a key: rewritten in one transaction"
                logger.info("\(plan.table): \(outcome.reason!)")
            }
            try target.transaction {
                try rejections.clearAll(for: plan.table)
                outcome.deleted = try target.execute("DELETE FROM \(plan.target.quoted)")
                let names = quoteIdentifiers(plan.columns.map(\.name))
                try source.stream("SELECT \(names) FROM \(plan.source.quoted)", [], batchSize: plan.batchSize) { rows in
                    try LoadCancellation.check()
                    outcome.read += rows.count
                    let (inserted, rejected) = try insert(rows.map(\.values))
                    outcome.inserted += inserted
                    outcome.rejected += rejected
                }
                try writeTracking(rows: outcome.inserted)
            }
        }
        if plan.policy == .reconcile, plan.verify {
            outcome.verified = try source.readSnapshot(of: [plan.source]) {
                try HashBuckets.read(source, table: plan.source, columns: plan.columns, hash: hash)
                    == HashBuckets.read(target, table: plan.target, columns: targetColumns, hash: hash)
            }
        }
        return outcome
    }

    /// Deletes one target copy per locator.
    private func deleteCopies(_ locators: [Value]) throws -> Int {
        guard !locators.isEmpty else { return 0 }
        let statement = try target.prepare("DELETE FROM \(plan.target.quoted) WHERE "
            + target.dialect.rowLocator!.match(target.engine.placeholder(1)))
        var deleted = 0
        for locator in locators { deleted += try statement.execute([locator]) }
        return deleted
    }

    /// Inserts rows converted to their columns' types. A row that does not convert, or that the target refuses
    /// (a CHECK of the users', a value out of the server's range), is rejected alone, keyed by its fingerprint
    /// (it has no key), and retried every run while the source holds it; the other rows are inserted.
    private func insert(_ rows: [[Value]]) throws -> (inserted: Int, rejected: Int) {
        guard !rows.isEmpty else { return (0, 0) }
        // The fingerprint rides along as a last, never-NULL column the filter takes for the key.
        let fingerprint = ColumnInfo(name: "row", declaredType: "text", type: .text, isNullable: false)
        let filter = RowFilter(columns: plan.columns + [fingerprint], keyIndices: [plan.columns.count])
        var (accepted, _, rejected) = filter.split(rows.map { $0 + [.text("row " + RowFilter.hash($0))] })
        let inserted = try insertIsolating(accepted, refused: &rejected)
        if !rejected.isEmpty { try rejections.record(rejected, for: plan.table, at: clock()) }
        return (inserted, rejected.count)
    }

    /// Inserts `rows` (each ending in its fingerprint) in a savepoint; when the target refuses a value, halves
    /// the rows until the refused ones are alone.
    private func insertIsolating(_ rows: [[Value]], refused: inout [RowFilter.Rejection]) throws -> Int {
        guard !rows.isEmpty else { return 0 }
        do {
            return try target.transaction {
                try target.bulkInsert(into: plan.target, columns: plan.columns.map(\.name), rows: rows.map { Array($0.dropLast()) })
            }
        } catch let error as DatabaseError where error.isDataError {
            guard rows.count > 1 else {
                let key = rows[0].last!
                refused.append(RowFilter.Rejection(key: RowKey([key]), reason: "the target refused it: \(error.reason)",
                                                   rowHash: String(key.string?.dropFirst(4) ?? "")))
                return 0
            }
            let half = rows.count / 2
            return try insertIsolating(Array(rows[..<half]), refused: &refused)
                + insertIsolating(Array(rows[half...]), refused: &refused)
        }
    }

    /// The tracking row of a table without a key: no cursor (key and timestamp columns NULL), this run's
    /// inserted copies as `rows_loaded`, `success` — written in the transaction of the rows it covers.
    private func writeTracking(rows: Int) throws {
        var row = stored ?? TrackingRow(tableName: plan.table, rowsLoaded: 0)
        row.lastPrimaryValue = nil
        row.primaryColumnName = nil
        row.lastTimestampValue = nil
        row.timestampColumnName = nil
        row.lastTimestampKey = nil
        row.passTimestampValue = nil
        row.passTimestampKey = nil
        row.cursorFormat = TrackingRow.currentCursorFormat
        row.rowsLoaded = Int64(rows)
        row.loadStatus = LoadStatus.success.rawValue
        row.loadedAt = clock()
        row.lastSuccessAt = row.loadedAt
        row.lastError = nil
        row.runID = runID
        row.fence = fence
        try tracking.write(row)
    }
}

extension RejectedRowsTable {
    /// Forgets every rejection of a table: a run that compares the whole table records anew those still there.
    func clearAll(for tableName: String) throws {
        try connection.execute("DELETE FROM \(table.quoted) WHERE table_name = \(connection.engine.placeholder(1))",
                               [.text(tableName)])
    }
}
