import Foundation
import TidemarkDatabase

/// A request to stop the run (a signal). The statements running on the run's connections are interrupted at once
/// (see ``StatementInterrupter``), and loads stop at their next batch; either way with ``Cancelled``, so the
/// transaction rolls back and the table is marked failed with the reason; tables not started are skipped.
public enum LoadCancellation {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var reason: String?
    /// The interrupters of the connections the run has open, held weakly: a connection that is gone drops out.
    nonisolated(unsafe) private static var watched: [ObjectIdentifier: WeakInterrupter] = [:]

    /// Asks every load in this process to stop, and interrupts every statement running on a watched connection.
    public static func request(reason text: String) {
        lock.lock()
        if reason == nil { reason = text }
        let interrupters = watched.values.compactMap(\.interrupter)
        lock.unlock()
        // Outside the lock: an interrupt may take a round trip (PostgreSQL, MySQL).
        for interrupter in interrupters { interrupter.interruptRunningStatement() }
    }

    /// Why the run is stopping, or nil while it is not.
    public static var requested: String? {
        lock.lock()
        defer { lock.unlock() }
        return reason
    }

    /// Interrupts `connection`'s running statement when a stop is requested, for as long as it is open (a closed
    /// connection's interrupter does nothing, and a released one drops out).
    static func watch(_ connection: any Connection) {
        let interrupter = connection.interrupter
        lock.lock()
        defer { lock.unlock() }
        watched = watched.filter { $0.value.interrupter != nil }
        watched[ObjectIdentifier(interrupter)] = WeakInterrupter(interrupter: interrupter)
    }

    /// `factory`, with every connection it opens watched.
    static func watching(_ factory: ConnectionFactory?) -> ConnectionFactory? {
        guard let factory else { return nil }
        return { @Sendable () throws -> any Connection in
            let connection = try factory()
            watch(connection)
            return connection
        }
    }

    /// Throws ``Cancelled`` when a stop was requested.
    static func check() throws {
        if let reason = requested { throw Cancelled(reason: reason) }
    }

    /// The error a load reports: a statement that failed because the stop interrupted it is the stop itself.
    static func surfaced(_ error: any Error) -> any Error {
        guard let reason = requested, isInterruption(error) else { return error }
        return Cancelled(reason: reason)
    }

    private static func isInterruption(_ error: any Error) -> Bool {
        switch error {
        case let error as DatabaseError: return error.isInterruption
        // SQLite rolls back a transaction whose write was interrupted itself, so the ROLLBACK after it fails too.
        case let error as RollbackFailed: return isInterruption(error.bodyError)
        default: return false
        }
    }
}

private struct WeakInterrupter {
    weak var interrupter: (any StatementInterrupter)?
}

/// The error a load stops with when the run was asked to stop.
public struct Cancelled: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "the run was stopped: \(reason)" }
}
