import TidemarkDatabase

/// Writes batches of source rows into one target table: checks each row against its columns, writes the rows
/// that fit and records the others in `etl_rejected_rows` — all in the caller's transaction, so a batch and its
/// rejections commit together with the checkpoint that covers them.
final class BatchWriter {
    /// How a batch is written.
    enum Mode {
        case upsert
        /// Bulk insert straight into the table (it was empty when the load began).
        case bulkInsert
        /// Bulk insert into staging, then merge.
        case stageAndMerge
        /// Bulk insert into staging only; the caller merges (a reload in place).
        case stage
    }

    let table: TableWriter
    let filter: RowFilter
    let rejections: RejectedRowsTable
    private let plan: TablePlan
    private let clock: @Sendable () -> LocalTimestamp
    private let factory: ConnectionFactory?
    /// Whether this table has rejected rows on record; then written keys are cleared from the record.
    var clearsRejections = false

    var connection: any Connection { table.connection }

    init(plan: TablePlan, target: any Connection, factory: ConnectionFactory?,
         clock: @escaping @Sendable () -> LocalTimestamp) {
        self.plan = plan
        self.table = TableWriter(connection: target, table: plan.target,
                                 columns: plan.columns.map { ColumnDefinition($0.name, $0.type) }, key: plan.keyColumns)
        self.filter = RowFilter(columns: plan.columns, keyIndices: plan.keyIndices)
        self.rejections = RejectedRowsTable(connection: target, schema: plan.target.schema)
        self.clock = clock
        self.factory = factory
    }

    /// Writes the rows that convert to their columns' types and records the others; returns both counts (rows
    /// staged count as written). A row the target itself refuses (a value out of its range, an invalid
    /// date, …) is isolated by splitting the batch and rejected with the server's reason; the rest are written.
    /// A rejected row leaves no copy in the target: an earlier version of it would be a value the source no
    /// longer holds, so it is deleted in the same transaction (``RejectedRowsTable`` lists the row).
    func write(_ values: [[Value]], _ mode: Mode) throws -> (written: Int, rejected: Int) {
        let (accepted, origins, rejected) = filter.split(values)
        var refused: [RowFilter.Rejection] = []
        let written = try writeIsolating(accepted, origins: origins, source: values, mode, refused: &refused)
        let all = rejected + refused
        if !all.isEmpty {
            try rejections.record(all, for: plan.table, at: clock())
            if mode != .stage { try table.delete(keys: all.map(\.key)) }
        }
        if clearsRejections, written > 0 {
            let refusedKeys = Set(refused.map(\.key))
            try rejections.clear(accepted.map(filter.key).filter { !refusedKeys.contains($0) }, for: plan.table)
        }
        return (written, all.count)
    }

    /// Writes `rows` in a savepoint; when the target refuses a value, halves the batch until the refused rows
    /// are alone. `origins[i]` is the index in `source` of `rows[i]`, whose fingerprint a rejection keeps.
    private func writeIsolating(_ rows: [[Value]], origins: [Int], source: [[Value]], _ mode: Mode,
                                refused: inout [RowFilter.Rejection]) throws -> Int {
        guard !rows.isEmpty else { return 0 }
        let hadStaging = table.stagingCreated
        do {
            return try connection.transaction { try writeBatch(rows, mode) }
        } catch let error as DatabaseError where error.isDataError {
            if !hadStaging { table.stagingRolledBack() }
            guard rows.count > 1 else {
                let row = source[origins[0]]
                refused.append(RowFilter.Rejection(key: filter.key(of: row), reason: "the target refused it: \(error.reason)",
                                                   rowHash: RowFilter.hash(row)))
                return 0
            }
            let half = rows.count / 2
            return try writeIsolating(Array(rows[..<half]), origins: Array(origins[..<half]), source: source, mode,
                                      refused: &refused)
                + writeIsolating(Array(rows[half...]), origins: Array(origins[half...]), source: source, mode,
                                 refused: &refused)
        }
    }

    private func writeBatch(_ rows: [[Value]], _ mode: Mode) throws -> Int {
        switch mode {
        case .upsert: return try table.upsert(rows)
        case .bulkInsert: return try table.insert(rows)
        case .stageAndMerge: return try table.stageAndMerge(rows)
        case .stage:
            try table.stage(rows)
            return rows.count
        }
    }

    /// A writer of its own on a new target connection, for a parallel worker; nil without a factory.
    func openWorker() throws -> BatchWriter? {
        guard let factory else { return nil }
        let worker = BatchWriter(plan: plan, target: try factory(), factory: nil, clock: clock)
        worker.clearsRejections = clearsRejections
        return worker
    }
}
