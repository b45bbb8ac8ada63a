import TidemarkConfig
import TidemarkDatabase

extension TableLoader {
    /// The load of a table without a key: schema changes, then ``KeylessSync``, then the result and its
    /// rejections, as for any table.
    func loadKeyless(_ plan: KeylessPlan, config: TableConfig, tracking: LoadStatusTable, stored: TrackingRow?,
                     fence: Int64, into result: inout LoadResult) throws {
        result.strategy = plan.strategy.rawValue
        result.policy = plan.policy.rawValue
        result.warnings = plan.warnings
        result.cursor_before = KeylessPlan.cursorDescription
        result.cursor_after = KeylessPlan.cursorDescription
        for warning in plan.warnings { logger.warning("\(config.name): \(warning)") }
        for change in plan.schemaChanges { try change.apply(on: target) }
        try RejectedRowsTable(connection: target, schema: plan.target.schema).ensureExists()

        logger.info("Using \(plan.strategy.rawValue) loading for \(config.name)")
        logger.info("\(config.name): \(plan.summary)")
        let sync = KeylessSync(plan: plan, source: source, target: target, tracking: tracking, stored: stored,
                               runID: options.runID, fence: fence, settings: options.reconcile, logger: logger,
                               clock: clock)
        let outcome = try usage.measure("Keyless.sync") { try sync.run() }
        result.full_load = outcome.fullLoad
        result.rows_read = outcome.read
        result.rows_loaded = outcome.inserted
        result.rows_deleted = outcome.deleted
        result.fallback = outcome.fallback
        result.fallback_reason = outcome.reason
        result.verified = outcome.verified
        if outcome.verified {
            // The comparison is of the whole table whatever the mode: a multiset has no key ranges to slice.
            result.verification = plan.verifyMode == .rolling
                ? VerificationScope.widened(because: RollingVerification.keylessReason) : VerificationScope.full
        } else if plan.policy == .reconcile {
            result.verification = plan.verifyMode == .off ? VerificationScope.off : nil
        }
        result.rows_rejected = try reportRejections(
            config, in: RejectedRowsTable(connection: target, schema: plan.target.schema), into: &result)
    }
}
