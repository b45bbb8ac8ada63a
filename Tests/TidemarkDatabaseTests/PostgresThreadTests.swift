import Foundation
import Testing
import TidemarkDrivers
import TidemarkTestSupport

/// A connection is used by one thread at a time, but the last reference to one of its prepared statements can be
/// dropped on another (in a closure a reading thread ran): the statement's DEALLOCATE must then wait for the
/// connection's own next command instead of running on that thread, in the middle of someone else's query.
@Suite struct PostgresThreadTests {
    final class Holder: @unchecked Sendable {
        var statement: (any PreparedStatement)?
        init(_ statement: any PreparedStatement) { self.statement = statement }
    }

    @Test func `a statement released on another thread is deallocated by the connection's next command`() throws {
        try TestDatabases.withConnection(.postgres) { db, _ in
            let holder = Holder(try db.prepare("SELECT 1"))
            #expect(try db.scalar("SELECT count(*) FROM pg_prepared_statements") == 1)
            let released = DispatchSemaphore(value: 0)
            Thread {
                usleep(100_000)
                holder.statement = nil  // while this thread's connection owner is inside a query
                released.signal()
            }.start()
            #expect(try db.scalar("SELECT 1 FROM pg_sleep(0.4)") == 1)
            released.wait()
            #expect(try db.scalar("SELECT count(*) FROM pg_prepared_statements") == 0)
            #expect(try db.scalar("SELECT 2") == 2, "the connection still answers in step")
        }
    }
}
