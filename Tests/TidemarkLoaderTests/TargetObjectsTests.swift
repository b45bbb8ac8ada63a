import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkFixtures
import TidemarkLoader
import TidemarkSimulator

/// The target table belongs to its users: what they built on it survives every way Tidemark rewrites it.
@Suite struct TargetObjectsTests {
    static let paths = [LoadPath(source: .sqlite, target: .sqlite), LoadPath(source: .sqlite, target: .postgres)]

    /// Loads medication, installs the users' objects, and returns them.
    static func loaded(_ bench: LoadBench, strategy: StrategyKind) throws -> UserObjects {
        try bench.install(Fixtures.medication())
        #expect(bench.load(medicationConfig(), strategy: strategy).error == nil)
        return try UserObjects.install(on: bench.target, table: bench.table("medication", on: bench.target),
                                       key: "MedicationNum", indexedColumn: "MedName")
    }

    @Test(arguments: paths, StrategyKind.allCases)
    func `a reconcile reload of the incident keeps views, grants, indexes, triggers and kept columns`(
        path: LoadPath, strategy: StrategyKind
    ) throws {
        try LoadBench.with(path) { bench in
            let objects = try Self.loaded(bench, strategy: strategy)
            try makeIncidentState(bench)
            let result = bench.load(medicationConfig(), strategy: strategy, policy: .reconcile)
            #expect(result.error == nil)
            #expect(result.fallback == .full_reload)
            #expect(result.verified)
            try bench.expectSame("medication", key: "MedicationNum")
            #expect(try objects.problems(on: bench.target) == [])
            let view = TableName("stg_medication", schema: bench.targetSchema)
            #expect(try bench.target.scalar("SELECT count(*) FROM \(view.quoted)") == 1090)
            #expect(try bench.target.tableNames(schema: bench.targetSchema).filter { $0.hasPrefix("tidemark") } == [])
        }
    }

    /// The check itself sees each kind of breakage (what the rename-and-swap reload used to do).
    @Test(arguments: paths)
    func `the check sees a dropped view, index, trigger, grant or kept value`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            let objects = try Self.loaded(bench, strategy: .standard)
            let t = bench.table("medication", on: bench.target).quoted
            let view = TableName("medication_ids", schema: bench.targetSchema).quoted
            try bench.target.execute("DROP VIEW \(view)")
            try bench.target.execute("UPDATE \(t) SET \(quoteIdentifier(UserObjects.keptColumn)) = NULL")
            try bench.target.execute("DROP TRIGGER \(quoteIdentifier("analyst_medication_trg"))"
                + (bench.target.engine == .postgres ? " ON \(t)" : ""))
            let problems = try objects.problems(on: bench.target)
            #expect(problems.contains { $0.contains("medication_ids") })
            #expect(problems.contains { $0.contains("kept column") })
            #expect(problems.contains { $0.contains("trigger") })
            if bench.target.engine == .postgres {
                try bench.target.execute("REVOKE SELECT ON \(t) FROM tidemark_reader")
                #expect(try objects.problems(on: bench.target).contains { $0.contains("grant") })
            }
        }
    }

    @Test(arguments: paths, [PolicyKind.reconcile, .hybrid])
    func `a repair and a hybrid fallback keep them too`(path: LoadPath, policy: PolicyKind) throws {
        try LoadBench.with(path) { bench in
            let objects = try Self.loaded(bench, strategy: .standard)
            let table = bench.table("medication", on: bench.target).quoted
            try bench.target.execute("DELETE FROM \(table) WHERE \"MedicationNum\" IN (100, 137, 360)")
            try bench.target.execute("UPDATE \(table) SET \"MedName\" = 'stale' WHERE \"MedicationNum\" = 630")
            let result = bench.load(medicationConfig(), strategy: .standard, policy: policy)
            #expect(result.error == nil)
            #expect(result.fallback == (policy == .reconcile ? .repair : .full_reload))
            #expect(try objects.problems(on: bench.target) == [])
        }
    }

    @Test(arguments: paths)
    func `the original pipeline's tracking table is kept as it is and filled`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            let tracking = TableName("etl_load_status", schema: bench.targetSchema)
            if let schema = bench.targetSchema { try bench.target.createSchemaIfMissing(schema) }
            let id = bench.target.engine == .postgres ? "id SERIAL PRIMARY KEY" : "id INTEGER PRIMARY KEY"
            try bench.target.execute("""
                CREATE TABLE \(tracking.quoted) (\(id), table_name VARCHAR(255) NOT NULL UNIQUE, \
                last_primary_value VARCHAR(255), primary_column_name VARCHAR(255), rows_loaded INTEGER DEFAULT 0, \
                load_status VARCHAR(50) DEFAULT 'pending', \
                last_loaded TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:01', \
                _loaded_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:01')
                """)
            try bench.target.execute("CREATE INDEX idx_etl_load_status_status ON \(tracking.quoted) (load_status)")
            try bench.target.execute("INSERT INTO \(tracking.quoted) (table_name) VALUES ('patient')")
            try bench.install(Fixtures.medication())
            #expect(bench.load(medicationConfig(), strategy: .standard).error == nil)
            let row = try #require(try bench.tracking("medication"))
            #expect(row["load_status"] == "success")
            #expect(row["last_primary_value"] == "1548" || row["last_primary_value"] == "1545")
            #expect(row["id"] != nil && row["id"] != .null)
            #expect(row["last_loaded"] == row["_loaded_at"])
            #expect(try bench.tracking("patient")?["load_status"] == "pending")
            #expect(try bench.target.columns(of: tracking).map(\.name).prefix(8) == [
                "id", "table_name", "last_primary_value", "primary_column_name", "rows_loaded", "load_status",
                "last_loaded", "_loaded_at"])
        }
    }

    @Test(arguments: paths)
    func `a staging table an earlier version left behind is removed with a warning`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try bench.install(Fixtures.medication())
            #expect(bench.load(medicationConfig(), strategy: .standard).error == nil)
            let leftover = TableName("tidemark_swap_medication", schema: bench.targetSchema)
            try bench.target.execute("CREATE TABLE \(leftover.quoted) (x INTEGER)")
            let result = bench.load(medicationConfig(), strategy: .standard)
            #expect(result.error == nil)
            #expect(result.warnings.contains { $0.contains("tidemark_swap_medication") })
            #expect(try bench.target.tableExists(leftover) == false)
        }
    }
}
