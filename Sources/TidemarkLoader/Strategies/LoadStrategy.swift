import TidemarkConfig
import TidemarkDatabase

/// How rows move from source to target. A strategy only reads and picks a write mode: planning, the
/// checkpoint and recovery are the pipeline's, so every strategy gets the same cursor and the same fallback.
protocol LoadStrategy {
    static var kind: StrategyKind { get }
    /// Reads the phases in order and commits every batch through `session.commit`.
    func load(_ phases: [ReadPhase], session: LoadSession) throws
}

enum Strategies {
    static func make(_ kind: StrategyKind) -> any LoadStrategy {
        switch kind {
        case .standard: return StandardStrategy()
        case .streaming: return StreamingStrategy()
        case .chunked: return ChunkedStrategy()
        case .copy: return CopyStrategy()
        case .parallel: return ParallelStrategy()
        }
    }
}

/// One query per phase, its result held in memory, written in upsert batches of `batch_size` — the seed's
/// default for small tables.
struct StandardStrategy: LoadStrategy {
    static let kind = StrategyKind.standard

    func load(_ phases: [ReadPhase], session: LoadSession) throws {
        for phase in phases {
            let query = session.query(phase)
            let rows = try session.usage.measure("Pipeline.read") { try session.source.query(query.sql, query.parameters) }
            var start = 0
            while start < rows.count {
                let end = min(start + session.plan.batchSize, rows.count)
                try session.commit(Array(rows[start..<end]), write: .upsert)
                start = end
            }
        }
    }
}

/// One query per phase, rows handed over as they arrive (SQLite stepping, PostgreSQL single-row mode) and read
/// ahead while the last batch is written: memory is a few batches whatever the table size.
struct StreamingStrategy: LoadStrategy {
    static let kind = StrategyKind.streaming

    func load(_ phases: [ReadPhase], session: LoadSession) throws {
        for phase in phases {
            try session.stream(session.query(phase)) { batch in try session.commit(batch, write: .upsert) }
        }
    }
}

/// Keyset pages, `… AND (order) > (last row) ORDER BY order LIMIT n`, one transaction and checkpoint per page.
/// Never OFFSET: a page boundary is a key, so concurrent writes cannot shift rows between pages (FM-17).
struct ChunkedStrategy: LoadStrategy {
    static let kind = StrategyKind.chunked

    func load(_ phases: [ReadPhase], session: LoadSession) throws {
        let size = session.plan.batchSize
        for phase in phases {
            try session.readAhead({ emit in
                var after: [Value]?
                while true {
                    let query = session.query(phase, after: after, limit: size)
                    let page = try session.usage.measure("Pipeline.read") { try session.source.query(query.sql, query.parameters) }
                    guard let last = page.last else { break }
                    try emit(page)
                    if page.count < size { break }
                    after = phase.orderBy.map { last[$0]! }
                }
            }, write: { page in try session.commit(page, write: .upsert) })
        }
    }
}

/// Streams the source and bulk-loads each batch with the engine's fastest path (PostgreSQL COPY): straight
/// into the table when it was empty at the start, otherwise into a staging table merged with an upsert.
struct CopyStrategy: LoadStrategy {
    static let kind = StrategyKind.copy

    func load(_ phases: [ReadPhase], session: LoadSession) throws {
        let mode: LoadSession.WriteMode = try session.writer.isEmpty() ? .bulkInsert : .stageAndMerge
        for phase in phases {
            try session.stream(session.query(phase)) { batch in try session.commit(batch, write: mode) }
        }
    }
}
