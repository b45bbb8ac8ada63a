import Foundation
import Logging
import TidemarkLoader

/// The live line on a terminal: one line on stderr, redrawn in place (`\r`, erase to the end of the line) when a
/// table starts or finishes and five times a second, as ``RunProgress/line(width:)`` renders it. Everything
/// else written to stderr while it shows — log lines, the stop notice — goes through ``write(_:)`` or
/// ``around(_:)``, which erase it first and redraw it after, so nothing interleaves with it. When disabled
/// (stderr is not a terminal, or `--json`) it writes no escape code and no line of its own.
final class ProgressDisplay: @unchecked Sendable {
    private let lock = NSLock()
    private var state: RunProgress
    private let started = Date()
    let enabled: Bool
    private var timer: (any DispatchSourceTimer)?
    private var shown = false
    private var ended = false

    init(enabled: Bool) {
        state = RunProgress(total: 0)
        self.enabled = enabled
    }

    /// Shows the line for a run of `total` tables and starts its timer.
    func start(total: Int) {
        guard enabled else { return }
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now(), repeating: .milliseconds(200))
        timer.setEventHandler { [weak self] in self?.update { _ in } }
        lock.lock()
        state.total = total
        self.timer = timer
        lock.unlock()
        timer.resume()
    }

    func tableStarted(_ table: String) {
        update { $0.inFlight.append(table) }
    }

    func tableFinished(_ result: LoadResult) {
        update { state in
            if let index = state.inFlight.firstIndex(of: result.table) { state.inFlight.remove(at: index) }
            state.done += 1
            if !result.succeeded { state.failed += 1 }
        }
    }

    /// Counted, and shown at the next tick (a redraw per batch would cost more than the batch on a fast load).
    func rowsCommitted(_ rows: Int) {
        guard enabled else { return }
        lock.lock()
        state.rows += rows
        lock.unlock()
    }

    /// Writes `text` to stderr with the line out of its way.
    func write(_ text: String) {
        around { FileHandle.standardError.write(Data(text.utf8)) }
    }

    /// Runs `body`, which writes to stderr, with the line erased before and drawn again after.
    func around(_ body: () -> Void) {
        lock.lock()
        defer { lock.unlock() }
        eraseLocked()
        body()
        drawLocked()
    }

    /// Erases the line for good (before the summary).
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        timer?.cancel()
        timer = nil
        eraseLocked()
        ended = true
    }

    private func update(_ change: (inout RunProgress) -> Void) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        change(&state)
        drawLocked()
    }

    private func drawLocked() {
        guard enabled, !ended else { return }
        state.elapsedSeconds = Date().timeIntervalSince(started)
        FileHandle.standardError.write(Data((Self.eraseLine + state.line(width: Self.terminalWidth())).utf8))
        shown = true
    }

    private func eraseLocked() {
        guard shown else { return }
        FileHandle.standardError.write(Data(Self.eraseLine.utf8))
        shown = false
    }

    /// Back to the first column, then erase to the end of the line.
    static let eraseLine = "\r\u{1B}[K"

    /// The terminal's width in columns (`TIOCGWINSZ` on stderr), 80 when it does not say.
    static func terminalWidth() -> Int {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }
}

/// The stderr log handler, with the progress line kept out of the way of each line it writes.
struct ProgressAwareLogHandler: LogHandler {
    var base: StreamLogHandler
    let display: ProgressDisplay

    func log(event: LogEvent) {
        display.around { base.log(event: event) }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { base.metadataProvider }
        set { base.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { base[metadataKey: key] }
        set { base[metadataKey: key] = newValue }
    }

    var metadata: Logger.Metadata {
        get { base.metadata }
        set { base.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { base.logLevel }
        set { base.logLevel = newValue }
    }
}
