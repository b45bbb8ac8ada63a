import Foundation
import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkLoader
import TidemarkTestSupport

/// `column_types:` in tables.yml: a column loaded as another logical type than its declaration maps to drives
/// the target's DDL, the conversion, the row filter and verification (each engine's checksum spells the
/// overridden type), so equal data verifies with no false alarm and an edit is found and repaired.
@Suite struct ColumnTypeOverrideTests {
    /// Loads `t` under reconcile, expecting every row in and a verified target, then again with nothing to do.
    static func loadQuietly(_ bench: LoadBench, _ config: TableConfig, rejected: Int = 0,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        for run in 1...2 {
            let result = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(result.rows_rejected == rejected, "run \(run)", sourceLocation: sourceLocation)
            #expect(result.verified == (rejected == 0), "run \(run): \(result.error ?? "")", sourceLocation: sourceLocation)
            #expect(result.rows_repaired == 0, "run \(run): a false alarm", sourceLocation: sourceLocation)
            // Rejections fail the table unless it sets `on_reject: warn`.
            #expect((result.error == nil) == (rejected == 0 || config.onReject == .warn), "run \(run): \(result.error ?? "")",
                    sourceLocation: sourceLocation)
        }
    }

    static func config(_ overrides: [String: ColumnType], onReject: RejectSeverity? = nil) -> TableConfig {
        var config = TableConfig(name: "t")
        config.primaryKey = ["id"]
        config.columnTypes = overrides.sorted { $0.key < $1.key }.map { ColumnTypeOverride(column: $0.key, type: $0.value) }
        config.onReject = onReject
        return config
    }

    /// Creates the source table `t` with `columns` holding `rows` (a VALUES list) and returns its quoted name.
    @discardableResult
    static func sourceTable(_ bench: LoadBench, _ columns: String, rows: String) throws -> String {
        let source = bench.table("t", on: bench.source).quoted
        try bench.source.execute("CREATE TABLE \(source) (\(columns))")
        try bench.source.execute("INSERT INTO \(source) VALUES \(rows)")
        return source
    }

    /// The engine's declaration of a flag column and its spelling of true and false.
    static func flag(_ engine: Engine) -> (declared: String, yes: String, no: String) {
        switch engine {
        case .mysql: return ("tinyint(1)", "1", "0")
        case .postgres: return ("boolean", "true", "false")
        case .sqlite: return ("BOOLEAN", "1", "0")
        }
    }

    @Test(arguments: LoadPath.all)
    func `a flag loads as smallint, verifies with no false alarm, and an edited flag is repaired`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            let (declared, yes, no) = Self.flag(path.source)
            let source = try Self.sourceTable(bench, "id BIGINT PRIMARY KEY, \"IsHidden\" \(declared), note TEXT",
                rows: "(1, \(no), 'a'), (2, \(yes), 'b, c'), (3, NULL, NULL)")
            let config = Self.config(["IsHidden": .smallint])
            Self.loadQuietly(bench, config)
            let target = bench.table("t", on: bench.target)
            #expect(try bench.target.columns(of: target).first { $0.name == "IsHidden" }?.type == .smallint)
            #expect(try bench.rows("t", on: bench.target, key: "id", columns: ["IsHidden"]).map { $0[0] }
                == [.integer(0), .integer(1), .null])

            // Edited without anything a cursor follows: only verification can find it.
            try bench.source.execute("UPDATE \(source) SET \"IsHidden\" = \(yes) WHERE id = 1")
            let repaired = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(repaired.error == nil, "\(repaired.error ?? "")")
            #expect(repaired.rows_repaired == 1)
            #expect(repaired.verified)
            #expect(try bench.target.scalar("SELECT \"IsHidden\" FROM \(target.quoted) WHERE id = 1") == .integer(1))
        }
    }

    /// MySQL's TINYINT(1) holds any small integer: as smallint a 5 loads as 5; as the default boolean it is a
    /// rejected row.
    @Test(arguments: LoadPath.all.filter { $0.source == .mysql })
    func `a TINYINT(1) holding 5 loads as smallint and is a rejection as boolean`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try Self.sourceTable(bench, "id BIGINT PRIMARY KEY, \"Confirmed\" tinyint(1)",
                rows: "(1, 0), (2, 5), (3, 1)")
            Self.loadQuietly(bench, Self.config(["Confirmed": .smallint]))
            #expect(try bench.rows("t", on: bench.target, key: "id", columns: ["Confirmed"]).map { $0[0] }
                == [.integer(0), .integer(5), .integer(1)])
        }
        try LoadBench.with(path) { bench in
            try Self.sourceTable(bench, "id BIGINT PRIMARY KEY, \"Confirmed\" tinyint(1)",
                rows: "(1, 0), (2, 5), (3, 1)")
            Self.loadQuietly(bench, Self.config([:], onReject: .warn), rejected: 1)
        }
    }

    /// MySQL's TIME is a duration by default; as `time` a time of day loads as one and a span that is none (negative,
    /// past 24 h) is a loud rejected row. PostgreSQL's and SQLite's `time` load as text.
    @Test(arguments: LoadPath.all)
    func `a time loads in the overridden meaning; a value that does not fit is a rejected row`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            let declared = path.source == .mysql ? "time(6)" : "TIME"
            let source = try Self.sourceTable(bench, "id BIGINT PRIMARY KEY, \"ClockIn\" \(declared)",
                rows: "(1, '08:30:00'), (2, '23:59:59.5'), (3, NULL)")
            let override: ColumnType = path.source == .mysql ? .time : .text
            let config = Self.config(["ClockIn": override], onReject: .warn)
            if path.source == .mysql {
                try bench.source.execute("INSERT INTO \(source) VALUES (4, '-01:00:00'), (5, '100:00:00')")
            }
            let rejected = path.source == .mysql ? 2 : 0
            Self.loadQuietly(bench, config, rejected: rejected)
            let target = bench.table("t", on: bench.target)
            #expect(try bench.target.columns(of: target).first { $0.name == "ClockIn" }?.type == override)
            #expect(try bench.count("t", on: bench.target) == 3)
            if rejected > 0 {
                let reasons = try bench.target.query("SELECT reason FROM \(TableName("etl_rejected_rows", schema: target.schema).quoted)")
                #expect(reasons.count == 2)
                #expect(reasons.allSatisfy { $0[0].string?.contains("ClockIn") == true })
            }

            try bench.source.execute("UPDATE \(source) SET \"ClockIn\" = '09:15:00' WHERE id = 1")
            let repaired = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(repaired.rows_repaired == 1, "\(repaired.error ?? "")")
            #expect(repaired.verified == (rejected == 0))
            let stored = try bench.target.scalar("SELECT \"ClockIn\" FROM \(target.quoted) WHERE id = 1")?.string
            #expect(stored?.hasPrefix("09:15:00") == true)
        }
    }

    /// Whole-number text as an integer: `' 7'` and `'+12'` arrive as numbers and verify; `'N/A'` is a rejected row,
    /// never a silent change, and the table is not verified while it is.
    @Test(arguments: LoadPath.all)
    func `text loads as bigint; text that is no whole number is a rejected row`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            let source = try Self.sourceTable(bench, "id BIGINT PRIMARY KEY, \"RxCui\" VARCHAR(20)",
                rows: "(1, ' 7'), (2, '+12'), (3, 'N/A'), (4, '-0')")
            let config = Self.config(["RxCui": .bigint])
            let first = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(first.rows_rejected == 1)
            #expect(!first.verified)
            #expect(first.error?.contains("1 row is rejected") == true)
            #expect(try bench.rows("t", on: bench.target, key: "id", columns: ["RxCui"]).map { $0[0] }
                == [.integer(7), .integer(12), .integer(0)])
            Self.loadQuietly(bench, Self.config(["RxCui": .bigint], onReject: .warn), rejected: 1)

            try bench.source.execute("UPDATE \(source) SET \"RxCui\" = '8' WHERE id = 1")
            let repaired = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(repaired.rows_repaired == 1)
            #expect(try bench.target.scalar("SELECT \"RxCui\" FROM \(bench.table("t", on: bench.target).quoted) WHERE id = 1") == .integer(8))
        }
    }

    /// A decimal as a whole number and at a wider scale; a fraction does not fit an integer column.
    @Test(arguments: LoadPath.all)
    func `a decimal loads as integer and at another scale`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            let source = try Self.sourceTable(bench, "id BIGINT PRIMARY KEY, whole DECIMAL(10,2), fee DECIMAL(10,2)",
                rows: "(1, 12.00, 12.50), (2, -3.00, 0.10), (3, 4.50, NULL)")
            let config = Self.config(["whole": .integer, "fee": .numeric(precision: 12, scale: 4)], onReject: .warn)
            Self.loadQuietly(bench, config, rejected: 1)
            #expect(try bench.rows("t", on: bench.target, key: "id", columns: ["whole"]).map { $0[0] } == [.integer(12), .integer(-3)])
            try bench.source.execute("UPDATE \(source) SET fee = 12.51 WHERE id = 1")
            let repaired = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(repaired.rows_repaired == 1, "\(repaired.error ?? "")")
        }
    }

    /// A table without a key goes the multiset route, whose bucket checksums spell the override the same way.
    @Test(arguments: LoadPath.all)
    func `a table without a key loads its flag as smallint and verifies`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            let (declared, yes, no) = Self.flag(path.source)
            try Self.sourceTable(bench, "note TEXT, \"IsHidden\" \(declared)",
                rows: "('a', \(no)), ('a', \(no)), ('b', \(yes))")
            var config = Self.config(["IsHidden": .smallint])
            config.primaryKey = []
            let first = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(first.error == nil, "\(first.error ?? "")")
            #expect(first.rows_loaded == 3)
            #expect(first.verified)
            let second = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(second.rows_loaded == 0)
            #expect(second.verified)
            #expect(try bench.target.columns(of: bench.table("t", on: bench.target)).first { $0.name == "IsHidden" }?.type == .smallint)
        }
    }

    // MARK: - The plan

    @Test func `the plan carries the override into the columns, the target DDL and the dry run's lines`() throws {
        try LoadBench.with(LoadPath(source: .sqlite, target: .postgres)) { bench in
            try bench.source.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, IsHidden BOOLEAN, At DURATION)")
            var options = LoadOptions()
            options.targetSchema = bench.targetSchema ?? "raw"
            let loader = TableLoader(source: bench.source, target: bench.target, options: options)
            let plan = try loader.plan(Self.config(["IsHidden": .smallint, "At": .time]))
            #expect(plan.columns.map(\.type) == [.bigint, .smallint, .time])
            #expect(plan.columns.map(\.declaredType) == ["INTEGER", "BOOLEAN", "DURATION"])
            guard case .createTable(let schema)? = plan.schemaChanges.first else {
                Issue.record("no table to create: \(plan.schemaChanges)")
                return
            }
            #expect(schema.columns.map(\.type) == [.bigint, .smallint, .time])
            #expect(plan.columnTypeOverrides == ["At: DURATION (duration) loaded as time (column_types)",
                                                 "IsHidden: BOOLEAN (boolean) loaded as smallint (column_types)"])
        }
    }

    // MARK: - Refusals at plan time

    @Test func `an override of a column the source does not have fails the table naming file, line and field`() throws {
        try LoadBench.with(LoadPath(source: .postgres, target: .sqlite)) { bench in
            let source = bench.table("t", on: bench.source).quoted
            try bench.source.execute("CREATE TABLE \(source) (id BIGINT PRIMARY KEY, \"IsHidden\" boolean)")
            let file = try TablesFile.parse("tables:\n  t:\n    primary_key: id\n    column_types:\n      ishidden: smallint\n",
                                            file: "od.yml")
            let result = bench.load(try #require(file["t"]), strategy: .standard, policy: .reconcile)
            #expect(result.error?.contains("od.yml:5: table 't', field 'column_types': column ishidden is not in the "
                + "source table t (it has IsHidden; PostgreSQL compares column names exactly)") == true, "\(result.error ?? "")")
            #expect(try !bench.target.tableExists(bench.table("t", on: bench.target)))
        }
    }

    /// MySQL and SQLite compare column names without regard to case, and so does the override.
    @Test(arguments: [LoadPath(source: .mysql, target: .postgres), LoadPath(source: .sqlite, target: .postgres)])
    func `names match as the source compares them`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try Self.sourceTable(bench, "id BIGINT PRIMARY KEY, \"IsHidden\" \(Self.flag(path.source).declared)",
                rows: "(1, 1)")
            Self.loadQuietly(bench, Self.config(["ishidden": .smallint]))
            #expect(try bench.target.columns(of: bench.table("t", on: bench.target)).first { $0.name == "IsHidden" }?.type == .smallint)
            let twice = bench.load(Self.config(["ishidden": .smallint, "ISHIDDEN": .integer]), strategy: .standard)
            #expect(twice.error?.contains("are one source column, IsHidden") == true, "\(twice.error ?? "")")
        }
    }

    @Test func `a change the loader cannot make is refused at plan time, and so is retyping a key`() throws {
        try LoadBench.with(LoadPath(source: .sqlite, target: .sqlite)) { bench in
            try Self.sourceTable(bench, "id BIGINT PRIMARY KEY, raw BLOB, born DATE",
                rows: "(1, x'00ff', '2024-02-29')")
            let bytes = bench.load(Self.config(["raw": .integer]), strategy: .standard)
            #expect(bytes.error?.contains("field 'column_types': a bytes column cannot be loaded as integer") == true,
                    "\(bytes.error ?? "")")
            let date = bench.load(Self.config(["born": .bigint]), strategy: .standard)
            #expect(date.error?.contains("a date column cannot be loaded as bigint") == true)
            let key = bench.load(Self.config(["id": .text]), strategy: .standard)
            #expect(key.error?.contains("id is a primary key column") == true, "\(key.error ?? "")")
            #expect(try !bench.target.tableExists(bench.table("t", on: bench.target)))
        }
    }

    // MARK: - The user's existing target

    /// The original pipeline's raw DDL keeps TINYINT(1) flags as smallint: the refusal names the override, and
    /// with it the table loads into the existing column and verifies.
    @Test(arguments: LoadPath.all.filter { $0.source == .mysql })
    func `an existing smallint target column: the refusal names column_types, which loads into it`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try Self.sourceTable(bench, "id BIGINT PRIMARY KEY, \"IsHidden\" tinyint(1)", rows: "(1, 0), (2, 1)")
            let target = bench.table("t", on: bench.target)
            try bench.target.createSchemaIfMissing(target.schema)
            try bench.target.execute("CREATE TABLE \(target.quoted) (id BIGINT PRIMARY KEY, \"IsHidden\" SMALLINT)")
            let refused = bench.load(Self.config([:]), strategy: .standard)
            #expect(refused.error?.contains("column IsHidden is boolean in the source but smallint in the target; change "
                + "the target column by hand (Tidemark never drops a table), or load it as the target's type with "
                + "`column_types: {IsHidden: smallint}`") == true, "\(refused.error ?? "")")
            Self.loadQuietly(bench, Self.config(["IsHidden": .smallint]))
            #expect(try bench.rows("t", on: bench.target, key: "id", columns: ["IsHidden"]).map { $0[0] } == [.integer(0), .integer(1)])
        }
    }
}

extension ETLRunTests {
    @Test func `the dry run shows each column_types entry; a missing column exits 1 naming file and line`() throws {
        try TestDatabases.withFreshDatabase(.sqlite) { sourceURL in
            try TestDatabases.withFreshDatabase(.sqlite) { targetURL in
                let directory = try TestDatabases.temporaryDirectory()
                defer { try? FileManager.default.removeItem(atPath: directory) }
                try openConnection(sourceURL).execute("CREATE TABLE t (id INTEGER PRIMARY KEY, IsHidden BOOLEAN)")
                let config = directory + "/tables.yml"
                try "tables:\n  t:\n    column_types: {IsHidden: smallint}\n".write(toFile: config, atomically: true, encoding: .utf8)
                let arguments = ["--source", sourceURL.commandLineArgument, "--target", targetURL.commandLineArgument,
                                 "--config", config]
                let plan = try etlRun(arguments + ["--dry-run"])
                #expect(plan.status == 0, "\(plan.stderr)")
                #expect(plan.stdout.contains("  column type: IsHidden: BOOLEAN (boolean) loaded as smallint (column_types)"),
                        "\(plan.stdout)")
                try "tables:\n  t:\n    column_types:\n      Hidden: smallint\n".write(toFile: config, atomically: true, encoding: .utf8)
                let missing = try etlRun(arguments)
                #expect(missing.status == 1)
                #expect(missing.stderr.contains("\(config):4: table 't', field 'column_types': column Hidden is not in the source table t"),
                        "\(missing.stderr)")
            }
        }
    }
}
