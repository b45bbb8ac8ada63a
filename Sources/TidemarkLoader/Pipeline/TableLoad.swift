import Logging
import TidemarkDatabase

/// One table's load in one run: its plan and the three parts that move its rows — the source reader, the batch
/// writer and the checkpointer. Strategies and recovery policies get this and nothing else.
struct TableLoad {
    let plan: TablePlan
    let reader: SourceReader
    let writer: BatchWriter
    let checkpointer: Checkpointer
    let options: LoadOptions
    let logger: Logger
    let usage: MethodUsage

    /// Writes a batch with this load's writer and checkpoints the cursor over it, in one target transaction.
    func commit(_ rows: [Row], mode: BatchWriter.Mode = .upsert) throws {
        try checkpointer.commit(rows, with: writer, mode: mode)
    }

    /// Reads this run's phases (or every row, when `full`) with the strategy, which commits every batch.
    func read(full: Bool, with strategy: any LoadStrategy) throws {
        let phases = plan.phases(full: full)
        checkpointer.beginRead(full: full)
        for phase in phases {
            let query = reader.query(phase)
            let shown = query.sql.range(of: " WHERE ").map { String(query.sql[$0.upperBound...]) } ?? "1=1"
            logger.info("Where clause: \(shown)\(query.parameters.isEmpty ? "" : " \(query.parameters)")")
        }
        try usage.measure("\(type(of: strategy)).load") { try strategy.load(phases, load: self) }
        try checkpointer.completePass()
    }
}
