import TidemarkConfig

/// Where a run is, as `etl-run`'s live line on a terminal shows it.
public struct RunProgress: Sendable, Equatable {
    public var total: Int
    public var done = 0
    public var failed = 0
    /// The tables loading now, in the order they started.
    public var inFlight: [String] = []
    /// Rows read and committed so far, over every table.
    public var rows = 0
    public var elapsedSeconds = 0.0

    public init(total: Int) { self.total = total }

    /// The line for a terminal `width` columns wide: always shorter than the width (a line that fills the last
    /// column wraps on some terminals, and a redraw with `\r` would then leave a copy behind). Tables in flight
    /// that do not fit are counted (`+3 more`) rather than cut.
    public func line(width: Int) -> String {
        let limit = max(width - 1, 1)
        let rate = elapsedSeconds > 0 ? Int((Double(rows) / elapsedSeconds).rounded()) : 0
        var head = "[\(done)/\(total)]"
        if failed > 0 { head += " \(failed) failed" }
        head += " · \(Bounds.grouped(rate)) rows/s"
        guard !inFlight.isEmpty else { return Self.cut(head, to: limit) }
        head += " · "
        for shown in stride(from: inFlight.count, through: 0, by: -1) {
            let hidden = inFlight.count - shown
            var line = head + inFlight.prefix(shown).joined(separator: ", ")
            if hidden > 0 { line += (shown > 0 ? ", " : "") + "+\(hidden) more" }
            if line.count <= limit { return line }
        }
        return Self.cut(head + "+\(inFlight.count) more", to: limit)
    }

    private static func cut(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
