import Foundation
import Metrics

/// Counts calls and times of the pipeline stages and strategy methods, per run and across runs.
///
/// Each measurement also goes to swift-metrics (`tidemark_method_seconds{method=…}`), so bootstrapping a
/// Prometheus backend exports them without further code. ``save(to:)`` writes `method_usage.json` with the seed's
/// keys (`call_count`, `first_seen`, `last_seen`, `run_ids`) merged into what the file already holds, plus
/// durations and this run's own figures (the seed's counts were cumulative only, FM-31).
public final class MethodUsage: @unchecked Sendable {
    public struct Entry: Codable, Equatable, Sendable {
        public var call_count: Int
        public var first_seen: String
        public var last_seen: String
        public var run_ids: [String]
        public var total_seconds: Double
        public var max_seconds: Double
        public var last_run_calls: Int
        public var last_run_seconds: Double
    }

    public let runID: String
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    /// When each method was last measured; spelled into `last_seen` only when read (a formatter per measurement
    /// cost more than a small table's whole no-op run).
    private var lastSeen: [String: Date] = [:]

    public init(runID: String) { self.runID = runID }

    public func measure<T>(_ method: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { record(method, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        return try body()
    }

    public func record(_ method: String, seconds: Double) {
        Metrics.Timer(label: "tidemark_method_seconds", dimensions: [("method", method)])
            .recordNanoseconds(Int64(seconds * 1e9))
        let now = Date()
        lock.lock()
        defer { lock.unlock() }
        var entry = entries[method] ?? Entry(
            call_count: 0, first_seen: runID, last_seen: "", run_ids: [runID], total_seconds: 0, max_seconds: 0,
            last_run_calls: 0, last_run_seconds: 0)
        lastSeen[method] = now
        entry.call_count += 1
        entry.total_seconds += seconds
        entry.max_seconds = max(entry.max_seconds, seconds)
        entry.last_run_calls += 1
        entry.last_run_seconds += seconds
        entries[method] = entry
    }

    /// This run's entries.
    public var snapshot: [String: Entry] {
        lock.lock()
        defer { lock.unlock() }
        let formatter = ISO8601DateFormatter()
        var spelled = entries
        for (method, date) in lastSeen { spelled[method]?.last_seen = formatter.string(from: date) }
        return spelled
    }

    /// Merges this run into the file (creating it): counts and durations add up, `first_seen` is kept,
    /// `run_ids` are united; `last_run_*` describe this run only.
    public func save(to path: String) throws {
        var merged: [String: Entry] = [:]
        if let data = FileManager.default.contents(atPath: path), !data.isEmpty {
            merged = try JSONDecoder().decode([String: Entry].self, from: data)
        }
        for (method, entry) in snapshot {
            if var old = merged[method] {
                old.call_count += entry.call_count
                old.last_seen = entry.last_seen
                old.run_ids = Array(Set(old.run_ids + entry.run_ids)).sorted()
                old.total_seconds += entry.total_seconds
                old.max_seconds = max(old.max_seconds, entry.max_seconds)
                old.last_run_calls = entry.last_run_calls
                old.last_run_seconds = entry.last_run_seconds
                merged[method] = old
            } else {
                merged[method] = entry
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        try encoder.encode(merged).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
