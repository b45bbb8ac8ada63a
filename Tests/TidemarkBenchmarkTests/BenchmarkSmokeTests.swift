import Foundation
import Testing
import TidemarkBenchmark
import TidemarkConfig
import TidemarkPostgres
import TidemarkTestSupport

/// A 10k-row run of the whole benchmark through the `bench` binary, so the command keeps working. It checks
/// that every case ran and reported sane numbers, not how fast anything was (that is the benchmark's job).
@Suite struct BenchmarkSmokeTests {
    @Test func `a 10k-row run measures every case and writes its reports`() throws {
        var options = BenchmarkOptions(executable: try builtProduct("bench"))
        options.rows = 10_000
        options.scale = 2
        options.batchSize = 1_000
        options.postgresURL = try TestDatabases.postgresServer()
        let report = try Benchmark.run(options)

        let baselines = report.measurements.filter { $0.group == .baseline }.map(\.name)
        #expect(baselines.contains("raw COPY") && baselines.contains("SQLite inserts"))
        #expect(baselines.contains("pgloader") || report.notes.contains { $0.contains("pgloader is not installed") })

        let loads = report.measurements.filter { $0.group == .fullLoad }
        #expect(loads.count == BenchmarkPath.allCases.count * StrategyKind.allCases.count)
        for load in loads {
            #expect(load.rows == 10_000)
            #expect(load.seconds > 0 && (load.peakRSSBytes ?? 0) > 1_000_000)
            #expect(load.ratio != nil, "\(load.name) on \(load.path!.rawValue) has no baseline ratio")
        }

        let incremental = report.measurements.filter { $0.group == .incremental }
        #expect(incremental.count == BenchmarkPath.allCases.count * 6)
        // The reload case: 3 rows in 5 changed in the target; readers see the old table or the new, nothing between.
        let reloads = incremental.filter { $0.name == "full reload" }
        #expect(reloads.count == BenchmarkPath.allCases.count)
        #expect(reloads.allSatisfy { $0.note?.contains("never a half-filled table") == true }, "\(reloads.map(\.note))")
        #expect(incremental.filter { $0.name == "repair 100+100" }.allSatisfy { $0.rows == 200 })
        #expect(incremental.filter { $0.name == "1% delta" }.allSatisfy { $0.rows == 100 })
        #expect(incremental.filter { $0.name == "no-op" }.allSatisfy { $0.rows == 0 })

        let memory = report.measurements.filter { $0.group == .memory }
        #expect(memory.map(\.name) == ["streaming", "chunked", "copy"])
        #expect(memory.allSatisfy { $0.rows == 20_000 && $0.ratio != nil })
        #expect(report.targets.contains { $0.goal.contains("raw COPY") && $0.met != nil })

        let decoded = try JSONDecoder().decode(BenchmarkReport.self, from: try report.json())
        #expect(decoded.measurements == report.measurements)
        #expect(report.html.contains("<svg") && report.html.contains("raw COPY"))
        #expect(report.text.contains("Targets:"))
    }

    @Test func `bad flags exit 64 and name the flag`() throws {
        let bench = try builtProduct("bench")
        let result = try ProcessRunner.run(bench, ["--rows", "10", "--scale", "1"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--rows"))
        let path = try ProcessRunner.run(bench, ["--path", "mysql→sqlite"])
        #expect(path.status == 64 && path.stderr.contains("--path") && path.stderr.contains("'sqlite→postgres'"))
        // The ASCII arrow parses, so the mistake reported is the row count.
        let ascii = try ProcessRunner.run(bench, ["--path", "sqlite->postgres", "--rows", "10"])
        #expect(ascii.status == 64 && ascii.stderr.contains("--rows: must be from 1,000 to 100,000,000") && !ascii.stderr.contains("invalid for '--path"))
    }
}
