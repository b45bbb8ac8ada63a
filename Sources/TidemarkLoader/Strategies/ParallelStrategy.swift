import Foundation
import TidemarkConfig
import TidemarkDatabase

/// N workers, each with its own source and target connection, over disjoint ranges of the leading key column
/// when it is an integer (a composite key's ranges hold every tuple whose first column falls in them, so they
/// are disjoint in tuple order too; split by unsigned arithmetic, which cannot overflow).
///
/// Workers write their rows in their own transactions; the cursor is checkpointed by the coordinator only over
/// ranges that completed: with every range done, the merged cursor; otherwise (key mode) the end of the
/// completed prefix of ranges, and no timestamp movement. Without a way to open more connections, or with a
/// non-integer key, it runs one range on the load's own connections.
struct ParallelStrategy: LoadStrategy {
    static let kind = StrategyKind.parallel

    func load(_ phases: [ReadPhase], load: TableLoad) throws {
        for phase in phases {
            try self.load(phase, load: load)
        }
    }

    private func load(_ phase: ReadPhase, load: TableLoad) throws {
        let plan = load.plan
        let workers = max(1, load.options.parallelWorkers)
        guard workers > 1, plan.leadingKeyType.isInteger,
            let ranges = try keyRanges(phase, reader: load.reader, count: workers), ranges.count > 1,
            let workers = try openWorkers(ranges.count, load: load)
        else {
            // One range on the load's own connections: streaming with checkpoints.
            return try StreamingStrategy().load([phase], load: load)
        }

        defer { workers.close() }
        let results = ParallelResults(count: ranges.count)
        let queries = ranges.map { load.reader.query(phase, keyRange: $0) }
        let batchSize = plan.batchSize
        let timestampIndex = plan.timestampIndex
        let holding = plan.mode.holdsTimestampDuringPass
        // Only `verify: rolling` checks the keys a run wrote.
        let leading = plan.verifyMode == .rolling ? plan.keyIndices[0] : nil
        load.usage.measure("ParallelStrategy.workers") {
            DispatchQueue.concurrentPerform(iterations: ranges.count) { index in
                let (source, writer) = workers.connections[index]
                let outcome = Result { () throws -> RangeOutcome in
                    var outcome = RangeOutcome()
                    try source.stream(queries[index].sql, queries[index].parameters, batchSize: batchSize) { batch in
                        // A stop (SIGINT/SIGTERM) ends every worker between its batches, as it ends other strategies.
                        try LoadCancellation.check()
                        let written = try writer.connection.transaction { try writer.write(batch.map(\.values), .upsert) }
                        try CrashPoint.workerBatchCommitted.reach()
                        for row in batch {
                            if let leading { outcome.keys.add(row[leading]) }
                            guard let key = plan.cursorKey(of: row.values) else { continue }
                            outcome.cursor.advance(key: key, timestamp: timestampIndex.map { row[$0] },
                                                   holdingTimestamp: holding)
                        }
                        outcome.read += batch.count
                        outcome.written += written.written
                        outcome.rejected += written.rejected
                    }
                    return outcome
                }
                results.set(index, outcome)
            }
        }

        // Checkpoint over what completed; report the first failure afterwards.
        let checkpointer = load.checkpointer
        var merged = checkpointer.cursor
        var firstFailure: (any Error)?
        for outcome in results.all() {
            switch outcome {
            case .success(let range):
                checkpointer.count(read: range.read, written: range.written, rejected: range.rejected)
                checkpointer.wrote(range.keys)
                if firstFailure == nil { merged = merged.merged(with: range.cursor) }
            case .failure(let error):
                if firstFailure == nil { firstFailure = error }
            }
        }
        if let firstFailure {
            // Only the key may move, and only over the completed prefix; timestamps stay where they were.
            var safe = checkpointer.cursor
            if plan.mode == .key { safe.key = merged.key }
            try checkpointer.checkpoint(safe)
            throw firstFailure
        }
        try checkpointer.checkpoint(merged)
    }

    /// A source connection and a batch writer of its own per worker; nil when connections cannot be opened
    /// (a private in-memory database).
    private func openWorkers(_ count: Int, load: TableLoad) throws -> WorkerConnections? {
        var connections: [(any Connection, BatchWriter)] = []
        for _ in 0..<count {
            guard let source = try load.reader.openWorkerConnection(), let writer = try load.writer.openWorker() else {
                return nil
            }
            connections.append((source, writer))
        }
        return WorkerConnections(connections: connections)
    }

    /// Splits the leading key column's values matching the phase into `count` equal-width ranges over the whole
    /// ±2^63 span; none when nothing matches.
    private func keyRanges(_ phase: ReadPhase, reader: SourceReader, count: Int) throws -> [KeyRange]? {
        var builder = SQLBuilder(dialect: reader.connection.dialect, columns: reader.plan.columns)
        let key = quoteIdentifier(reader.plan.keyColumns[0])
        var sql = "SELECT MIN(\(key)), MAX(\(key)) FROM \(reader.plan.source.quoted)"
        if let condition = phase.condition { sql += " WHERE " + builder.render(condition) }
        let row = try reader.connection.query(sql, builder.parameters).first
        guard let low = row?[0].int64, let high = row?[1].int64 else { return [] }
        // Open at both ends: whatever lies outside MIN…MAX (nothing, in one snapshot) is still read.
        var ranges = KeyRange.split(low: low, high: high, parts: count)
        ranges[0] = KeyRange(lower: nil, upper: ranges[0].upper)
        return ranges
    }
}

/// The workers' connections, opened and closed on the coordinator's thread; worker `i` alone uses pair `i`
/// while they run.
struct WorkerConnections: @unchecked Sendable {
    let connections: [(any Connection, BatchWriter)]

    func close() {
        for (source, writer) in connections {
            source.close()
            writer.connection.close()
        }
    }
}

struct RangeOutcome: Sendable {
    var cursor = Cursor.empty
    var read = 0
    var written = 0
    var rejected = 0
    /// The leading keys the range wrote (``WrittenKeys``).
    var keys = WrittenKeys()
}

/// Worker results, written from the worker threads.
final class ParallelResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<RangeOutcome, any Error>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<RangeOutcome, any Error>) {
        lock.lock()
        results[index] = result
        lock.unlock()
    }

    func all() -> [Result<RangeOutcome, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return results.map { $0 ?? .failure(LoadError(table: "?", "worker did not finish")) }
    }
}
