import Foundation

/// A named point in the pipeline where a test harness may make the process die or the target fail — a test
/// hook armed only by the environment, so the loader has no fault options of its own.
///
/// `TIDEMARK_CRASH_AT=<point>[:<hit>[:kill|fail]]` (hit 1-based, default 1; action default `kill`): the hit-th
/// time the process reaches `<point>` it sends itself SIGKILL (`kill`: no cleanup, no rollback, no status row),
/// or throws (`fail`: as if the target failed there). Unset, a point costs one load of a nil global.
public enum CrashPoint: String, CaseIterable, Sendable {
    /// A batch's rows are written, its transaction and checkpoint not yet committed.
    case batchWritten = "batch-written"
    /// A batch's rows and cursor are written in its transaction, which has not committed.
    case checkpointWritten = "checkpoint-written"
    /// A batch's transaction committed; the process has not yet taken the new cursor as its own.
    case batchCommitted = "batch-committed"
    /// Halfway through the rows of a bulk insert (a COPY on PostgreSQL), before it ends.
    case insideCopy = "inside-copy"
    /// A parallel worker committed a batch of its range; the coordinator has not checkpointed it.
    case workerBatchCommitted = "worker-batch-committed"
    /// Work was committed outside a batch (parallel ranges, a repair); its cursor is not stored yet.
    case beforeCheckpoint = "before-checkpoint"
    /// A repair committed one leaf and others remain.
    case betweenRepairLeaves = "between-repair-leaves"
    /// A reload in place staged every source row; the merge has not started.
    case reloadStaged = "reload-staged"
    /// A reload in place merged inside its transaction, which has not committed.
    case reloadMerged = "reload-merged"
    /// The data and its cursor are committed; the final success row is not written yet.
    case beforeFinish = "before-finish"

    /// Marks that the pipeline reached this point; kills the process or throws when the environment says so.
    @inline(__always)
    func reach() throws {
        guard let armed = CrashPoints.armed, armed.point == self else { return }
        try armed.hit()
    }

    /// Whether the environment arms this point (to wrap work only then, e.g. a COPY's row sequence).
    var isArmed: Bool { CrashPoints.armed?.point == self }
}

/// The error a `fail` crash point throws.
public struct CrashPointFault: Error, CustomStringConvertible {
    public let point: CrashPoint
    public let hit: Int
    public var description: String { "injected failure at crash point \(point.rawValue) (hit \(hit))" }
}

/// The environment's arming of one crash point, read once per process.
public final class CrashPoints: @unchecked Sendable {
    public static let variable = "TIDEMARK_CRASH_AT"
    public enum Action: String, Sendable { case kill, fail }

    public let point: CrashPoint
    public let hitNumber: Int
    public let action: Action
    private let lock = NSLock()
    private var hits = 0

    /// The armed point, or nil when `TIDEMARK_CRASH_AT` is unset or empty.
    static let armed: CrashPoints? = {
        guard let text = ProcessInfo.processInfo.environment[variable], !text.isEmpty else { return nil }
        guard let armed = CrashPoints(parsing: text) else {
            // A mistyped hook must not look like a run that survived it.
            let points = CrashPoint.allCases.map(\.rawValue).joined(separator: ", ")
            let message = "tidemark: \(variable)=\(text) is not <point>[:<hit>[:kill|fail]] with a point among \(points)\n"
            FileHandle.standardError.write(Data(message.utf8))
            exit(64)
        }
        return armed
    }()

    /// Exits 64 now when the environment arms no known point, rather than at the first point reached (a load
    /// that fails before any would look like a run that survived its crash).
    public static func refuseMistypedArming() { _ = armed }

    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...3).contains(parts.count), let point = CrashPoint(rawValue: parts[0]) else { return nil }
        let hit = parts.count > 1 ? Int(parts[1]) : 1
        let action = parts.count > 2 ? Action(rawValue: parts[2]) : .kill
        guard let hit, hit >= 1, let action else { return nil }
        (self.point, self.hitNumber, self.action) = (point, hit, action)
    }

    /// The text that arms `point` at `hit` with `action`, for the environment of a child process.
    public static func arming(_ point: CrashPoint, hit: Int, action: Action) -> String {
        "\(point.rawValue):\(hit):\(action.rawValue)"
    }

    fileprivate func hit() throws {
        lock.lock()
        hits += 1
        let current = hits
        lock.unlock()
        guard current == hitNumber else { return }
        // Said before dying, so a harness can tell the point was reached from a run that ended by itself.
        FileHandle.standardError.write(Data("tidemark: crash point \(point.rawValue) hit \(current): \(action.rawValue)\n".utf8))
        switch action {
        case .kill: kill(getpid(), SIGKILL)
        case .fail: throw CrashPointFault(point: point, hit: current)
        }
    }
}
