import Foundation
import TidemarkConfig
import TidemarkDatabase

/// N workers, each with its own source and target connection, over disjoint ranges of integer keys.
///
/// Workers write their rows in their own transactions; the cursor is checkpointed by the coordinator only over
/// ranges that completed: with every range done, the merged cursor; otherwise (key mode) the end of the
/// completed prefix of ranges, and no timestamp movement. Without a way to open more connections, or with a
/// non-integer key, it runs one range on the session's own connections.
struct ParallelStrategy: LoadStrategy {
    static let kind = StrategyKind.parallel

    func load(_ phases: [ReadPhase], session: LoadSession) throws {
        for phase in phases {
            try load(phase, session: session)
        }
    }

    private func load(_ phase: ReadPhase, session: LoadSession) throws {
        let plan = session.plan
        let workers = max(1, session.options.parallelWorkers)
        guard workers > 1, let sourceFactory = session.sourceFactory, let targetFactory = session.targetFactory,
            [.bigint, .integer, .smallint].contains(plan.columns[plan.keyIndex].type),
            let ranges = try keyRanges(phase, session: session, count: workers)
        else {
            // One range on the session's connections: streaming with checkpoints.
            return try StreamingStrategy().load([phase], session: session)
        }

        let results = ParallelResults(count: ranges.count)
        let queries = ranges.map { session.query(phase, keyRange: $0) }
        let batchSize = plan.batchSize
        let keyIndex = plan.keyIndex
        let timestampIndex = plan.timestampIndex
        let targetTable = plan.target
        let columns = plan.columnNames
        let types = plan.columns.map(\.type)
        let key = plan.keyColumn
        // The fault plan fails one worker (the second range), inside its n-th transaction.
        let faultyRange = ranges.count > 1 ? 1 : 0
        let failInside = session.options.failInsideCommit
        let filter = session.filter
        let tableName = plan.table
        let clearRejections = session.hasRejections
        let skew = session.options.clockSkewSeconds
        session.usage.measure("ParallelStrategy.workers") {
            DispatchQueue.concurrentPerform(iterations: ranges.count) { index in
                let outcome = Result { () throws -> RangeOutcome in
                    let source = try sourceFactory()
                    let target = try targetFactory()
                    let writer = TableWriter(connection: target, table: targetTable, columns: columns, key: [key],
                                             types: types)
                    let rejections = RejectedRowsTable(connection: target, schema: targetTable.schema)
                    var outcome = RangeOutcome()
                    var transactions = 0
                    try source.stream(queries[index].sql, queries[index].parameters, batchSize: batchSize) { batch in
                        transactions += 1
                        let written = try target.transaction {
                            let written = try LoadSession.write(
                                batch.map(\.values), .upsert, with: writer, filter: filter, rejections: rejections,
                                table: tableName, clearRejections: clearRejections, now: LoadStatusTable.now(skew: skew))
                            if index == faultyRange, failInside == transactions { throw InjectedFault(commit: transactions) }
                            return written
                        }
                        for row in batch {
                            outcome.cursor.advance(key: row[keyIndex], timestamp: timestampIndex.map { row[$0] })
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
        let outcomes = results.all()
        var merged = session.cursor
        var read = 0
        var written = 0
        var rejected = 0
        var firstFailure: (any Error)?
        var prefixIntact = true
        for outcome in outcomes {
            switch outcome {
            case .success(let range):
                read += range.read
                written += range.written
                rejected += range.rejected
                if prefixIntact { merged = merged.merged(with: range.cursor) }
            case .failure(let error):
                prefixIntact = false
                if firstFailure == nil { firstFailure = error }
            }
        }
        if firstFailure != nil {
            // Only the key may move, and only over the completed prefix; timestamps stay where they were.
            var safe = session.cursor
            if plan.mode == .key { safe.key = merged.key }
            try session.checkpoint(cursor: safe, rowsRead: read, rowsWritten: written, rowsRejected: rejected)
            throw firstFailure!
        }
        try session.checkpoint(cursor: merged, rowsRead: read, rowsWritten: written, rowsRejected: rejected)
    }

    /// Splits the keys matching the phase into `count` equal-width ranges; none when nothing matches.
    private func keyRanges(_ phase: ReadPhase, session: LoadSession, count: Int) throws -> [KeyRange]? {
        var builder = SQLBuilder(engine: session.source.engine)
        let key = quoteIdentifier(session.plan.keyColumn)
        var sql = "SELECT MIN(\(key)), MAX(\(key)) FROM \(session.plan.source.quoted)"
        if let condition = phase.condition { sql += " WHERE " + builder.render(condition) }
        let row = try session.source.query(sql, builder.parameters).first
        guard let low = row?[0].int64, let high = row?[1].int64 else { return [] }
        let width = max(1, (high - low) / Int64(count) + 1)
        var ranges: [KeyRange] = []
        var start = low
        while start <= high {
            let (end, overflow) = start.addingReportingOverflow(width)
            let last = overflow || end > high
            ranges.append(KeyRange(lower: ranges.isEmpty ? nil : start, upper: last ? nil : end))
            if last { break }
            start = end
        }
        return ranges
    }
}

struct RangeOutcome: Sendable {
    var cursor = Cursor.empty
    var read = 0
    var written = 0
    var rejected = 0
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
