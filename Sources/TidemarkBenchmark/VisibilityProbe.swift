import Foundation
import TidemarkDatabase
import TidemarkDrivers

/// A reader that counts the rows holding a marker in the bench table, over and over on a thread of its own,
/// while another process rewrites the table: what it saw tells whether readers ever meet a half-filled table,
/// and its slowest read whether they were made to wait.
final class VisibilityProbe: @unchecked Sendable {
    struct Seen {
        var markedCounts: Set<Int> = []
        var reads = 0
        var longestSeconds = 0.0
    }

    private let lock = NSLock()
    private var seen = Seen()
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)

    init(_ endpoint: Endpoint, marker: String) throws {
        let db = try openConnection(endpoint.url)
        let sql = "SELECT count(*) FROM \(endpoint.table.quoted) WHERE \(quoteIdentifier("Note")) = \(db.engine.placeholder(1))"
        let work = HandedOverConnection(db)
        Thread { [self] in
            let db = work.connection
            defer {
                db.close()
                finished.signal()
            }
            while !isStopping {
                let started = DispatchTime.now().uptimeNanoseconds
                guard let count = try? db.scalar(sql, [.text(marker)])?.int64 else { break }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                record(Int(count), seconds: seconds)
                Thread.sleep(forTimeInterval: 0.01)
            }
        }.start()
    }

    /// Stops the reader and returns what it saw.
    func stop() -> Seen {
        lock.lock()
        stopping = true
        lock.unlock()
        finished.wait()
        lock.lock()
        defer { lock.unlock() }
        return seen
    }

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    private func record(_ count: Int, seconds: Double) {
        lock.lock()
        seen.markedCounts.insert(count)
        seen.reads += 1
        seen.longestSeconds = max(seen.longestSeconds, seconds)
        lock.unlock()
    }
}

/// A connection handed to the probe's thread, which alone uses it from then on.
private struct HandedOverConnection: @unchecked Sendable {
    let connection: any Connection
    init(_ connection: any Connection) { self.connection = connection }
}
