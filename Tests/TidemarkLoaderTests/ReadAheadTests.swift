import Foundation
import Testing
import TidemarkDatabase
@testable import TidemarkLoader

/// The read-ahead hand-over between the reading thread and the writer: order, and both failure directions.
@Suite struct ReadAheadTests {
    static func batch(_ n: Int) -> [Row] {
        [Row(columns: ColumnNames(["n"]), values: [.integer(Int64(n))])]
    }

    struct Stop: Error {}

    @Test func `batches arrive in the order they were read`() throws {
        let written = Log()
        try ReadAhead.run(read: { emit in for n in 0..<200 { try emit(Self.batch(n)) } },
                          write: { written.append($0[0][0].int64!) })
        #expect(written.values == (0..<200).map(Int64.init))
    }

    @Test func `a write error stops the reader and is the error reported`() throws {
        let reads = Log()
        #expect(throws: Stop.self) {
            try ReadAhead.run(read: { emit in
                for n in 0..<1000 {
                    reads.append(Int64(n))
                    try emit(Self.batch(n))
                }
            }, write: { batch in if batch[0][0] == .integer(3) { throw Stop() } })
        }
        // The reader gets at most the queue's depth and the batch in its hand ahead of the failed write.
        #expect(reads.values.count <= 6)
    }

    @Test func `a read error arrives after the batches read before it were written`() throws {
        let written = Log()
        #expect(throws: Stop.self) {
            try ReadAhead.run(read: { emit in
                for n in 0..<5 { try emit(Self.batch(n)) }
                throw Stop()
            }, write: { written.append($0[0][0].int64!) })
        }
        #expect(written.values == [0, 1, 2, 3, 4])
    }

    @Test func `in parallel: both results, and an error from either side`() throws {
        let (a, b) = try inParallel(true, { 6 * 7 }, { "done" })
        #expect(a == 42 && b == "done")
        #expect(throws: Stop.self) { _ = try inParallel(true, { () throws -> Int in throw Stop() }, { 1 }) }
        #expect(throws: Stop.self) { _ = try inParallel(true, { 1 }, { () throws -> Int in throw Stop() }) }
    }

    /// What the read closure captured is released on the caller's thread: the reading thread lets go of it before
    /// reporting the end. (A prepared statement released on the reading thread once ran its DEALLOCATE there
    /// while the caller used the same connection again.)
    @Test func `what the reader captured is released on the caller's thread`() throws {
        let releasedOnCaller = Log()
        for _ in 0..<50 {
            let caller = Thread.current
            let tracer = Tracer { releasedOnCaller.append(Thread.current == caller ? 1 : 0) }
            try ReadAhead.run(read: { [tracer] emit in try emit(Self.batch(tracer.id)) }, write: { _ in })
            let (_, _) = try inParallel(true, { [tracer] in tracer.id }, { 0 })
        }
        #expect(releasedOnCaller.values == Array(repeating: 1, count: 50))
    }
}

/// Numbers appended from either thread.
private final class Log: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int64] = []

    func append(_ n: Int64) {
        lock.lock()
        items.append(n)
        lock.unlock()
    }

    var values: [Int64] {
        lock.lock()
        defer { lock.unlock() }
        return items
    }
}

/// Reports the thread it is released on.
private final class Tracer: @unchecked Sendable {
    let id = 7
    private let released: () -> Void
    init(released: @escaping () -> Void) { self.released = released }
    deinit { released() }
}
