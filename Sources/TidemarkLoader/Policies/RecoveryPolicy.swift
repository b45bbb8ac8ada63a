import Logging
import TidemarkConfig
import TidemarkDatabase

/// What a policy decided after the incremental phase.
enum RecoveryDecision: Equatable {
    case none
    case fullReload(reason: String)
}

/// The one place that decides what happens when the target is stale. Every strategy gets the same decision,
/// and the fallback runs through the same strategy and the same checkpoint.
protocol RecoveryPolicy {
    static var kind: PolicyKind { get }
    func decide(after session: LoadSession) throws -> RecoveryDecision
}

enum Policies {
    /// Policies that exist. `reconcile` (verify by checksums, repair what differs) is not built yet, and a
    /// run that asks for it is refused rather than quietly given another policy.
    static let available: [PolicyKind] = [.none, .hybrid]

    static func make(_ kind: PolicyKind, table: String) throws -> any RecoveryPolicy {
        switch kind {
        case .none: return TrustTrackingPolicy()
        case .hybrid: return HybridPolicy()
        case .reconcile: throw LoadError(table: table, "policy reconcile is not available yet; use hybrid or none")
        }
    }
}

/// `none`: trust the tracking row, as the pipeline did before its fix. Exists so the harness can show the bug.
struct TrustTrackingPolicy: RecoveryPolicy {
    static let kind = PolicyKind.none
    func decide(after session: LoadSession) throws -> RecoveryDecision { .none }
}

/// `hybrid`: the seed's HYBRID FIX, faithfully — when the incremental read returned no row and the target
/// "needs updating" (the source has more rows, or the target is empty although tracking says it was loaded),
/// upsert every source row. Blind to offsetting counts, phantoms and edits that keep the timestamp.
struct HybridPolicy: RecoveryPolicy {
    static let kind = PolicyKind.hybrid

    func decide(after session: LoadSession) throws -> RecoveryDecision {
        guard !session.plan.isFullLoad, session.rowsRead == 0 else { return .none }
        let sourceCount = try session.source.scalar("SELECT count(*) FROM \(session.plan.source.quoted)")?.int64 ?? 0
        let targetCount = try session.writer.count()
        if sourceCount > targetCount {
            return .fullReload(reason: "source has \(sourceCount) rows, target \(targetCount)")
        }
        if targetCount == 0, !session.plan.storedCursor.isEmpty {
            return .fullReload(reason: "target is empty but tracking says it was loaded")
        }
        return .none
    }
}
