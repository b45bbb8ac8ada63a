import Foundation
import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkFixtures
import TidemarkPostgres
import TidemarkTestSupport
@testable import TidemarkLoader

/// Running at the original pipeline's scale: many tables per run, one loader per table, fencing, the summary,
/// `status`, and clean stops.
@Suite struct OperationsTests {
    static let paths = [LoadPath(source: .sqlite, target: .sqlite), LoadPath(source: .sqlite, target: .postgres)]

    func lockName(_ bench: LoadBench, _ table: String) -> String {
        bench.target.dialect.table(table, schema: bench.targetSchema ?? "raw").description
    }

    @Test(arguments: paths)
    func `a table another run holds is waited for, or skipped with --skip-locked`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try bench.install(Fixtures.medication())
            // The other run: a lock taken on a connection of its own.
            let other = try openConnection(bench.targetURL)
            defer { other.close() }
            let held = try #require(try other.dialect.lock(lockName(bench, "medication"), on: other, waitSeconds: 0))

            var options = LoadOptions()
            options.targetSchema = bench.targetSchema ?? "raw"
            options.sourceSchema = bench.sourceSchema ?? "public"
            options.lockWaitSeconds = 0.3
            let loader = TableLoader(source: bench.source, target: bench.target, options: options)
            let waited = loader.load(medicationConfig())
            #expect(waited.error?.contains("another run is loading medication") == true, "\(waited)")

            options.skipLocked = true
            let skipping = TableLoader(source: bench.source, target: bench.target, options: options)
            let skipped = skipping.load(medicationConfig())
            #expect(skipped.error == nil && skipped.skipped != nil)
            #expect(try !bench.target.tableExists(bench.table("medication", on: bench.target)))

            held.release()
            let loaded = skipping.load(medicationConfig())
            #expect(loaded.error == nil && loaded.skipped == nil && loaded.rows_loaded == 1090)
        }
    }

    @Test(arguments: paths)
    func `two loads of one table at once end equal to the source, one after the other`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try bench.install(Fixtures.procedurelog(rows: 20_000, seed: 3))
            var configured = TableConfig(name: "procedurelog")
            configured.batchSize = 500
            let config = configured
            var options = LoadOptions()
            options.targetSchema = bench.targetSchema ?? "raw"
            options.sourceSchema = bench.sourceSchema ?? "public"
            let (sourceURL, targetURL, settings) = (bench.sourceURL, bench.targetURL, options)
            let results = ResultsBox()
            DispatchQueue.concurrentPerform(iterations: 2) { _ in
                guard let source = try? openConnection(sourceURL), let target = try? openConnection(targetURL)
                else { return }
                defer { source.close(); target.close() }
                results.append(TableLoader(source: source, target: target, options: settings).load(config))
            }
            let all = results.all
            #expect(all.count == 2 && all.allSatisfy { $0.error == nil }, "\(all.map(\.error))")
            // The second waited for the first, found its cursor and had nothing left to write.
            #expect(all.map(\.rows_loaded).sorted() == [0, 20_000])
            try bench.expectSame("procedurelog", key: "ProcNum")
        }
    }

    @Test(arguments: paths)
    func `a writer whose fence is older than the stored one cannot overwrite the tracking row`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try bench.install(Fixtures.medication())
            #expect(bench.load(medicationConfig(), strategy: .standard).error == nil)
            let before = try #require(try bench.tracking("medication"))
            #expect(before["fence"] == .integer(1))
            var tracking = LoadStatusTable(connection: bench.target, schema: bench.targetSchema)
            try tracking.ensureExists()
            var stale = try #require(try tracking.read("medication"))
            stale.lastPrimaryValue = "1"
            stale.fence = 0
            #expect(throws: LoadError.self) { try tracking.write(stale) }
            #expect(try bench.tracking("medication")?["last_primary_value"] == before["last_primary_value"])
            // The next run takes fence 2 and writes.
            #expect(bench.load(medicationConfig(), strategy: .standard).error == nil)
            #expect(try bench.tracking("medication")?["fence"] == .integer(2))
        }
    }
}

private final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [LoadResult] = []

    func append(_ result: LoadResult) {
        lock.lock()
        results.append(result)
        lock.unlock()
    }

    var all: [LoadResult] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
