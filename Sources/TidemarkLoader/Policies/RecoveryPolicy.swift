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
}

/// The one place that decides what happens when the target is stale. Every strategy gets the same policy; a
/// full reload runs through the same strategy and the same checkpoint (`reload`).
protocol RecoveryPolicy {
    static var kind: PolicyKind { get }
    func recover(_ session: LoadSession, reload: () throws -> Void) throws -> RecoveryOutcome
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
    func recover(_ session: LoadSession, reload: () throws -> Void) throws -> RecoveryOutcome { RecoveryOutcome() }
}

/// `hybrid`: the seed's HYBRID FIX, faithfully — when the incremental read returned no row and the target
/// "needs updating" (the source has more rows, or the target is empty although tracking says it was loaded),
/// upsert every source row. Blind to offsetting counts, phantoms and edits that keep the timestamp.
struct HybridPolicy: RecoveryPolicy {
    static let kind = PolicyKind.hybrid

    func recover(_ session: LoadSession, reload: () throws -> Void) throws -> RecoveryOutcome {
        guard let reason = try needsUpdating(session) else { return RecoveryOutcome() }
        let table = session.plan.table
        session.logger.warning("Incremental query returned 0 rows for \(table), but analytics needs updating. Falling back to full load from replication.")
        let before = session.rowsWritten
        try reload()
        session.logger.info("HYBRID FIX: Successfully loaded \(session.rowsWritten - before) rows for \(table) via full load fallback")
        return RecoveryOutcome(fallback: .full_reload, reason: reason)
    }

    private func needsUpdating(_ session: LoadSession) throws -> String? {
        guard !session.plan.isFullLoad, session.rowsRead == 0 else { return nil }
        let sourceCount = try session.source.scalar("SELECT count(*) FROM \(session.plan.source.quoted)")?.int64 ?? 0
        let targetCount = try session.writer.count()
        if sourceCount > targetCount { return "source has \(sourceCount) rows, target \(targetCount)" }
        if targetCount == 0, !session.plan.storedCursor.isEmpty { return "target is empty but tracking says it was loaded" }
        return nil
    }
}

/// `reconcile`: after every incremental phase, verify the target by range checksums and repair only what
/// differs (or reload through staging and swap when most of it does). `verify: off` in tables.yml skips it.
struct ReconcilePolicy: RecoveryPolicy {
    static let kind = PolicyKind.reconcile
    let settings: ReconcileSettings

    func recover(_ session: LoadSession, reload: () throws -> Void) throws -> RecoveryOutcome {
        guard session.plan.verify else { return RecoveryOutcome() }
        let table = session.plan.table
        let found = try Reconciler(session: session, settings: settings).run()
        guard found.differing > 0 else { return RecoveryOutcome(verified: true) }
        let reason = "verification found \(found.missing) missing, \(found.changed) changed, \(found.extra) extra rows"
        if found.swapped {
            session.logger.warning("\(table): \(reason); reloaded through a staging table and swapped it in")
            return RecoveryOutcome(fallback: .full_reload, reason: reason, rowsRepaired: found.missing + found.changed,
                                   rowsDeleted: found.extra, verified: true)
        }
        session.logger.warning("\(table): \(reason); repaired those rows")
        return RecoveryOutcome(fallback: .repair, reason: reason, rowsRepaired: found.missing + found.changed,
                               rowsDeleted: found.extra, verified: true)
    }
}
