import Foundation
import Testing
import TidemarkDrivers
import TidemarkTestSupport

/// ``StatementInterrupter`` on every driver: another thread stops a statement that would never end by itself,
/// the error says it was interrupted, and the connection goes on working.
@Suite struct InterrupterTests {
    /// A statement that runs for hours unless it is stopped.
    static func endless(_ engine: Engine) -> String {
        switch engine {
        case .postgres: return "SELECT pg_sleep(7200)"
        case .sqlite:
            return "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1000000000000) SELECT count(*) FROM c"
        // MariaDB's sequence engine (its recursive CTEs stop at max_recursive_iterations; a lone SLEEP that is
        // interrupted returns 1 without an error).
        case .mysql: return "SELECT max(seq % 7) FROM seq_1_to_1000000000000"
        }
    }

    /// The outcome of a statement run on another thread.
    final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var error: (any Error)??

        var value: (any Error)?? {
            lock.lock()
            defer { lock.unlock() }
            return error
        }

        func set(_ error: (any Error)?) {
            lock.lock()
            self.error = .some(error)
            lock.unlock()
        }
    }

    @Test(arguments: TestDatabases.drivers)
    func `another thread interrupts the running statement, and the connection stays usable`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { connection, _ in
            let interrupter = connection.interrupter
            // Nothing running: nothing happens, and the next statement runs.
            interrupter.interruptRunningStatement()
            #expect(try connection.scalar("SELECT 1")?.int64 == 1)

            let outcome = Outcome()
            let sql = Self.endless(engine)
            let box = UncheckedConnection(connection)
            Thread.detachNewThread {
                do {
                    _ = try box.connection.query(sql)
                    outcome.set(nil)
                } catch {
                    outcome.set(error)
                }
            }
            // Again and again, in case the first came before the statement started.
            let deadline = Date().addingTimeInterval(20)
            while outcome.value == nil, Date() < deadline {
                usleep(200_000)
                interrupter.interruptRunningStatement()
            }
            let ended = try #require(outcome.value, "the statement was not interrupted within 20 s")
            let error = try #require(ended, "the statement ended without an error")
            let databaseError = try #require(error as? DatabaseError, "\(String(describing: error))")
            #expect(databaseError.isInterruption, "\(databaseError)")
            #expect(try connection.scalar("SELECT 2")?.int64 == 2)

            connection.close()
            interrupter.interruptRunningStatement()  // closed: nothing to do, and no crash
        }
    }
}

/// Hands the connection to the one other thread that uses it while this one only interrupts it.
private struct UncheckedConnection: @unchecked Sendable {
    let connection: any Connection
    init(_ connection: any Connection) { self.connection = connection }
}
