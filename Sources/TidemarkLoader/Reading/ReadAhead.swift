import Foundation
import TidemarkDatabase

/// Reads the next batch while the last one is written. `read` runs on a thread of its own and hands batches
/// over through a queue at most `depth` batches deep (one: a batch is read while another is written), so
/// decoding the source and the target server's work overlap instead of taking turns; memory stays bounded by
/// the queue. Batches arrive in the order they were
/// read, so the checkpoint after each one is exactly what it would be without the thread.
///
/// While it runs, only the reading thread uses the source connection and only the caller's thread the target:
/// callers must not pass the same connection for both (`SourceReader` checks). The reading thread lets go of
/// `read` before it reports the end, so nothing `read` holds can be released on that thread after this returns.
enum ReadAhead {
    static func run(depth: Int = 1, read: @escaping (_ emit: ([Row]) throws -> Void) throws -> Void,
                    write: ([Row]) throws -> Void) throws {
        let handoff = Handoff(depth: depth)
        let reader = HandedOver(read)
        let thread = Thread {
            let result = Result { try reader.take()? { try handoff.put($0) } }
            handoff.finish(result.failure)
        }
        thread.start()
        // On a write error the reader is told to stop (its next hand-over throws) and is waited for, so the
        // source connection is idle again when this returns.
        defer {
            handoff.cancel()
            handoff.waitUntilFinished()
        }
        while let batch = try handoff.take() { try write(batch) }
    }

    /// The queue between the two threads.
    private final class Handoff: @unchecked Sendable {
        private let condition = NSCondition()
        private let depth: Int
        private var batches: [[Row]] = []
        private var finished = false
        private var cancelled = false
        private var failure: (any Error)?

        init(depth: Int) { self.depth = max(1, depth) }

        func put(_ batch: [Row]) throws {
            condition.lock()
            defer { condition.unlock() }
            while batches.count >= depth && !cancelled { condition.wait() }
            if cancelled { throw CancellationError() }
            batches.append(batch)
            condition.broadcast()
        }

        /// The next batch; nil after the last one; the reader's error once its earlier batches were taken.
        func take() throws -> [Row]? {
            condition.lock()
            defer { condition.unlock() }
            while batches.isEmpty && !finished { condition.wait() }
            if !batches.isEmpty {
                condition.broadcast()
                return batches.removeFirst()
            }
            if let failure { throw failure }
            return nil
        }

        func finish(_ error: (any Error)?) {
            condition.lock()
            finished = true
            failure = error
            condition.broadcast()
            condition.unlock()
        }

        func cancel() {
            condition.lock()
            cancelled = true
            batches.removeAll()
            condition.broadcast()
            condition.unlock()
        }

        func waitUntilFinished() {
            condition.lock()
            while !finished { condition.wait() }
            condition.unlock()
        }
    }
}

/// Runs `first` on a thread of its own while `second` runs on the caller's, and returns both results (the
/// first error when either fails); one after the other when `parallel` is false. The two must not share a
/// connection.
func inParallel<A, B>(_ parallel: Bool, _ first: @escaping () throws -> A, _ second: () throws -> B) throws -> (A, B) {
    guard parallel else { return (try first(), try second()) }
    let outcome = ThreadOutcome<A>()
    let work = HandedOver(first)
    Thread {
        outcome.result = Result { try work.take()!() }  // `first` is released here, before the signal
        outcome.done.signal()
    }.start()
    let secondResult = Result { try second() }
    outcome.done.wait()
    return (try outcome.result!.get(), try secondResult.get())
}

/// The result of work on another thread, read after `done` was signalled.
private final class ThreadOutcome<A>: @unchecked Sendable {
    var result: Result<A, any Error>?
    let done = DispatchSemaphore(value: 0)
}

/// A closure handed to another thread, which takes it out once: when the thread's work ends, the closure (and
/// any connection or statement it captured) is released there and then, not whenever the thread object goes —
/// possibly after the caller, believing the work done, used the same connection again.
final class HandedOver<T>: @unchecked Sendable {
    private var value: T?
    init(_ value: T) { self.value = value }

    func take() -> T? {
        defer { value = nil }
        return value
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
