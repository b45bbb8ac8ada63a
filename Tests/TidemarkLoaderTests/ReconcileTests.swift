import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkFixtures
import TidemarkLoader
import TidemarkTestSupport

/// The reconcile policy: bisection finds damage wherever it is, repair touches only what differs, and a
/// source that changes during the run gives no false differences.
@Suite struct ReconcileTests {
    enum Damage: String, CaseIterable, Sendable {
        case firstKey, lastKey, singleKey, everyOtherKey, phantomsAcrossHugeGaps, phantomsAtTheKeyExtremes,
            changedWithoutBump, mostOfTheTable
    }

    /// A sparse integer key space: 2000 rows with keys spread up to 10^12, so ranges are mostly empty.
    static func createSparse(_ bench: LoadBench) throws {
        let table = bench.table("sparse", on: bench.source)
        try bench.source.createTable(TableSchema(name: table, columns: [
            ColumnDefinition("id", .bigint, nullable: false), ColumnDefinition("v", .text), ColumnDefinition("ts", .timestamp),
        ], primaryKey: ["id"]))
        _ = try bench.source.bulkInsert(into: table, columns: ["id", "v", "ts"], rows: (1...2000).map { i in
            [.integer(Int64(i) * Int64(i) * 250_000), .text("v\(i)"), .timestamp(LocalTimestamp(year: 2025, month: 1, day: 1 + i % 28))]
        })
    }

    static func config() -> TableConfig {
        var config = TableConfig(name: "sparse")
        config.primaryKey = ["id"]
        config.incrementalColumns = ["id", "ts"]
        return config
    }

    @Test(arguments: LoadPath.all, Damage.allCases)
    func `bisection finds the damage and repair fixes exactly it`(path: LoadPath, damage: Damage) throws {
        try LoadBench.with(path) { bench in
            try Self.createSparse(bench)
            #expect(bench.load(Self.config(), strategy: .standard, policy: .reconcile).verified)
            let t = bench.table("sparse", on: bench.target).quoted
            let key = { (i: Int64) in i * i * 250_000 }
            var expectedRepaired = 0
            var expectedDeleted = 0
            switch damage {
            case .firstKey:
                try bench.target.execute("DELETE FROM \(t) WHERE id = \(key(1))")
                expectedRepaired = 1
            case .lastKey:
                try bench.target.execute("UPDATE \(t) SET v = 'x' WHERE id = \(key(2000))")
                expectedRepaired = 1
            case .singleKey:
                try bench.target.execute("DELETE FROM \(t) WHERE id = \(key(1234))")
                expectedRepaired = 1
            case .everyOtherKey:
                try bench.target.execute("UPDATE \(t) SET v = 'x' WHERE id IN (SELECT id FROM \(t) ORDER BY id LIMIT 400) AND (id / 250000) % 2 = 0")
                expectedRepaired = 200
            case .phantomsAcrossHugeGaps:
                _ = try bench.target.bulkInsert(into: bench.table("sparse", on: bench.target), columns: ["id", "v"],
                                                rows: [[3], [999_999_999_999], [-5]].map { [.integer($0[0]), .text("phantom")] })
                expectedDeleted = 3
            case .phantomsAtTheKeyExtremes:
                // Keys this far out are verified as one range (no bucket arithmetic near overflow).
                _ = try bench.target.bulkInsert(into: bench.table("sparse", on: bench.target), columns: ["id", "v"],
                                                rows: [Int64.min, Int64.max].map { [.integer($0), .text("phantom")] })
                expectedDeleted = 2
            case .changedWithoutBump:
                try bench.source.execute("UPDATE \(bench.table("sparse", on: bench.source).quoted) SET v = 'edited' WHERE id = \(key(777))")
                expectedRepaired = 1
            case .mostOfTheTable:
                try bench.target.execute("DELETE FROM \(t) WHERE id > \(key(500))")
                expectedRepaired = 1500
            }
            let result = bench.load(Self.config(), strategy: .standard, policy: .reconcile)
            #expect(result.error == nil)
            #expect(result.verified)
            #expect(result.fallback == (damage == .mostOfTheTable ? .full_reload : .repair))
            #expect(result.rows_repaired == expectedRepaired)
            #expect(result.rows_deleted == expectedDeleted)
            try bench.expectSame("sparse", key: "id")
            let quiet = bench.load(Self.config(), strategy: .standard, policy: .reconcile)
            #expect(quiet.fallback == .none)
            #expect(quiet.rows_loaded == 0)
        }
    }

    /// 3000 consecutive keys and one far away: the first verification pass puts the cluster in one range much
    /// larger than a leaf, which bisection then narrows down to the damaged rows.
    @Test(arguments: LoadPath.all)
    func `a differing range larger than a leaf is bisected down to the damaged rows`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            let table = bench.table("clustered", on: bench.source)
            try bench.source.createTable(TableSchema(name: table, columns: [
                ColumnDefinition("id", .bigint, nullable: false), ColumnDefinition("v", .text),
            ], primaryKey: ["id"]))
            _ = try bench.source.bulkInsert(into: table, columns: ["id", "v"],
                                            rows: (Array(1...3000) + [1_000_000_000]).map { [.integer(Int64($0)), .text("v\($0)")] })
            var config = TableConfig(name: "clustered")
            config.primaryKey = ["id"]
            config.incrementalColumns = ["id"]
            var settings = ReconcileSettings()
            settings.leafSize = 64
            #expect(bench.load(config, strategy: .streaming, policy: .reconcile, reconcile: settings).verified)
            let t = bench.table("clustered", on: bench.target).quoted
            try bench.target.execute("DELETE FROM \(t) WHERE id = 1500")
            try bench.target.execute("UPDATE \(t) SET v = 'changed' WHERE id IN (10, 2999)")
            let result = bench.load(config, strategy: .streaming, policy: .reconcile, reconcile: settings)
            #expect(result.error == nil)
            #expect(result.fallback == .repair)
            #expect(result.rows_repaired == 3)
            try bench.expectSame("clustered", key: "id")
        }
    }

    @Test(arguments: LoadPath.all)
    func `verify: off skips verification`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try Self.createSparse(bench)
            var config = Self.config()
            config.verify = .off
            bench.load(config, strategy: .standard, policy: .reconcile)
            try bench.target.execute("DELETE FROM \(bench.table("sparse", on: bench.target).quoted) WHERE id = 250000")
            let result = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(!result.verified)
            #expect(result.fallback == .none)
        }
    }

    @Test(arguments: LoadPath.all, StrategyKind.allCases)
    func `the incident is repaired by every strategy and the cursor is re-derived`(path: LoadPath, strategy: StrategyKind) throws {
        try LoadBench.with(path) { bench in
            try bench.install(Fixtures.medication())
            bench.load(medicationConfig(), strategy: strategy, policy: .reconcile)
            try makeIncidentState(bench)
            try bench.setTracking("medication", ["last_primary_value": "99999"])
            let result = bench.load(medicationConfig(), strategy: strategy, policy: .reconcile)
            #expect(result.error == nil)
            #expect(result.verified)
            #expect(result.fallback == .full_reload)
            try bench.expectSame("medication", key: "MedicationNum")
            #expect(try bench.tracking("medication")?["last_primary_value"] == "1545")
        }
    }
}

@Suite struct ReconcileSnapshotTests {
    @Test(arguments: LoadPath.all)
    func `a source changed between verify and repair gives no false difference`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try ReconcileTests.createSparse(bench)
            bench.load(ReconcileTests.config(), strategy: .standard, policy: .reconcile)
            if bench.source.engine == .sqlite { try bench.source.execute("PRAGMA journal_mode=WAL") }
            try bench.target.execute("DELETE FROM \(bench.table("sparse", on: bench.target).quoted) WHERE id = 250000")

            var options = LoadOptions()
            options.strategy = .fixed(.standard)
            options.policy = .reconcile
            options.sourceSchema = bench.sourceSchema ?? "public"
            options.targetSchema = bench.targetSchema ?? "raw"
            let sourceURL = bench.sourceURL
            let table = bench.table("sparse", on: bench.source).quoted
            options.reconcile.afterVerify = {
                // Another writer edits a row and adds one while the repair is under way.
                let writer = try openConnection(sourceURL)
                try writer.execute("UPDATE \(table) SET v = 'moved on' WHERE id = 1000000")
                try writer.execute("INSERT INTO \(table) (id, v, ts) VALUES (5, 'late', NULL)")
            }
            let result = TableLoader(source: bench.source, target: bench.target, options: options).load(ReconcileTests.config())
            #expect(result.error == nil, "\(result.error ?? "")")
            #expect(result.verified)
            #expect(result.rows_repaired == 1)

            // The next run sees the writer's changes as ordinary source changes.
            let next = bench.load(ReconcileTests.config(), strategy: .standard, policy: .reconcile)
            #expect(next.error == nil)
            try bench.expectSame("sparse", key: "id")
        }
    }
}

@Suite struct RejectedRowTests {
    @Test(arguments: [LoadPath(source: .sqlite, target: .sqlite), LoadPath(source: .sqlite, target: .postgres)],
          [PolicyKind.none, .reconcile])
    func `a value that does not fit is reported, skipped, and retried once the source row changes`(
        path: LoadPath, policy: PolicyKind
    ) throws {
        try LoadBench.with(path) { bench in
            try bench.install(Fixtures.medication())
            bench.load(medicationConfig(), strategy: .standard, policy: policy)
            let source = bench.table("medication", on: bench.source).quoted
            try bench.source.execute("""
                INSERT INTO \(source) ("MedicationNum", "MedName", "RxCui", "DateTStamp")
                VALUES (1546, 'Bad', 'N/A', '2025-10-20 08:00:00'), (1547, 'Good', 42, '2025-10-20 08:00:00')
                """)
            let first = bench.load(medicationConfig(), strategy: .standard, policy: policy)
            // Loud: the table fails (by default) and is not verified while the row is rejected.
            #expect(first.error?.contains("1 row is rejected") == true)
            #expect(!first.verified)
            #expect(first.rows_loaded == 1)
            #expect(first.rows_rejected == 1)
            #expect(first.fallback == .none)
            let rejected = TableName("etl_rejected_rows", schema: bench.targetSchema).quoted
            let reason = try bench.target.scalar("SELECT reason FROM \(rejected) WHERE key_value = '1546'")?.string
            #expect(reason?.contains("RxCui") == true)
            #expect(try bench.tracking("medication")?["last_primary_value"] == "1547")

            let quiet = bench.load(medicationConfig(), strategy: .standard, policy: policy)
            #expect(quiet.fallback == .none)
            #expect(quiet.rows_loaded == 0)
            #expect(quiet.rows_rejected == 1)
            #expect(!quiet.verified)

            // Fixed at the source: loaded, and the rejection is forgotten.
            try bench.source.execute("UPDATE \(source) SET \"RxCui\" = 7, \"DateTStamp\" = '2025-10-21 08:00:00' WHERE \"MedicationNum\" = 1546")
            let fixed = bench.load(medicationConfig(), strategy: .standard, policy: policy)
            #expect(fixed.error == nil)
            #expect(fixed.rows_loaded == 1)
            #expect(fixed.rows_rejected == 0)
            #expect(try bench.target.scalar("SELECT count(*) FROM \(rejected)") == 0)
            try bench.expectSame("medication", key: "MedicationNum")
        }
    }
}
