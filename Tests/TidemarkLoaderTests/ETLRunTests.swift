import Foundation
import Testing
import TidemarkDrivers
import TidemarkFixtures
import TidemarkPostgres
import TidemarkTestSupport

/// `etl-run` end to end, through the built binary: flags, URLs, config, JSON, exit codes.
@Suite struct ETLRunTests {
    static var fixturesConfig: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/tables.yml").path
    }

    /// Runs the built etl-run; method usage goes to `directory` (a throwaway one when not given).
    func etlRun(_ arguments: [String], in directory: String? = nil) throws -> ProcessRunner.Result {
        let binary = try builtProduct("etl-run")
        let scratch = try directory ?? TestDatabases.temporaryDirectory()
        defer { if directory == nil { try? FileManager.default.removeItem(atPath: scratch) } }
        return try ProcessRunner.run(binary, arguments + ["--method-usage", scratch + "/logs/method_usage.json"])
    }

    /// The per-table JSON lines of `--json` (the closing summary object left out).
    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }.filter { $0["summary"] == nil }
    }

    @Test(arguments: TestDatabases.engines)
    func `loads, then shows the incident under none and recovers it under hybrid`(engine: Engine) throws {
        try TestDatabases.withFreshDatabase(engine) { sourceURL in
            try TestDatabases.withFreshDatabase(engine) { targetURL in
                let directory = try TestDatabases.temporaryDirectory()
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let source = try openConnection(sourceURL)
                try Fixtures.install(Fixtures.medication(), into: source, schema: sourceURL.testSchema)
                try Fixtures.install(Fixtures.allergydef(), into: source, schema: sourceURL.testSchema)
                var common = ["--source", sourceURL.commandLineArgument, "--target", targetURL.commandLineArgument,
                              "--config", Self.fixturesConfig, "--tables", "medication,allergydef", "--json"]
                if engine == .postgres {
                    common += ["--source-schema", sourceURL.testSchema!, "--target-schema", targetURL.testSchema!]
                }

                let first = try etlRun(common, in: directory)
                #expect(first.status == 0, "\(first.stderr)")
                let results = try jsonLines(first.stdout)
                #expect(results.map { $0["table"] as? String } == ["medication", "allergydef"])
                #expect(results.first?["rows_loaded"] as? Int == 1090)
                for key in ["table", "strategy", "policy", "rows_loaded", "fallback", "fallback_reason", "rows_repaired",
                            "rows_deleted", "verified", "duration_s"] {
                    #expect(results.first?.keys.contains(key) == true, "missing \(key)")
                }
                #expect(first.stderr.contains("Using standard loading for medication"))
                #expect(first.stderr.contains("Successfully loaded medication (1090 rows) in "))
                #expect(FileManager.default.fileExists(atPath: directory + "/logs/method_usage.json"))

                // The incident's stale state.
                let target = try openConnection(targetURL)
                let medication = TableName("medication", schema: targetURL.testSchema).quoted
                let status = TableName("etl_load_status", schema: targetURL.testSchema).quoted
                try target.execute("DELETE FROM \(medication) WHERE \"MedicationNum\" NOT IN (171, 1542, 1543, 1544, 1545)")
                try target.execute(
                    "UPDATE \(status) SET last_primary_value = '1545', last_timestamp_value = '2025-10-11 23:10:58.906547' "
                        + "WHERE table_name = 'medication'")

                let trusting = try etlRun(common + ["--tables", "medication", "--policy", "none"], in: directory)
                #expect(trusting.status == 0)
                #expect(try jsonLines(trusting.stdout).first?["rows_loaded"] as? Int == 0)
                #expect(try target.scalar("SELECT count(*) FROM \(medication)") == 5)

                let hybrid = try etlRun(common + ["--policy", "hybrid"], in: directory)
                #expect(hybrid.status == 0)
                let fixed = try jsonLines(hybrid.stdout).first
                #expect(fixed?["fallback"] as? String == "full_reload")
                #expect(fixed?["rows_loaded"] as? Int == 1085)
                #expect(hybrid.stderr.contains(
                    "Incremental query returned 0 rows for medication, but analytics needs updating. Falling back to full load from replication."))
                #expect(hybrid.stderr.contains("HYBRID FIX: Successfully loaded 1085 rows for medication via full load fallback"))
                #expect(try target.scalar("SELECT count(*) FROM \(medication)") == 1090)

                // The same damage under the default policy, reconcile: verified, repaired, reported.
                try target.execute("DELETE FROM \(medication) WHERE \"MedicationNum\" IN (100, 137, 360)")
                try target.execute("UPDATE \(medication) SET \"MedName\" = 'stale copy' WHERE \"MedicationNum\" = 630")
                let reconciled = try etlRun(common + ["--bisection-factor", "4", "--leaf-size", "8"], in: directory)
                #expect(reconciled.status == 0, "\(reconciled.stderr)")
                let repaired = try jsonLines(reconciled.stdout).first
                #expect(repaired?["policy"] as? String == "reconcile")
                #expect(repaired?["fallback"] as? String == "repair")
                #expect(repaired?["rows_repaired"] as? Int == 4)
                #expect(repaired?["verified"] as? Bool == true)
                #expect(try target.scalar("SELECT count(*) FROM \(medication)") == 1090)
            }
        }
    }

    @Test func `dry run prints the plan and writes nothing`() throws {
        try TestDatabases.withFreshDatabase(.sqlite) { sourceURL in
            try TestDatabases.withFreshDatabase(.sqlite) { targetURL in
                try Fixtures.install(Fixtures.medication(), into: try openConnection(sourceURL))
                let result = try etlRun(["--source", sourceURL.commandLineArgument, "--target", targetURL.commandLineArgument,
                                         "--config", Self.fixturesConfig, "--tables", "medication", "--dry-run"])
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stdout.contains("medication: standard loading, policy reconcile"))
                #expect(result.stdout.contains("read: FROM \"medication\""))
                #expect(try openConnection(targetURL).tableNames(schema: nil) == [])
            }
        }
    }

    @Test func `a table without a key: the dry run says it is compared as a multiset, and the run loads its copies`() throws {
        try TestDatabases.withFreshDatabase(.sqlite) { sourceURL in
            try TestDatabases.withFreshDatabase(.sqlite) { targetURL in
                try Fixtures.install(Fixtures.auditlink(), into: try openConnection(sourceURL))
                let arguments = ["--source", sourceURL.commandLineArgument, "--target", targetURL.commandLineArgument,
                                 "--config", Self.fixturesConfig, "--tables", "auditlink"]
                let plan = try etlRun(arguments + ["--dry-run"])
                #expect(plan.status == 0, "\(plan.stderr)")
                #expect(plan.stdout.contains("auditlink: standard loading, policy reconcile, cursor mode multiset"))
                #expect(plan.stdout.contains("incremental columns (LoggedAt) are not a cursor"))
                #expect(try openConnection(targetURL).tableNames(schema: nil) == [])
                for expected in [302, 0] {
                    let run = try etlRun(arguments + ["--json"])
                    #expect(run.status == 0, "\(run.stderr)")
                    let line = try #require(try jsonLines(run.stdout).first)
                    #expect(line["rows_loaded"] as? Int == expected)
                    #expect(line["verified"] as? Bool == true)
                    #expect(run.stderr.contains("no primary key: every run reads the whole table"))
                }
            }
        }
    }

    @Test(arguments: [
        (["--strategy", "fast"], "--strategy"),
        (["--policy", "sometimes"], "--policy"),
        (["--bogus-flag"], "bogus-flag"),
        (["--bisection-factor", "1"], "--bisection-factor"),
        (["--reload-fraction", "2"], "--reload-fraction"),
        (["--swap-fraction", "1.5"], "--reload-fraction"),
        ([] as [String], "--tables"),
    ])
    func `bad flags exit 64 with a message`(extra: [String], mentions: String) throws {
        // Without extra flags, the missing --tables/--config is the mistake.
        var args = ["--source", "sqlite::memory:", "--target", "sqlite::memory:"]
        if !extra.isEmpty { args += ["--tables", "t"] }
        let result = try etlRun(args + extra)
        #expect(result.status == 64)
        #expect(result.stderr.contains(mentions), "\(result.stderr)")
    }

    @Test(arguments: [
        (["--strategy", "fast"], "'fast' is invalid for '--strategy", "parallel"),
        (["--policy", "sometimes"], "'sometimes' is invalid for '--policy", "'none', 'hybrid' or 'reconcile'"),
    ])
    func `a bad choice names the flag and the allowed values`(extra: [String], complaint: String, allowed: String) throws {
        let result = try etlRun(["--source", "sqlite::memory:", "--target", "sqlite::memory:", "--tables", "t"] + extra)
        #expect(result.status == 64)
        #expect(result.stderr.contains(complaint) && result.stderr.contains(allowed), "\(result.stderr)")
    }

    @Test func `a bad URL exits 64, names the part and hides the password`() throws {
        let result = try etlRun(["--source", "postgresql://etl:hunter2@db:notaport/od", "--target", "sqlite::memory:",
                                 "--tables", "medication"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("port"))
        #expect(!result.stderr.contains("hunter2"))
        #expect(!result.stdout.contains("hunter2"))
    }

    /// MySQL/MariaDB is read, never written: a MySQL target is bad usage before anything connects.
    @Test func `a MySQL target exits 64 and names the engines it can load into`() throws {
        let result = try etlRun(["--source", "sqlite::memory:", "--target", "mysql://etl:hunter2@localhost/od",
                                 "--tables", "medication"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--target: MySQL/MariaDB is a source only"), "\(result.stderr)")
        #expect(!result.stderr.contains("hunter2"))
    }

    @Test func `an unreachable server fails with exit 1 and no password`() throws {
        let result = try etlRun(["--source", "host=/nonexistent-dir port=5999 user=etl password=hunter2",
                                 "--target", "sqlite::memory:", "--tables", "medication"])
        #expect(result.status == 1)
        #expect(!result.stderr.contains("hunter2"))
    }

    @Test func `a malformed tables.yml exits 64 naming file, line and field`() throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/tables.yml"
        try "tables:\n  medication:\n    primary_key: MedicationNum\n    batch_size: lots\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        let result = try etlRun(["--source", "sqlite::memory:", "--target", "sqlite::memory:", "--config", path])
        #expect(result.status == 64)
        #expect(result.stderr.contains("tables.yml:4"), "\(result.stderr)")
        #expect(result.stderr.contains("batch_size"))
    }

    @Test func `a table missing from the source fails that table with exit 1`() throws {
        try TestDatabases.withFreshDatabase(.sqlite) { sourceURL in
            try TestDatabases.withFreshDatabase(.sqlite) { targetURL in
                try openConnection(sourceURL).close()  // an empty database, not a missing file
                let result = try etlRun(["--source", sourceURL.commandLineArgument, "--target", targetURL.commandLineArgument,
                                         "--tables", "nothing_here", "--json"])
                #expect(result.status == 1)
                #expect(result.stdout.contains("does not exist"))
            }
        }
    }

    @Test func `a missing source file is "no such file", and is not created`() throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let typo = directory + "/opendentl.db"
        let result = try etlRun(["--source", "sqlite:" + typo, "--target", "sqlite:" + directory + "/target.db",
                                 "--tables", "medication"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot open \(typo): no such file"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: typo))
    }

    @Test(arguments: TestDatabases.engines)
    func `every strategy loads from a source opened read-only`(engine: Engine) throws {
        try TestDatabases.withFreshDatabase(engine) { sourceURL in
            try TestDatabases.withFreshDatabase(engine) { targetURL in
                let source = try openConnection(sourceURL)
                defer { source.close() }
                try Fixtures.install(Fixtures.medication(), into: source, schema: sourceURL.testSchema)
                var common = ["--source", sourceURL.commandLineArgument, "--target", targetURL.commandLineArgument,
                              "--config", Self.fixturesConfig, "--tables", "medication", "--json"]
                if engine == .postgres {
                    common += ["--source-schema", sourceURL.testSchema!, "--target-schema", targetURL.testSchema!]
                }
                for strategy in ["standard", "streaming", "chunked", "copy", "parallel"] {
                    let result = try etlRun(common + ["--strategy", strategy, "--full"])
                    #expect(result.status == 0, "\(strategy): \(result.stderr)")
                }
            }
        }
    }
}
