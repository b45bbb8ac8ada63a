import TidemarkConfig
import TidemarkDatabase

/// How rows move from source to target. A strategy only reads and picks a write mode: planning, the
/// checkpoint and recovery are the pipeline's, so every strategy gets the same cursor and the same fallback.
protocol LoadStrategy {
    static var kind: StrategyKind { get }
    /// Reads the phases in order and commits every batch through `load.commit`.
    func load(_ phases: [ReadPhase], load: TableLoad) throws
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

    func load(_ phases: [ReadPhase], load: TableLoad) throws {
        for phase in phases {
            let rows = try load.reader.fetch(load.reader.query(phase))
            var start = 0
            while start < rows.count {
                let end = min(start + load.plan.batchSize, rows.count)
                try load.commit(Array(rows[start..<end]))
                start = end
            }
        }
    }
}

/// One query per phase, rows handed over as they arrive (SQLite stepping, PostgreSQL single-row mode) and read
/// ahead while the last batch is written: memory is a few batches whatever the table size.
struct StreamingStrategy: LoadStrategy {
    static let kind = StrategyKind.streaming

    func load(_ phases: [ReadPhase], load: TableLoad) throws {
        for phase in phases {
            try load.reader.stream(load.reader.query(phase)) { batch in try load.commit(batch) }
        }
    }
}

/// Keyset pages, `… AND (order) > (last row) ORDER BY order LIMIT n`, one transaction and checkpoint per page.
/// Never OFFSET: a page boundary is a key, so concurrent writes cannot shift rows between pages (FM-17).
struct ChunkedStrategy: LoadStrategy {
    static let kind = StrategyKind.chunked

    func load(_ phases: [ReadPhase], load: TableLoad) throws {
        let size = load.plan.batchSize
        let reader = load.reader
        for phase in phases {
            try reader.readAhead({ emit in
                var after: [Value]?
                while true {
                    let page = try reader.fetch(reader.query(phase, after: after, limit: size))
                    guard let last = page.last else { break }
                    try emit(page)
                    if page.count < size { break }
                    after = phase.orderBy.map { last[$0]! }
                }
            }, write: { page in try load.commit(page) })
        }
    }
}

/// Streams the source and bulk-loads each batch by the target's fastest route (PostgreSQL COPY): straight
/// into the table when it was empty at the start, otherwise into a staging table merged with an upsert.
struct CopyStrategy: LoadStrategy {
    static let kind = StrategyKind.copy

    func load(_ phases: [ReadPhase], load: TableLoad) throws {
        let mode: BatchWriter.Mode = try load.writer.table.isEmpty() ? .bulkInsert : .stageAndMerge
        for phase in phases {
            try load.reader.stream(load.reader.query(phase)) { batch in try load.commit(batch, mode: mode) }
        }
    }
}
