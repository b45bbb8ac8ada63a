import Logging
import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkPostgres
import TidemarkSQLite
import TidemarkTestSupport
@testable import TidemarkLoader

/// Names the target would alter or take for one are refused before anything is written, naming both sources:
/// tables that differ only in case on a SQLite target, names sharing PostgreSQL's first 63 bytes, columns likewise,
/// and a table an earlier run tracks under a name the target takes for this one. A configured `primary_key` that is
/// not unique in the source is an error naming the key and a duplicated value.
@Suite struct TargetNamesTests {
    static let long = String(repeating: "x", count: 60) + "_patient"

    /// Loads `tables` in one run, each with `key` as its primary_key, as `etl-run` does.
    func run(_ bench: LoadBench, _ tables: [String], key: String = "id", policy: PolicyKind = .reconcile)
        -> [LoadResult]
    {
        var options = LoadOptions()
        options.policy = policy
        options.sourceSchema = bench.sourceSchema ?? "public"
        options.targetSchema = bench.targetSchema ?? "raw"
        let sourceURL = bench.sourceURL, targetURL = bench.targetURL
        let run = TableRun(source: { try openConnection(sourceURL) }, target: { try openConnection(targetURL) },
                           options: options, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
                           usage: MethodUsage(runID: options.runID), jobs: 1)
        return run.run(tables.map { name in
            var config = TableConfig(name: name)
            config.primaryKey = [key]
            return config
        })
    }

    /// Creates a source table `name (id, label)` holding `rows` rows labelled with its name.
    func createSource(_ bench: LoadBench, _ name: String, rows: Int = 3, label: String = "label") throws {
        let table = bench.table(name, on: bench.source).quoted
        try bench.source.execute("CREATE TABLE \(table) (id BIGINT PRIMARY KEY, \(quoteIdentifier(label)) TEXT)")
        for id in 1...rows {
            try bench.source.execute("INSERT INTO \(table) VALUES (\(id), '\(name.prefix(20)) \(id)')")
        }
    }

    func trackedTables(_ bench: LoadBench) throws -> [String] {
        let tracking = TableName("etl_load_status", schema: bench.targetSchema)
        guard try bench.target.tableExists(tracking) else { return [] }
        return try bench.target.query("SELECT table_name FROM \(tracking.quoted) ORDER BY table_name")
            .compactMap { $0[0].string }
    }

    @Test func `tables that differ only in case are refused on a SQLite target, naming both`() throws {
        try LoadBench.with(LoadPath(source: .postgres, target: .sqlite)) { bench in
            try createSource(bench, "Patient")
            try createSource(bench, "patient", rows: 5)
            try createSource(bench, "other")
            let results = run(bench, ["Patient", "patient", "other"])
            for result in results.prefix(2) {
                #expect(!result.succeeded)
                #expect(result.error?.contains("source tables Patient and patient") == true
                    || result.error?.contains("source tables patient and Patient") == true, "\(result.error ?? "")")
                #expect(result.error?.contains("without regard to case") == true)
            }
            // The other table still loads; nothing at all is written for the refused ones.
            #expect(results[2].succeeded && results[2].verified)
            #expect(try !bench.target.tableExists(TableName("patient")))
            #expect(try trackedTables(bench) == ["other"])
        }
    }

    @Test func `tables that differ only in case load apart on a PostgreSQL target, with a warning`() throws {
        try LoadBench.with(LoadPath(source: .postgres, target: .postgres)) { bench in
            try createSource(bench, "Patient")
            try createSource(bench, "patient", rows: 5)
            let results = run(bench, ["Patient", "patient"])
            for result in results {
                #expect(result.succeeded && result.verified, "\(result.error ?? "")")
                #expect(result.warnings.contains { $0.contains("differ only in case") }, "\(result.warnings)")
            }
            try bench.expectSame("Patient", key: "id")
            try bench.expectSame("patient", key: "id")
        }
    }

    @Test func `a table an earlier run tracks under the same SQLite name is refused, writing nothing`() throws {
        try LoadBench.with(LoadPath(source: .postgres, target: .sqlite)) { bench in
            try createSource(bench, "Patient")
            try createSource(bench, "patient", rows: 5)
            #expect(run(bench, ["Patient"])[0].succeeded)
            let second = run(bench, ["patient"])[0]
            #expect(!second.succeeded)
            #expect(second.error?.contains("etl_load_status already tracks Patient") == true, "\(second.error ?? "")")
            // Patient's rows are intact, and the next run of Patient is not refused because of patient.
            try bench.expectSame("Patient", key: "id")
            #expect(try trackedTables(bench) == ["Patient"])
            #expect(run(bench, ["Patient"])[0].succeeded)
        }
    }

    @Test func `table names sharing PostgreSQL's first 63 bytes are refused, naming both`() throws {
        try LoadBench.with(LoadPath(source: .sqlite, target: .postgres)) { bench in
            let one = Self.long + "_one", two = Self.long + "_two"
            try createSource(bench, one)
            try createSource(bench, two, rows: 5)
            try createSource(bench, "other")
            let results = run(bench, [one, two, "other"])
            for result in results.prefix(2) {
                #expect(!result.succeeded)
                let error = result.error ?? ""
                #expect(error.contains("\(one) and \(two)") || error.contains("\(two) and \(one)"), "\(error)")
            }
            #expect(results[2].succeeded)
            #expect(try trackedTables(bench) == ["other"])
        }
    }

    @Test func `a table name over 63 bytes is refused on a PostgreSQL target`() throws {
        try LoadBench.with(LoadPath(source: .sqlite, target: .postgres)) { bench in
            let name = Self.long + "_alone"
            try createSource(bench, name)
            let result = run(bench, [name])[0]
            #expect(!result.succeeded)
            #expect(result.error?.contains("is \(name.utf8.count) bytes long") == true, "\(result.error ?? "")")
            #expect(try trackedTables(bench).isEmpty)
        }
    }

    @Test func `a table named twice is one table, and a long target schema refuses every table`() {
        let names = TargetNames(dialect: PostgresDialect())
        #expect(names.conflicts(["a", "a"], schema: "raw").errors.isEmpty)
        let long = names.conflicts(["a", "b"], schema: Self.long)
        #expect(long.errors["a"]?.message.contains("target schema \(Self.long) is 68 bytes long") == true,
                "\(long.errors)")
        #expect(long.errors["b"] != nil)
    }

    @Test func `columns the target would take for one are refused, naming both`() throws {
        try LoadBench.with(LoadPath(source: .postgres, target: .sqlite)) { bench in
            let table = bench.table("visit", on: bench.source).quoted
            try bench.source.execute("CREATE TABLE \(table) (id BIGINT PRIMARY KEY, \"Note\" TEXT, note TEXT)")
            try bench.source.execute("INSERT INTO \(table) VALUES (1, 'upper', 'lower')")
            let result = run(bench, ["visit"])[0]
            #expect(result.error?.contains("source columns Note and note would be one column") == true,
                    "\(result.error ?? "")")
            #expect(try !bench.target.tableExists(TableName("visit")))
        }
        try LoadBench.with(LoadPath(source: .sqlite, target: .postgres)) { bench in
            let a = Self.long + "_a", b = Self.long + "_b"
            try bench.source.execute("CREATE TABLE visit (id BIGINT PRIMARY KEY, \"\(a)\" TEXT, \"\(b)\" TEXT)")
            let result = run(bench, ["visit"])[0]
            #expect(result.error?.contains("column name \(a) is \(a.utf8.count) bytes long") == true,
                    "\(result.error ?? "")")
            #expect(try !bench.target.tableExists(bench.table("visit", on: bench.target)))
        }
    }

    @Test(arguments: LoadPath.all)
    func `a primary_key that is not unique in the source is named with a duplicated value`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            let table = bench.table("visit", on: bench.source).quoted
            try bench.source.execute("CREATE TABLE \(table) (id BIGINT PRIMARY KEY, clinic BIGINT, note TEXT)")
            try bench.source.transaction {
                for id in 1...1000 { try bench.source.execute("INSERT INTO \(table) VALUES (\(id), \(id % 8), 'n')") }
            }
            for policy in PolicyKind.allCases {
                let result = run(bench, ["visit"], key: "clinic", policy: policy)[0]
                #expect(result.error?.contains("visit: primary_key clinic is not unique in the source table: value ")
                            == true, "\(policy): \(result.error ?? "")")
                #expect(result.error?.contains("appears 125 times") == true)
            }
            #expect(try !bench.target.tableExists(bench.table("visit", on: bench.target)))
            // The declared key loads.
            #expect(run(bench, ["visit"])[0].verified)
        }
    }

    @Test func `derived names stay within PostgreSQL's limit and apart`() {
        let dialect = PostgresDialect()
        let one = dialect.derivedIdentifier("tidemark_stage_" + Self.long + "_one")
        let two = dialect.derivedIdentifier("tidemark_stage_" + Self.long + "_two")
        #expect(one.utf8.count == 63 && two.utf8.count <= 63 && one != two)
        #expect(dialect.derivedIdentifier("tidemark_stage_medication") == "tidemark_stage_medication")
        // A cut never splits a character.
        let accented = String(repeating: "é", count: 40)
        #expect(dialect.storedIdentifier(accented) == String(repeating: "é", count: 31))
        #expect(dialect.derivedIdentifier(accented).utf8.count <= 63)
        #expect(SQLiteDialect().identifierKey("PatientÉ") == "patientÉ")
    }

    /// Before, PostgreSQL cut the staging table's name and its index's to the same 63 bytes and skipped the
    /// index as existing.
    @Test func `a long table's staging table gets its index on PostgreSQL`() throws {
        try TestDatabases.withConnection(.postgres) { db, _ in
            let table = TableName(String(repeating: "y", count: 60))
            try db.execute("CREATE TABLE \(table.quoted) (id BIGINT PRIMARY KEY, note TEXT)")
            let writer = TableWriter(connection: db, table: table, columns: [ColumnDefinition("id", .bigint), ColumnDefinition("note", .text)], key: ["id"])
            try writer.stage([[1, "a"], [2, "b"]])
            try db.transaction { _ = try writer.mergeStaged(deletingOthers: true) }
            let indexes = try db.scalar("SELECT count(*) FROM pg_indexes WHERE schemaname = "
                + "(SELECT nspname FROM pg_namespace WHERE oid = pg_my_temp_schema())")
            #expect(indexes?.int64 == 1)
            #expect(try db.scalar("SELECT count(*) FROM \(table.quoted)")?.int64 == 2)
        }
    }
}
