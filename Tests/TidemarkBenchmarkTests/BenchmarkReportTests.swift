import Foundation
import Testing
@testable import TidemarkBenchmark

@Suite struct BenchmarkReportTests {
    @Test func `the JSON report uses snake_case keys like the other outputs`() throws {
        let measurement = Measurement(
            group: .fullLoad, name: "copy", path: .sqliteToPostgres, strategy: "copy", policy: "none", rows: 1000,
            seconds: 0.5, peakRSSBytes: 50_000_000, comparedTo: "raw COPY", ratio: 1.4, note: nil)
        let report = BenchmarkReport(
            date: "2026-12-03", machine: "test", rows: 1000, scaledRows: 2000, seed: 1, batchSize: 100,
            measurements: [measurement], targets: [], notes: [])
        let object = try #require(try JSONSerialization.jsonObject(with: try report.json()) as? [String: Any])
        #expect(Set(object.keys) == ["date", "machine", "rows", "scaled_rows", "seed", "batch_size", "measurements",
                                     "targets", "notes"])
        let first = try #require((object["measurements"] as? [[String: Any]])?.first)
        #expect(Set(first.keys) == ["group", "name", "path", "strategy", "policy", "rows", "seconds", "peak_rss_bytes",
                                    "compared_to", "ratio"])
        #expect(try JSONDecoder().decode(BenchmarkReport.self, from: try report.json()).measurements == [measurement])
    }
}
