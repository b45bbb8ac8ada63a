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
        self.table = TableWriter(connection: target, table: plan.target, columns: plan.columnNames,
                                 key: [plan.keyColumn], types: plan.columns.map(\.type))
        self.filter = RowFilter(columns: plan.columns, keyIndex: plan.keyIndex)
        self.rejections = RejectedRowsTable(connection: target, schema: plan.target.schema)
        self.clock = clock
        self.factory = factory
    }

    /// Writes the rows that fit their columns and records the others; returns both counts (rows staged count
    /// as written).
    func write(_ values: [[Value]], _ mode: Mode) throws -> (written: Int, rejected: Int) {
        let (accepted, rejected) = filter.split(values)
        var written = 0
        if !accepted.isEmpty {
            switch mode {
            case .upsert: written = try table.upsert(accepted)
            case .bulkInsert: written = try table.insert(accepted)
            case .stageAndMerge: written = try table.stageAndMerge(accepted)
            case .stage:
                try table.stage(accepted)
                written = accepted.count
            }
        }
        if !rejected.isEmpty { try rejections.record(rejected, for: plan.table, at: clock()) }
        if clearsRejections, !accepted.isEmpty {
            try rejections.clear(accepted.map { $0[filter.keyIndex] }, for: plan.table)
        }
        return (written, rejected.count)
    }

    /// A writer of its own on a new target connection, for a parallel worker; nil without a factory.
    func openWorker() throws -> BatchWriter? {
        guard let factory else { return nil }
        let worker = BatchWriter(plan: plan, target: try factory(), factory: nil, clock: clock)
        worker.clearsRejections = clearsRejections
        return worker
    }
}
