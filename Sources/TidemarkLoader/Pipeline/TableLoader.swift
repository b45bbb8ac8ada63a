import Foundation
import Logging
import TidemarkConfig
import TidemarkDatabase

/// What one table's load did: the fields of `etl-run --json`, and what the simulator records per run.
public struct LoadResult: Sendable, Codable, Equatable {
    public enum Fallback: String, Sendable, Codable { case none, full_reload, repair }

    public var table: String
    public var strategy: String
    public var policy: String
    public var rows_loaded: Int
    public var fallback: Fallback
    public var fallback_reason: String?
    public var rows_repaired: Int
    public var rows_deleted: Int
    public var verified: Bool
    public var duration_s: Double
    /// What this run compared with the source: `full` (every row: what `verified: true` proves), `rolling k/n`
    /// (counts, key bounds, this run's writes and slice k of n — `verified` stays false, a slice is no proof of
    /// the whole table), `full (widened from rolling: …)`, `off`; null when the policy does not verify.
    public var verification: String?
    // Beyond the contract:
    public var rows_read: Int
    /// Rows rejected and not in the target as the source has them, after this run (outstanding, not only this
    /// run's): listed in `etl_rejected_rows`. While any are, `verified` is false.
    public var rows_rejected: Int
    public var full_load: Bool
    public var cursor_before: String
    public var cursor_after: String
    public var error: String?
    public var warnings: [String]
    /// Why the table was not loaded although nothing failed (another run holds it and `--skip-locked` was given).
    public var skipped: String?

    public var succeeded: Bool { error == nil }

    // Encoded by hand so an absent reason or error is `null` rather than a missing key: the JSON lines are a
    // contract, and consumers should find every field.
    private enum CodingKeys: String, CodingKey {
        case table, strategy, policy, rows_loaded, fallback, fallback_reason, rows_repaired, rows_deleted, verified,
            duration_s, verification, rows_read, rows_rejected, full_load, cursor_before, cursor_after, error, warnings, skipped
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(table, forKey: .table)
        try c.encode(strategy, forKey: .strategy)
        try c.encode(policy, forKey: .policy)
        try c.encode(rows_loaded, forKey: .rows_loaded)
        try c.encode(fallback, forKey: .fallback)
        try c.encode(fallback_reason, forKey: .fallback_reason)
        try c.encode(rows_repaired, forKey: .rows_repaired)
        try c.encode(rows_deleted, forKey: .rows_deleted)
        try c.encode(verified, forKey: .verified)
        try c.encode(duration_s, forKey: .duration_s)
        try c.encode(verification, forKey: .verification)
        try c.encode(rows_read, forKey: .rows_read)
        try c.encode(rows_rejected, forKey: .rows_rejected)
        try c.encode(full_load, forKey: .full_load)
        try c.encode(cursor_before, forKey: .cursor_before)
        try c.encode(cursor_after, forKey: .cursor_after)
        try c.encode(error, forKey: .error)
        try c.encode(warnings, forKey: .warnings)
        try c.encode(skipped, forKey: .skipped)
    }
}

/// Loads tables from a source into a target: config → plan → read → write → checkpoint → recover → result.
public final class TableLoader {
    let source: any Connection
    let target: any Connection
    let sourceFactory: ConnectionFactory?
    let targetFactory: ConnectionFactory?
    public let options: LoadOptions
    let logger: Logger
    public let usage: MethodUsage

    public init(source: any Connection, target: any Connection, sourceFactory: ConnectionFactory? = nil,
                targetFactory: ConnectionFactory? = nil, options: LoadOptions = LoadOptions(),
                logger: Logger = Logger(label: "tidemark"), usage: MethodUsage? = nil) {
        self.source = source
        self.target = target
        // A stop interrupts what these connections, and every worker's, are running.
        LoadCancellation.watch(source)
        LoadCancellation.watch(target)
        self.sourceFactory = LoadCancellation.watching(sourceFactory)
        self.targetFactory = LoadCancellation.watching(targetFactory)
        self.options = options
        self.logger = logger
        self.usage = usage ?? MethodUsage(runID: options.runID)
    }

    private var trackingTable: LoadStatusTable {
        LoadStatusTable(connection: target, schema: options.targetSchema)
    }

    /// Creates the target schema and the tracking tables when missing.
    static func prepareTracking(on target: any Connection, schema: String) throws {
        var tracking = LoadStatusTable(connection: target, schema: schema)
        try tracking.ensureExists()
        try RejectedRowsTable(connection: target, schema: tracking.table.schema).ensureExists()
    }

    /// The plan for a table, without writing anything (`--dry-run`).
    public func plan(_ config: TableConfig) throws -> TablePlan {
        let tracking = try trackingTable.connection.tableExists(trackingTable.table) ? trackingTable.read(config.name) : nil
        return try Planner(source: source, target: target, options: options).plan(config, tracking: tracking)
    }

    /// The plan of a table without a key, or nil when it has one (`--dry-run`).
    public func keylessPlan(_ config: TableConfig) throws -> KeylessPlan? {
        try KeylessPlanner(source: source, target: target, options: options).plan(config)
    }

    /// The reads a plan makes, as this source's SQL with its bound values (`--dry-run`).
    public func describeReads(_ plan: TablePlan) -> [String] {
        plan.describeReads(dialect: source.dialect)
    }

    /// Loads one table. Never throws: a failure is in the result, the tracking row says `failed`, and its cursor
    /// is still the last one committed with data (FM-11).
    public func load(_ config: TableConfig) -> LoadResult {
        let started = DispatchTime.now().uptimeNanoseconds
        var result = LoadResult.nothingYet(config.name)
        var checkpointer: Checkpointer?
        var fence: Int64?
        do {
            // One loader per table: the lock is held for the whole load, failure included. It is named as the
            // engine compares names, so `Patient` and `patient` share one lock where they are one table.
            let lockName = target.dialect.table(target.dialect.identifierKey(config.name),
                                                schema: options.targetSchema).description
            guard let lock = try target.dialect.lock(lockName, on: target, waitSeconds: options.lockWaitSeconds) else {
                let holder = "another run is loading \(config.name) into this target"
                if options.skipLocked {
                    result.skipped = holder
                    logger.warning("Skipping \(config.name): \(holder)")
                    return result
                }
                throw LoadError(table: config.name, "\(holder); waited \(options.lockWaitSeconds) s (--lock-timeout)")
            }
            defer { lock.release() }
            try LoadCancellation.check()
            try usage.measure("TableLoader.load") {
                try loadTable(config, into: &result, checkpointer: &checkpointer, fence: &fence)
            }
        } catch let thrown {
            let error = LoadCancellation.surfaced(thrown)
            result.error = String(describing: error)
            logger.error("Failed to load \(config.name): \(error)")
            // A name conflict writes nothing: a tracking row for this name would be the other table's too.
            do {
                if !(error is TargetNameConflict) {
                    try Checkpointer.recordFailure(config.name, error: error, in: trackingTable, runID: options.runID,
                                                   fence: fence, at: clock())
                }
            } catch {
                logger.error("Could not record the failure of \(config.name) in etl_load_status: \(error)")
            }
        }
        if let checkpointer {
            result.rows_loaded = checkpointer.rowsWritten
            result.rows_read = checkpointer.rowsRead
            result.rows_rejected = checkpointer.outstandingRejections ?? checkpointer.rowsRejected
            result.cursor_after = checkpointer.cursor.description
        }
        result.duration_s = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        if result.succeeded {
            logger.info("Successfully loaded \(config.name) (\(result.rows_loaded) rows) in \(String(format: "%.2f", result.duration_s))s")
        }
        return result
    }

    /// Throws when `etl_load_status` tracks another table under a name the target takes for the same table
    /// (SQLite: `Patient` loaded by an earlier run, `patient` now): loading would mix two tables' rows in one.
    private func checkNoOtherTable(_ name: String, tracking: LoadStatusTable) throws {
        let dialect = target.dialect
        let key = dialect.identifierKey(name)
        guard let other = try tracking.tableNames().first(where: { $0 != name && dialect.identifierKey($0) == key })
        else { return }
        throw TargetNameConflict(table: name, "etl_load_status already tracks \(other), and "
            + "\(dialect.engine.displayName) takes \(name) and \(other) for the same target table: loading \(name) would mix its rows into \(other)'s. "
            + "If they are one source table, rename its tracking row to \(name); otherwise load \(name) into "
            + "another target or schema")
    }

    /// config → plan → schema changes → read, write, checkpoint → verify and repair → result.
    private func loadTable(_ config: TableConfig, into result: inout LoadResult, checkpointer: inout Checkpointer?,
                           fence: inout Int64?) throws {
        var tracking = trackingTable
        try tracking.ensureExists()
        try checkNoOtherTable(config.name, tracking: tracking)
        let stored = try tracking.read(config.name)
        // Read under the table's lock: this run's fence is above every earlier run's.
        fence = (stored?.fence ?? 0) + 1
        if let keyless = try usage.measure("Pipeline.plan", {
            try KeylessPlanner(source: source, target: target, options: options).plan(config)
        }) {
            return try loadKeyless(keyless, config: config, tracking: tracking, stored: stored, fence: fence!,
                                   into: &result)
        }
        let plan = try usage.measure("Pipeline.plan") {
            try Planner(source: source, target: target, options: options).plan(config, tracking: stored)
        }
        result.strategy = plan.strategy.rawValue
        result.policy = plan.policy.rawValue
        result.full_load = plan.isFullLoad
        result.warnings = plan.warnings
        result.cursor_before = plan.storedCursor.description
        for warning in plan.warnings { logger.warning("\(config.name): \(warning)") }
        for change in plan.schemaChanges { try change.apply(on: target) }

        let load = TableLoad(
            plan: plan,
            reader: SourceReader(plan: plan, source: source, factory: sourceFactory, usage: usage,
                                 readsAhead: source.sessionID != target.sessionID),
            writer: BatchWriter(plan: plan, target: target, factory: targetFactory, clock: clock),
            checkpointer: Checkpointer(plan: plan, tracking: tracking, stored: stored, runID: options.runID,
                                       fence: fence!, usage: usage, clock: clock,
                                       rowsCommitted: options.rowsCommitted),
            options: options, logger: logger, usage: usage)
        checkpointer = load.checkpointer
        try load.writer.rejections.ensureExists()
        load.writer.clearsRejections = try load.writer.rejections.outstanding(for: config.name, examples: 0).count > 0

        logger.info("Using \(plan.strategy.rawValue) loading for \(config.name)")
        if let reason = plan.fullLoadReason { logger.info("Full load of \(config.name): \(reason)") }
        let strategy = Strategies.make(plan.strategy)
        try load.read(full: plan.isFullLoad, with: strategy)

        // Before the checksum queries: a stop that came between statements interrupted none.
        try LoadCancellation.check()
        let policy = Policies.make(plan.policy, settings: options.reconcile)
        let recovery = try usage.measure("Pipeline.recover") {
            try policy.recover(load, reload: FullReload(load: load, strategy: strategy))
        }
        result.fallback = recovery.fallback
        result.fallback_reason = recovery.reason
        result.rows_repaired = recovery.rowsRepaired
        result.rows_deleted = recovery.rowsDeleted
        result.verified = recovery.verified
        result.verification = recovery.verification

        // A statement a stop interrupted may have ended without an error (MySQL's SLEEP returns 1): nothing read
        // after the stop is trusted as complete.
        try LoadCancellation.check()
        try load.checkpointer.finish()
        load.checkpointer.outstandingRejections = try reportRejections(config, in: load.writer.rejections, into: &result)
    }

    /// Rejected rows are never silent: every run warns while any are outstanding, `verified` is false, and the
    /// table fails (exit 1) unless it is configured `on_reject: warn`.
    /// Returns how many are outstanding.
    func reportRejections(_ config: TableConfig, in rejections: RejectedRowsTable,
                          into result: inout LoadResult) throws -> Int {
        let (count, firstKeys) = try rejections.outstanding(for: config.name)
        guard count > 0 else { return 0 }
        result.verified = false
        let message = "\(count) row\(count == 1 ? " is" : "s are") rejected and not in the target as the source has "
            + "\(count == 1 ? "it" : "them") (first keys: \(firstKeys.joined(separator: ", "))); the reasons are in "
            + "\(RejectedRowsTable.name)"
        logger.warning("\(config.name): \(message)")
        if config.onReject != .warn {
            result.error = message + " (set on_reject: warn in tables.yml to accept them)"
        } else {
            result.warnings.append(message)
        }
        return count
    }

    /// The wall clock `_loaded_at` records, shifted by the simulator's clock skew; cursors never read it.
    var clock: @Sendable () -> LocalTimestamp {
        { [skew = options.clockSkewSeconds] in LoadStatusTable.now(skew: skew) }
    }
}
