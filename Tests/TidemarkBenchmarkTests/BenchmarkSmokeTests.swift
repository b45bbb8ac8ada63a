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
        options.mysqlURL = try TestDatabases.mysqlServer()
        options.manyTables = ManyTables(smallTables: 12, smallRows: 40, largeTables: 2, largeRows: 1_500)
        options.jobs = [1, 3]
        let report = try Benchmark.run(options)

        let baselines = report.measurements.filter { $0.group == .baseline }.map(\.name)
        #expect(baselines.contains("raw COPY") && baselines.contains("SQLite inserts") && baselines.contains("raw MariaDB read"))
        #expect(baselines.contains("pgloader") || report.notes.contains { $0.contains("pgloader is not installed") })

        let loads = report.measurements.filter { $0.group == .fullLoad }
        #expect(loads.count == BenchmarkPath.allCases.count * StrategyKind.allCases.count)
        for load in loads {
            #expect(load.rows == 10_000)
            #expect(load.seconds > 0 && (load.peakRSSBytes ?? 0) > 1_000_000)
            #expect(load.ratio != nil, "\(load.name) on \(load.path!.rawValue) has no baseline ratio")
        }

        let incremental = report.measurements.filter { $0.group == .incremental }
        #expect(incremental.count == BenchmarkPath.allCases.count * 8)
        // Rolling's no-op and repair beside the full verification's, on every path.
        #expect(incremental.filter { $0.policy == "reconcile/rolling" }.map(\.name)
            == Array(repeating: ["no-op", "repair 100+100"], count: BenchmarkPath.allCases.count).flatMap { $0 })
        // The reload case: 3 rows in 5 changed in the target; readers see the old table or the new, nothing between.
        let reloads = incremental.filter { $0.name == "full reload" }
        #expect(reloads.count == BenchmarkPath.allCases.count)
        #expect(reloads.allSatisfy { $0.note?.contains("never a half-filled table") == true }, "\(reloads.map(\.note))")
        #expect(incremental.filter { $0.name == "repair 100+100" }.allSatisfy { $0.rows == 200 })
        #expect(incremental.filter { $0.name == "1% delta" }.allSatisfy { $0.rows == 100 })
        #expect(incremental.filter { $0.name == "no-op" }.allSatisfy { $0.rows == 0 })

        // The mysql→postgres loads compare with reading from MariaDB and writing by COPY, added up.
        #expect(loads.filter { $0.path == .mysqlToPostgres }.allSatisfy { $0.comparedTo == "raw MariaDB read + raw COPY" })

        // Narrow and wide per target, the wide one compared per value.
        let width = report.measurements.filter { $0.group == .width }
        #expect(width.map(\.name) == ["narrow, 12 columns", "wide, 30 columns", "narrow, 12 columns", "wide, 30 columns"])
        #expect(width.filter { $0.name.hasPrefix("wide") }.allSatisfy { $0.ratio != nil && $0.rows == 1_000 })

        // Per path and --jobs: a full load of every row of the 14 tables, then two no-ops; and the counting floor.
        let many = report.measurements.filter { $0.group == .manyTables }
        for path in [BenchmarkPath.sqliteToPostgres, .sqliteToSQLite] {
            let names = many.filter { $0.path == path }.map { "\($0.name) (\($0.policy ?? ""))" }
            #expect(names == ["full load, jobs 1 (none)", "no-op, jobs 1 (none)", "no-op, jobs 1 (reconcile)",
                              "full load, jobs 3 (none)", "no-op, jobs 3 (none)", "no-op, jobs 3 (reconcile)",
                              "count each small table on both sides ()"])
            #expect(many.filter { $0.path == path && $0.name.hasPrefix("full") }.allSatisfy { $0.rows == 12 * 40 + 2 * 1_500 })
            #expect(many.filter { $0.path == path }.allSatisfy { ($0.secondsPerTable ?? 0) > 0 })
        }
        #expect(report.targets.contains { $0.goal.contains("per-table overhead (none)") && $0.met != nil })
        #expect(report.targets.contains { $0.goal.contains("counting the table on both sides") && $0.met != nil })

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
        let many = try ProcessRunner.run(bench, ["--many-tables", "-1"])
        #expect(many.status == 64 && many.stderr.contains("--many-tables"))
        #expect(path.status == 64 && path.stderr.contains("--path") && path.stderr.contains("'sqlite→postgres'"))
        // The ASCII arrow parses, so the mistake reported is the row count.
        let ascii = try ProcessRunner.run(bench, ["--path", "sqlite->postgres", "--rows", "10"])
        #expect(ascii.status == 64 && ascii.stderr.contains("--rows: must be from 1,000 to 100,000,000") && !ascii.stderr.contains("invalid for '--path"))
    }
}
