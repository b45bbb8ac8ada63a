import TidemarkDatabase

/// The one writer of a table's `etl_load_status` row during a load: it owns the cursor and the counters.
///
/// Every batch goes through ``commit(_:with:mode:)``: one target transaction writes the rows, moves the cursor
/// over them and stores it. A failure anywhere rolls back the batch and its cursor together, so the tracking
/// row never claims rows the target does not hold.
final class Checkpointer {
    let plan: TablePlan
    private let tracking: LoadStatusTable
    private let usage: MethodUsage
    private let clock: @Sendable () -> LocalTimestamp
    private let rowsCommitted: (@Sendable (Int) -> Void)?
    private var trackingRow: TrackingRow

    /// The cursor as last committed.
    private(set) var cursor: Cursor
    private(set) var rowsRead = 0
    private(set) var rowsWritten = 0
    private(set) var rowsRejected = 0
    /// Rejected rows on record for the table after the run, once counted.
    var outstandingRejections: Int?
    /// The table's tracking row as this run found it (how the previous run ended).
    let previous: TrackingRow?
    /// The leading keys of the rows this run wrote, for `verify: rolling`.
    private(set) var written = WrittenKeys()

    var target: any Connection { tracking.connection }

    /// `fence` is this run's: taken with the table's lock (see ``TrackingRow/fence``).
    init(plan: TablePlan, tracking: LoadStatusTable, stored: TrackingRow?, runID: String, fence: Int64,
         usage: MethodUsage, clock: @escaping @Sendable () -> LocalTimestamp,
         rowsCommitted: (@Sendable (Int) -> Void)? = nil) {
        self.plan = plan
        self.rowsCommitted = rowsCommitted
        self.tracking = tracking
        self.usage = usage
        self.clock = clock
        self.previous = stored
        var row = stored ?? TrackingRow(tableName: plan.table, rowsLoaded: 0)
        row.runID = runID
        row.fence = fence
        self.trackingRow = row
        self.cursor = plan.storedCursor
    }

    /// Starts a read from scratch: a full read derives the cursor anew from what it reads, so a watermark that
    /// was ahead of the data is replaced, not kept.
    func beginRead(full: Bool) {
        if full { cursor = .empty }
    }

    /// Writes a batch with `writer` and checkpoints the cursor over it, in one target transaction.
    func commit(_ rows: [Row], with writer: BatchWriter, mode: BatchWriter.Mode) throws {
        guard !rows.isEmpty else { return }
        try LoadCancellation.check()
        var next = cursor
        let timestampIndex = plan.timestampIndex
        let holding = plan.mode.holdsTimestampDuringPass
        for row in rows {
            guard let key = plan.cursorKey(of: row.values) else { continue }
            next.advance(key: key, timestamp: timestampIndex.map { row[$0] }, holdingTimestamp: holding)
        }
        let outcome = try usage.measure("Pipeline.checkpoint") {
            try target.transaction {
                let outcome = try usage.measure("Pipeline.write") { try writer.write(rows.map(\.values), mode) }
                try CrashPoint.batchWritten.reach()
                let row = trackingRow(cursor: next, rows: rowsWritten + outcome.written, status: .pending)
                try tracking.write(row)
                trackingRow = row
                try CrashPoint.checkpointWritten.reach()
                return outcome
            }
        }
        try CrashPoint.batchCommitted.reach()
        cursor = next
        if plan.verifyMode == .rolling {
            let leading = plan.keyIndices[0]
            for row in rows { written.add(row[leading]) }
        }
        count(read: rows.count, written: outcome.written, rejected: outcome.rejected)
    }

    /// Counts work written outside ``commit(_:with:mode:)`` (parallel workers, repairs).
    func count(read: Int = 0, written: Int = 0, rejected: Int = 0) {
        rowsRead += read
        if read > 0 { rowsCommitted?(read) }
        rowsWritten += written
        rowsRejected += rejected
    }

    /// Adds keys written outside ``commit(_:with:mode:)`` (parallel workers).
    func wrote(_ keys: WrittenKeys) {
        written.add(keys)
    }

    /// Moves `verify: rolling` to its next slice; stored with the run's final status.
    func recordRollingVerification(next: SlicePosition, cycle: Int) {
        trackingRow.verifySlice = Int64(next.slice)
        trackingRow.verifyCycle = Int64(cycle)
        trackingRow.verifyPosition = next.start
    }

    /// Notes that every row was verified now; stored with the run's next write.
    func recordFullVerification() {
        trackingRow.lastFullVerifyAt = clock()
    }

    /// Stores `newCursor` on its own, after work that was already committed (parallel ranges, a repair).
    func checkpoint(_ newCursor: Cursor) throws {
        try CrashPoint.beforeCheckpoint.reach()
        let row = trackingRow(cursor: newCursor, rows: rowsWritten, status: .pending)
        try target.transaction { try tracking.write(row) }
        trackingRow = row
        cursor = newCursor
    }

    /// Ends the read pass: with every phase read, the pass's timestamp becomes the watermark (`and_logic`;
    /// see ``Cursor/passTimestamp``). Stored at once, so a failure later in the run (verification) keeps it.
    func completePass() throws {
        let completed = cursor.completingPass()
        guard completed != cursor else { return }
        try checkpoint(completed)
    }

    /// Marks the load a success with the final cursor and this run's row count.
    func finish() throws {
        try CrashPoint.beforeFinish.reach()
        var row = trackingRow(cursor: cursor, rows: rowsWritten, status: .success)
        row.lastError = nil
        row.lastSuccessAt = row.loadedAt
        try target.transaction { try tracking.write(row) }
        trackingRow = row
    }

    /// Marks a table's load failed, keeping the committed cursor: the tracking row as the database holds it,
    /// not as this process last saw it. With this run's `fence`, a newer run's row is left alone.
    static func recordFailure(_ table: String, error: any Error, in tracking: LoadStatusTable, runID: String,
                              fence: Int64?, at time: LocalTimestamp) throws {
        var tracking = tracking
        try tracking.ensureExists()
        var row = try tracking.read(table) ?? TrackingRow(tableName: table, rowsLoaded: 0)
        row.loadStatus = LoadStatus.failed.rawValue
        row.lastError = String(String(describing: error).prefix(2000))
        row.loadedAt = time
        row.runID = runID
        if let fence { row.fence = fence }
        try tracking.connection.transaction { try tracking.write(row) }
    }

    /// The tracking row with `cursor` stored, `rows` written by this run, and `status`.
    private func trackingRow(cursor: Cursor, rows: Int, status: LoadStatus) -> TrackingRow {
        var row = trackingRow
        row.store(cursor, keyColumns: plan.keyColumns, timestampColumn: plan.timestampColumn)
        row.rowsLoaded = Int64(rows)
        row.loadStatus = status.rawValue
        row.loadedAt = clock()
        return row
    }
}
