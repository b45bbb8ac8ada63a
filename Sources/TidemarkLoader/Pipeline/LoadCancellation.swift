import Foundation

/// A request to stop the run (a signal): loads stop at their next batch with ``Cancelled``, so its transaction
/// rolls back and the table is marked failed with the reason; tables not started are skipped.
public enum LoadCancellation {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var reason: String?

    /// Asks every load in this process to stop.
    public static func request(reason text: String) {
        lock.lock()
        if reason == nil { reason = text }
        lock.unlock()
    }

    /// Why the run is stopping, or nil while it is not.
    public static var requested: String? {
        lock.lock()
        defer { lock.unlock() }
        return reason
    }

    /// Throws ``Cancelled`` when a stop was requested.
    static func check() throws {
        if let reason = requested { throw Cancelled(reason: reason) }
    }
}

/// The error a load stops with when the run was asked to stop.
public struct Cancelled: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { "the run was stopped: \(reason)" }
}
