import Logging
import TidemarkConfig
import TidemarkDatabase

/// What recovery did after the incremental phase.
struct RecoveryOutcome {
    var fallback: LoadResult.Fallback = .none
    var reason: String?
    var rowsRepaired = 0
    var rowsDeleted = 0
    var verified = false
    /// What was compared (``VerificationScope``); nil when the policy does not verify.
    var verification: String?
}

/// The one place that decides what happens when the target is stale. Every strategy gets the same policy, and
/// a policy that reloads goes through the one ``FullReload``.
protocol RecoveryPolicy {
    static var kind: PolicyKind { get }
    func recover(_ load: TableLoad, reload: FullReload) throws -> RecoveryOutcome
}

enum Policies {
    static func make(_ kind: PolicyKind, settings: ReconcileSettings) -> any RecoveryPolicy {
        switch kind {
        case .none: return TrustTrackingPolicy()
        case .hybrid: return HybridPolicy()
        case .reconcile: return ReconcilePolicy(settings: settings)
        }
    }
}

/// `none`: trust the tracking row, as the pipeline did before its fix. Exists so the harness can show the bug.
struct TrustTrackingPolicy: RecoveryPolicy {
    static let kind = PolicyKind.none
    func recover(_ load: TableLoad, reload: FullReload) throws -> RecoveryOutcome { RecoveryOutcome() }
}

/// `hybrid`: the seed's HYBRID FIX, faithfully — when the incremental read returned no row and the target
/// "needs updating" (the source has more rows, or the target is empty although tracking says it was loaded),
/// upsert every source row. Blind to offsetting counts, phantoms and edits that keep the timestamp.
struct HybridPolicy: RecoveryPolicy {
    static let kind = PolicyKind.hybrid

    func recover(_ load: TableLoad, reload: FullReload) throws -> RecoveryOutcome {
        guard let reason = try needsUpdating(load) else { return RecoveryOutcome() }
        let table = load.plan.table
        load.logger.warning("Incremental query returned 0 rows for \(table), but analytics needs updating. Falling back to full load from replication.")
        let before = load.checkpointer.rowsWritten
        try reload.upsertEverything()
        load.logger.info("HYBRID FIX: Successfully loaded \(load.checkpointer.rowsWritten - before) rows for \(table) via full load fallback")
        return RecoveryOutcome(fallback: .full_reload, reason: reason)
    }

    private func needsUpdating(_ load: TableLoad) throws -> String? {
        guard !load.plan.isFullLoad, load.checkpointer.rowsRead == 0 else { return nil }
        let sourceCount = try load.reader.connection.scalar("SELECT count(*) FROM \(load.plan.source.quoted)")?.int64 ?? 0
        let targetCount = try load.writer.table.count()
        if sourceCount > targetCount { return "source has \(sourceCount) rows, target \(targetCount)" }
        if targetCount == 0, !load.plan.storedCursor.isEmpty { return "target is empty but tracking says it was loaded" }
        return nil
    }
}

/// `reconcile`: after every incremental phase, verify the target by range checksums and repair only what
/// differs (or reload the table in place when most of it does), all on one source snapshot; then derive the
/// cursor from the verified source. `verify: rolling` checks the cheap invariants and a slice first
/// (``RollingVerification``) and goes on to every row only when they call for it; `verify: off` skips it.
struct ReconcilePolicy: RecoveryPolicy {
    static let kind = PolicyKind.reconcile
    let settings: ReconcileSettings

    func recover(_ load: TableLoad, reload: FullReload) throws -> RecoveryOutcome {
        guard load.plan.verify else { return RecoveryOutcome(verification: VerificationScope.off) }
        let plan = load.plan
        let source = load.reader.connection
        let target = load.writer.connection
        let hash = try CanonicalRow.sharedHash(source, target, table: plan.table)
        return try source.readSnapshot(of: [plan.source]) {
            let verifier = try Verifier(plan: plan, source: source, target: target, settings: settings,
                                        excluded: try unchangedRejections(load), hash: hash)
            var scope = VerificationScope.full
            if plan.verifyMode == .rolling {
                let rolling = RollingVerification(plan: plan, verifier: verifier, previous: load.checkpointer.previous,
                                                  written: load.checkpointer.written)
                switch try load.usage.measure("Verifier.rolling", rolling.check) {
                case .clean(let slice, let next):
                    load.checkpointer.recordRollingVerification(next: next, cycle: plan.verifyCycle)
                    // Not `verified`: a slice and the invariants are no proof of every row.
                    return RecoveryOutcome(verification: VerificationScope.rolling(slice: slice + 1, of: plan.verifyCycle))
                case .widen(let reason):
                    load.logger.info("\(plan.table): rolling verification widened to every row: \(reason)")
                    scope = VerificationScope.widened(because: reason)
                }
            }
            guard let found = try load.usage.measure("Verifier.differences", verifier.differences) else {
                load.checkpointer.recordFullVerification()
                return RecoveryOutcome(verified: true, verification: scope)
            }
            try settings.afterVerify?()
            let reloads = found.reloadAdvised
                || (found.sourceCount > 0 && Double(found.count) > settings.reloadFraction * Double(found.sourceCount))
            var outcome = RecoveryOutcome(fallback: reloads ? .full_reload : .repair, verified: true, verification: scope)
            if reloads {
                (outcome.rowsRepaired, outcome.rowsDeleted) = try reload.replaceInPlace()
            } else {
                let repairer = Repairer(load: load)
                try load.usage.measure("Repairer.repair") {
                    var repaired = 0
                    for difference in found.rows where !difference.isEmpty {
                        if repaired > 0 { try CrashPoint.betweenRepairLeaves.reach() }
                        try repairer.repair(difference)
                        repaired += 1
                    }
                }
                (outcome.rowsRepaired, outcome.rowsDeleted) = (found.missing + found.changed, found.extra)
            }
            // Rows rejected during the repair are reported, not missing: verify without them. The ranges that
            // matched were verified in this snapshot and not written since, so only the repaired ones are
            // checked again (all of it after a reload).
            let recheck = reloads || found.leaves.contains { $0.lower == nil } ? [KeyRange.all] : found.leaves
            if let (expected, actual) = try verifier.excluding(try unchangedRejections(load)).mismatch(in: recheck) {
                throw LoadError(table: plan.table, "verification still fails after repair (source \(expected.count) "
                    + "rows, target \(actual.count) in the range checked)")
            }
            load.checkpointer.count(written: outcome.rowsRepaired)
            load.checkpointer.recordFullVerification()
            try load.checkpointer.checkpoint(try verifier.verifiedCursor())

            let reason = found.rowsInDifferingRanges.map {
                "verification found differences in key ranges holding \($0) of \(found.sourceCount) source rows"
            } ?? "verification found \(found.missing) missing, \(found.changed) changed, \(found.extra) extra rows"
            outcome.reason = reason
            let action = reloads
                ? "reloaded the table in place (\(outcome.rowsRepaired) rows written, \(outcome.rowsDeleted) deleted)"
                : "repaired those rows"
            load.logger.warning("\(plan.table): \(reason); \(action)")
            return outcome
        }
    }

    /// Keys of rejected rows whose source row has not changed since: left out of verification, so a row the
    /// target cannot take does not make every run fall back. A changed row is verified (and retried) again.
    private func unchangedRejections(_ load: TableLoad) throws -> [RowKey] {
        let plan = load.plan
        let recorded = try load.writer.rejections.rejected(for: plan.table)
        guard !recorded.isEmpty else { return [] }
        var unchanged: [RowKey] = []
        let keys = recorded.keys.compactMap { RowKey(recorded: $0, types: plan.keyTypes) }
        for chunk in keys.chunks(of: 500) {
            var builder = SQLBuilder(dialect: load.reader.connection.dialect)
            let sql = "SELECT \(quoteIdentifiers(plan.columnNames)) FROM \(plan.source.quoted) WHERE "
                + builder.render(.keyIn(plan.keyColumns, chunk))
            for row in try load.reader.connection.query(sql, builder.parameters)
            where recorded[plan.key(of: row.values).text] == RowFilter.hash(row.values) {
                unchanged.append(plan.key(of: row.values))
            }
        }
        return unchanged
    }
}
