import Foundation
import Logging
import TidemarkConfig
import TidemarkDatabase

/// Loads many tables in one run: `jobs` tables at a time, large ones first, each job on a source and a target
/// connection of its own (so at most `jobs` pairs, plus each parallel load's workers), and one failing table never
/// stops the others.
public struct TableRun {
    public let source: ConnectionFactory
    public let target: ConnectionFactory
    public let options: LoadOptions
    public let logger: Logger
    public let usage: MethodUsage
    public let jobs: Int

    /// `source` and `target` open connections; a job opens one of each and keeps them for all its tables.
    public init(source: @escaping ConnectionFactory, target: @escaping ConnectionFactory, options: LoadOptions,
                logger: Logger, usage: MethodUsage, jobs: Int) {
        self.source = source
        self.target = target
        self.options = options
        self.logger = logger
        self.usage = usage
        self.jobs = max(1, jobs)
    }

    /// The order of the original pipeline's priority processor: `performance_category` large → tiny, then the
    /// most estimated rows first; tables without either keep their order, last.
    public static func ordered(_ configs: [TableConfig]) -> [TableConfig] {
        let rank = ["large": 0, "medium": 1, "small": 2, "tiny": 3]
        return configs.enumerated().sorted { a, b in
            let ra = a.element.performanceCategory.flatMap { rank[$0] } ?? 4
            let rb = b.element.performanceCategory.flatMap { rank[$0] } ?? 4
            if ra != rb { return ra < rb }
            let ea = a.element.estimatedRows ?? -1, eb = b.element.estimatedRows ?? -1
            if ea != eb { return ea > eb }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// Loads every table; `started` hears each table a job takes up, `finished` each result as it comes (from
    /// the job's thread). Returns the results in the order the tables were given.
    public func run(_ configs: [TableConfig], started: @escaping @Sendable (String) -> Void = { _ in },
                    finished: @escaping @Sendable (LoadResult) -> Void = { _ in }) -> [LoadResult]
    {
        let order = Self.ordered(configs)
        // A connection that fails here fails again in each job, where it is each table's to report.
        var names = RunNames.unchecked
        if let connection = try? target() {
            defer { connection.close() }
            names = TargetNames(dialect: connection.dialect)
                .conflicts(configs.map(\.name), schema: options.targetSchema)
            if jobs > 1 {
                // Jobs creating the same tracking tables at once would collide in the catalog (PostgreSQL reports
                // a duplicate type): one connection creates them first.
                try? TableLoader.prepareTracking(on: connection, schema: options.targetSchema)
            }
        }
        let queue = WorkQueue(count: order.count)
        let results = ResultSlots(count: order.count)
        let work = RunWork(run: self, order: order, names: names)
        let jobCount = min(jobs, max(order.count, 1))
        DispatchQueue.concurrentPerform(iterations: jobCount) { _ in
            work.job(queue: queue, results: results, started: started, finished: finished)
        }
        let byName = Dictionary(zip(order.map(\.name), results.all()), uniquingKeysWith: { a, _ in a })
        return configs.map { byName[$0.name]! }
    }

    /// One job: its own connections, then tables from the queue until it is empty.
    fileprivate func job(_ order: [TableConfig], names: RunNames, queue: WorkQueue, results: ResultSlots,
                         started: @Sendable (String) -> Void, finished: @Sendable (LoadResult) -> Void) {
        var connections: Result<(any Connection, any Connection), any Error> = Result { (try source(), try target()) }
        defer { if case .success(let (s, t)) = connections { s.close(); t.close() } }
        while let index = queue.next() {
            var result: LoadResult
            if let reason = LoadCancellation.requested {
                result = .nothingYet(order[index].name)
                result.skipped = "not started: the run was stopped (\(reason))"
                results.set(index, result)
                finished(result)
                continue
            }
            started(order[index].name)
            switch connections {
            case .success(let (s, t)):
                let loader = TableLoader(source: s, target: t, sourceFactory: source, targetFactory: target,
                                         options: options, logger: logger, usage: usage)
                result = loader.load(order[index], names: names)
            case .failure(let error):
                result = LoadResult.failed(order[index].name, error)
                connections = .failure(error)
            }
            results.set(index, result)
            finished(result)
        }
    }
}

extension LoadResult {
    /// A table's result before anything was done.
    static func nothingYet(_ table: String) -> LoadResult {
        LoadResult(table: table, strategy: "", policy: "", rows_loaded: 0, fallback: .none, fallback_reason: nil,
                   rows_repaired: 0, rows_deleted: 0, verified: false, duration_s: 0, verification: nil, rows_read: 0, rows_rejected: 0,
                   full_load: false, cursor_before: "none", cursor_after: "none", error: nil, warnings: [],
                   skipped: nil)
    }

    /// A table that could not even start (its job could not connect).
    static func failed(_ table: String, _ error: any Error) -> LoadResult {
        var result = nothingYet(table)
        result.error = String(describing: error)
        return result
    }
}

/// The run as the jobs share it (its parts are Sendable or used under the queue's discipline: each table once).
private struct RunWork: @unchecked Sendable {
    let run: TableRun
    let order: [TableConfig]
    let names: RunNames

    func job(queue: WorkQueue, results: ResultSlots, started: @Sendable (String) -> Void,
             finished: @Sendable (LoadResult) -> Void) {
        run.job(order, names: names, queue: queue, results: results, started: started, finished: finished)
    }
}

/// Hands out table indexes, each once.
private final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < count else { return nil }
        defer { nextIndex += 1 }
        return nextIndex
    }
}

/// Results by table index, written from the jobs.
private final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [LoadResult?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: LoadResult) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    func all() -> [LoadResult] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
