import Logging
import TidemarkDatabase

/// The state of loading one table in one run: the plan, the connections, the cursor and the counters.
///
/// Strategies read rows their own way and hand every batch to ``commit(_:write:)``, the single checkpoint:
/// one target transaction writes the rows, moves the cursor over them and stores it in `etl_load_status`.
/// A failure anywhere rolls back that batch and its cursor together, so the tracking row never claims rows
/// the target does not hold.
final class LoadSession {
    let plan: TablePlan
    let source: any Connection
    let target: any Connection
    let sourceFactory: ConnectionFactory?
    let targetFactory: ConnectionFactory?
    let options: LoadOptions
    let logger: Logger
    let usage: MethodUsage
    let writer: TableWriter
    let tracking: LoadStatusTable
    let rejections: RejectedRowsTable
    let filter: RowFilter
    var trackingRow: TrackingRow
    /// Whether this table has rejected rows on record (then written keys are cleared from the record).
    var hasRejections: Bool

    /// The cursor as last committed.
    private(set) var cursor: Cursor
    private(set) var rowsRead = 0
    private(set) var rowsWritten = 0
    private(set) var commits = 0
    private(set) var rowsRejected = 0

    /// How `commit` writes a batch.
    enum WriteMode {
        case upsert
        /// COPY straight into the table (it was empty when the load began).
        case bulkInsert
        /// COPY into staging, then merge.
        case stageAndMerge
    }

    init(plan: TablePlan, source: any Connection, target: any Connection, sourceFactory: ConnectionFactory?,
         targetFactory: ConnectionFactory?, options: LoadOptions, logger: Logger, usage: MethodUsage,
         trackingRow: TrackingRow) {
        self.plan = plan
        self.source = source
        self.target = target
        self.sourceFactory = sourceFactory
        self.targetFactory = targetFactory
        self.options = options
        self.logger = logger
        self.usage = usage
        self.writer = TableWriter(connection: target, table: plan.target, columns: plan.columnNames, key: [plan.keyColumn],
                                  types: plan.columns.map(\.type))
        self.tracking = LoadStatusTable(connection: target, schema: plan.target.schema)
        self.rejections = RejectedRowsTable(connection: target, schema: plan.target.schema)
        self.filter = RowFilter(columns: plan.columns, keyIndex: plan.keyIndex)
        self.trackingRow = trackingRow
        self.hasRejections = false
        self.cursor = plan.storedCursor
    }

    /// Starts a read from scratch: a full read derives the cursor anew from what it reads, so a watermark that
    /// was ahead of the data is replaced, not kept.
    func beginRead(full: Bool) {
        if full { cursor = .empty }
    }

    /// The query for a phase, optionally continuing after `after` (values of the phase's order columns) and
    /// limited to `range` of keys.
    func query(_ phase: ReadPhase, after: [Value]? = nil, keyRange: KeyRange? = nil, limit: Int? = nil) -> SourceQuery {
        let continuation = after.map { Predicate.after(phase.orderBy, $0) }
        let rangeCondition = keyRange.map { $0.predicate(column: plan.keyColumn) }
        return SourceQuery(
            engine: source.engine, table: plan.source, columns: plan.columnNames,
            where: Predicate.all([phase.condition, rangeCondition ?? nil, continuation]), orderBy: phase.orderBy, limit: limit)
    }

    /// Runs `read` (which hands over batches of source rows) and `write` (which commits them) so that the next
    /// batch is read while the last is written — on a thread of its own when source and target are different
    /// connections, one after the other otherwise.
    func readAhead(_ read: @escaping (_ emit: ([Row]) throws -> Void) throws -> Void,
                   write: ([Row]) throws -> Void) throws {
        if source !== target {
            try ReadAhead.run(read: read, write: write)
        } else {
            try read(write)
        }
    }

    /// Streams a query's rows in batches of `batch_size` to `write`, reading ahead.
    func stream(_ query: SourceQuery, write: ([Row]) throws -> Void) throws {
        try readAhead({ [source, plan] emit in
            try source.stream(query.sql, query.parameters, batchSize: plan.batchSize, emit)
        }, write: write)
    }

    /// Writes a batch and checkpoints the cursor in one target transaction.
    func commit(_ rows: [Row], write mode: WriteMode) throws {
        guard !rows.isEmpty else { return }
        let values = rows.map(\.values)
        var next = cursor
        let keyIndex = plan.keyIndex, timestampIndex = plan.timestampIndex
        for row in rows { next.advance(key: row[keyIndex], timestamp: timestampIndex.map { row[$0] }) }
        let attempt = commits + 1
        var rejected = 0
        let written = try usage.measure("Pipeline.checkpoint") {
            try target.transaction {
                let outcome = try usage.measure("Pipeline.write") { try write(values, mode) }
                rejected = outcome.rejected
                let row = trackingRow(cursor: next, rows: rowsWritten + outcome.written, status: .pending)
                try tracking.write(row)
                if options.failInsideCommit == attempt { throw InjectedFault(commit: attempt) }
                trackingRow = row
                return outcome.written
            }
        }
        rowsRejected += rejected
        if rejected > 0 { hasRejections = true }
        cursor = next
        commits = attempt
        rowsRead += rows.count
        rowsWritten += written
    }

    /// Writes the rows that fit their columns and records the others in `etl_rejected_rows`, in the caller's
    /// transaction; used by `commit` and by the parallel workers (on their own connections).
    static func write(_ values: [[Value]], _ mode: WriteMode, with writer: TableWriter, filter: RowFilter,
                      rejections: RejectedRowsTable, table: String, clearRejections: Bool,
                      now: LocalTimestamp) throws -> (written: Int, rejected: Int) {
        let (accepted, rejected) = filter.split(values)
        var written = 0
        if !accepted.isEmpty {
            switch mode {
            case .upsert: written = try writer.upsert(accepted)
            case .bulkInsert: written = try writer.insert(accepted)
            case .stageAndMerge: written = try writer.stageAndMerge(accepted)
            }
        }
        if !rejected.isEmpty { try rejections.record(rejected, for: table, at: now) }
        if clearRejections, !accepted.isEmpty { try rejections.clear(accepted.map { $0[filter.keyIndex] }, for: table) }
        return (written, rejected.count)
    }

    private func write(_ values: [[Value]], _ mode: WriteMode) throws -> (written: Int, rejected: Int) {
        try Self.write(values, mode, with: writer, filter: filter, rejections: rejections, table: plan.table,
                       clearRejections: hasRejections, now: LoadStatusTable.now(skew: options.clockSkewSeconds))
    }

    /// Upserts rows outside a strategy (repairs), through the same filter and rejection record.
    func repairWrite(_ values: [[Value]]) throws -> (written: Int, rejected: Int) {
        let outcome = try write(values, .upsert)
        rowsRejected += outcome.rejected
        return outcome
    }

    /// Records work done outside `commit` (parallel ranges), then checkpoints `cursor` on its own.
    func checkpoint(cursor newCursor: Cursor, rowsRead read: Int, rowsWritten written: Int, rowsRejected rejected: Int = 0) throws {
        rowsRead += read
        rowsWritten += written
        rowsRejected += rejected
        let row = trackingRow(cursor: newCursor, rows: rowsWritten, status: .pending)
        try target.transaction { try tracking.write(row) }
        trackingRow = row
        cursor = newCursor
    }

    /// Marks the load a success with the final cursor and this run's row count.
    func finish() throws {
        var row = trackingRow(cursor: cursor, rows: rowsWritten, status: .success)
        row.lastError = nil
        try target.transaction { try tracking.write(row) }
        trackingRow = row
    }

    /// The tracking row with `cursor` stored, `rows` written by this run, and `status`.
    private func trackingRow(cursor: Cursor, rows: Int, status: LoadStatus) -> TrackingRow {
        var row = trackingRow
        row.store(cursor, keyColumn: plan.keyColumn, timestampColumn: plan.timestampColumn)
        row.rowsLoaded = Int64(rows)
        row.loadStatus = status.rawValue
        row.loadedAt = LoadStatusTable.now(skew: options.clockSkewSeconds)
        return row
    }
}

/// A half-open range of integer keys, `lower ≤ key < upper` (either side open when nil).
struct KeyRange: Sendable, Equatable {
    let lower: Int64?
    let upper: Int64?

    func predicate(column: String) -> Predicate? {
        Predicate.all([
            lower.map { .greaterOrEqual(column: column, than: .integer($0)) },
            upper.map { .less(column: column, than: .integer($0)) },
        ])
    }
}
