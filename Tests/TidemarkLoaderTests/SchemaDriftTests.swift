import Foundation
import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkFixtures
import TidemarkLoader
import TidemarkTestSupport

/// Source schema changes: a new column is added and re-synchronised, nothing is ever dropped.
@Suite struct SchemaDriftTests {
    @Test(arguments: LoadPath.all)
    func `a column added to the source is added to the target and back-filled`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try bench.install(Fixtures.medication())
            bench.load(medicationConfig(), strategy: .standard)
            let table = bench.table("medication", on: bench.source).quoted
            try bench.source.execute("ALTER TABLE \(table) ADD COLUMN \"IsHidden\" BOOLEAN")
            try bench.source.execute("UPDATE \(table) SET \"IsHidden\" = \(bench.source.engine == .sqlite ? "1" : "true") WHERE \"MedicationNum\" < 500")
            let result = bench.load(medicationConfig(), strategy: .streaming)
            #expect(result.error == nil)
            #expect(result.full_load)
            #expect(try bench.target.columns(of: bench.table("medication", on: bench.target)).map(\.name).last == "IsHidden")
            try bench.expectSame("medication", key: "MedicationNum")
            #expect(bench.load(medicationConfig(), strategy: .streaming).rows_loaded == 0)
        }
    }

    @Test(arguments: LoadPath.all)
    func `a column removed from the source is kept in the target with a warning`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try bench.install(Fixtures.medication())
            bench.load(medicationConfig(), strategy: .standard)
            try bench.target.execute("ALTER TABLE \(bench.table("medication", on: bench.target).quoted) ADD COLUMN \"Legacy\" TEXT")
            let result = bench.load(medicationConfig(), strategy: .standard)
            #expect(result.error == nil)
            #expect(result.warnings.contains { $0.contains("Legacy") })
            #expect(try bench.count("medication", on: bench.target) == 1090)
        }
    }

    @Test(arguments: LoadPath.all)
    func `a changed column type stops the table with a message naming the column`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            let source = bench.table("t", on: bench.source)
            try bench.source.createTable(TableSchema(name: source, columns: [
                ColumnDefinition("id", .bigint, nullable: false), ColumnDefinition("amount", .text)], primaryKey: ["id"]))
            let target = bench.table("t", on: bench.target)
            try bench.target.createTable(TableSchema(name: target, columns: [
                ColumnDefinition("id", .bigint, nullable: false), ColumnDefinition("amount", .numeric(precision: 10, scale: 2))],
                primaryKey: ["id"]))
            var config = TableConfig(name: "t")
            config.primaryKey = ["id"]
            let result = bench.load(config, strategy: .standard)
            #expect(result.error?.contains("column amount") == true)
            #expect(try bench.target.tableExists(target))
            #expect(try bench.tracking("t")?["load_status"] == "failed")
        }
    }

    @Test func `identifiers that need quoting load end to end`() throws {
        for path in LoadPath.all {
            try LoadBench.with(path) { bench in
                let name = "Order Lines \"2\" ✓"
                let source = bench.table(name, on: bench.source)
                try bench.source.createTable(TableSchema(name: source, columns: [
                    ColumnDefinition("select", .bigint, nullable: false), ColumnDefinition("Mixed Case", .text),
                    ColumnDefinition("when", .timestamp)], primaryKey: ["select"]))
                _ = try bench.source.bulkInsert(into: source, columns: ["select", "Mixed Case", "when"],
                    rows: (1...50).map { [.integer(Int64($0)), .text("row'\($0)"), .timestamp(LocalTimestamp(year: 2025, month: 1, day: 1 + $0 % 28))] })
                var config = TableConfig(name: name)
                config.incrementalColumns = ["select", "when"]
                for strategy in StrategyKind.allCases {
                    let result = bench.load(config, strategy: strategy, full: true)
                    #expect(result.error == nil, "\(path.testDescription) \(strategy): \(result.error ?? "")")
                }
                try bench.expectSame(name, key: "select")
            }
        }
    }
}

@Suite struct MethodUsageTests {
    @Test func `method usage keeps the seed's keys, adds durations and merges runs`() throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/logs/method_usage.json"
        let first = MethodUsage(runID: "run-1")
        first.measure("StandardStrategy.load") {}
        first.measure("StandardStrategy.load") {}
        try first.save(to: path)
        let second = MethodUsage(runID: "run-2")
        second.measure("StandardStrategy.load") {}
        second.record("Pipeline.plan", seconds: 0.5)
        try second.save(to: path)

        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: [String: Any]])
        let standard = try #require(object["StandardStrategy.load"])
        #expect(standard["call_count"] as? Int == 3)
        #expect(standard["first_seen"] as? String == "run-1")
        #expect(standard["run_ids"] as? [String] == ["run-1", "run-2"])
        #expect(standard["last_run_calls"] as? Int == 1)
        #expect(standard["last_seen"] is String)
        #expect(object["Pipeline.plan"]?["total_seconds"] as? Double == 0.5)
    }
}

/// A source column widened since the target was made widens the target's; never narrowed, never rounded.
@Suite struct TypeDriftTests {
    static func config() -> TableConfig {
        var config = TableConfig(name: "drift")
        config.primaryKey = ["id"]
        return config
    }

    static func widenSource(_ bench: LoadBench) throws {
        let table = bench.table("drift", on: bench.source).quoted
        for (column, type) in [("name", "varchar(40)"), ("amount", "numeric(12,4)"), ("n", "bigint")] {
            try bench.source.execute("ALTER TABLE \(table) ALTER COLUMN \(column) TYPE \(type)")
        }
        try bench.source.execute("INSERT INTO \(table) VALUES (3, 'a name longer than ten', 12345678.1234, 5000000000)")
    }

    @Test(arguments: [LoadPath(source: .postgres, target: .postgres), LoadPath(source: .postgres, target: .sqlite)])
    func `a widened source column widens the target column`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try bench.source.execute("""
                CREATE TABLE drift (id bigint PRIMARY KEY, name varchar(10), amount numeric(10,2), n integer);
                INSERT INTO drift VALUES (1, 'short', 1.50, 7), (2, NULL, -99999999.99, -2147483648);
                """)
            #expect(bench.load(Self.config(), strategy: .standard, policy: .reconcile).error == nil)
            try Self.widenSource(bench)
            let widened = bench.load(Self.config(), strategy: .standard, policy: .reconcile)
            #expect(widened.error == nil)
            #expect(widened.rows_rejected == 0)
            #expect(widened.verified)
            if path.target == .postgres {
                #expect(widened.warnings.filter { $0.contains("widening") }.count == 3)
                let types = try bench.target.columns(of: bench.table("drift", on: bench.target)).map(\.type)
                #expect(types == [.bigint, .varchar(length: 40), .numeric(precision: 12, scale: 4), .bigint])
            }
            let quiet = bench.load(Self.config(), strategy: .standard, policy: .reconcile)
            #expect(quiet.fallback == .none && quiet.verified && quiet.warnings.isEmpty)
            // Old rows keep their values exactly: PostgreSQL rewrites 1.50 as 1.5000, the same number at the new
            // scale; SQLite, which does not retype columns, keeps the text 1.50, which verifies as that number.
            if path.target == .postgres { try bench.expectSame("drift", key: "id") }
        }
    }

    @Test func `a view on the column makes widening a clear error naming both types`() throws {
        try LoadBench.with(LoadPath(source: .postgres, target: .postgres)) { bench in
            try bench.source.execute("CREATE TABLE drift (id bigint PRIMARY KEY, name varchar(10), amount numeric(10,2), n integer)")
            #expect(bench.load(Self.config(), strategy: .standard, policy: .reconcile).error == nil)
            let target = bench.table("drift", on: bench.target).quoted
            try bench.target.execute("CREATE VIEW \(bench.table("stg_drift", on: bench.target).quoted) AS SELECT id, name FROM \(target)")
            try Self.widenSource(bench)
            let refused = bench.load(Self.config(), strategy: .standard, policy: .reconcile)
            #expect(refused.error?.contains("cannot widen target column name from varchar(10) to varchar(40)") == true)
            #expect(try bench.count("drift", on: bench.target) == 0, "nothing written before the change")
        }
    }
}

/// A target table the team made themselves, as the original pipeline's raw DDL does: a flag the source keeps as
/// a 0/1 integer is a boolean there.
@Suite struct ExistingTargetTests {
    @Test(arguments: LoadPath.all)
    func `0 and 1 load into the team's boolean column; anything else is a rejection`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            let source = bench.table("flags", on: bench.source).quoted
            try bench.source.execute("CREATE TABLE \(source) (id BIGINT PRIMARY KEY, \"IsHidden\" SMALLINT, note TEXT)")
            try bench.source.execute("INSERT INTO \(source) VALUES (1, 0, 'a'), (2, 1, 'b'), (3, NULL, 'c'), (4, 2, 'd')")
            try bench.target.createSchemaIfMissing(bench.targetSchema)
            let target = TableName("flags", schema: bench.targetSchema ?? (path.target == .postgres ? "raw" : nil))
            try bench.target.execute("CREATE TABLE \(target.quoted) (id BIGINT PRIMARY KEY, \"IsHidden\" BOOLEAN, note TEXT)")
            var config = TableConfig(name: "flags")
            config.primaryKey = ["id"]
            config.onReject = .warn
            let first = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(first.error == nil, "\(first.error ?? "")")
            #expect(first.rows_rejected == 1, "2 is not a truth value")
            let stored = try bench.target.query("SELECT \"IsHidden\" FROM \(target.quoted) ORDER BY id").map { $0[0] }
            #expect(stored == [.boolean(false), .boolean(true), .null] || stored == [.integer(0), .integer(1), .null])
            let quiet = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(quiet.fallback == .none, "no false alarm: \(quiet.fallback_reason ?? "")")
            // Found when it changes behind the cursor.
            try bench.source.execute("UPDATE \(source) SET \"IsHidden\" = 1 WHERE id = 1")
            let found = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(found.fallback == .repair)
            #expect(try bench.target.scalar("SELECT \"IsHidden\" FROM \(target.quoted) WHERE id = 1")?.int64 == 1)
        }
    }
}
