import Foundation
import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkFixtures
import TidemarkPostgres
import TidemarkTestSupport

/// `etl-run` over many tables at once, its summary, `etl-run status`, and a signal mid-load — through the binary.
@Suite struct RunAtScaleTests {
    static let tableCount = 300
    static let failing: Set<Int> = [7, 150, 299]

    /// A SQLite source of 300 small tables and a tables.yml for them, three of which name a key that does not
    /// exist (so they fail), in mixed performance categories.
    static func makeSource(in directory: String) throws -> (source: String, config: String) {
        let path = directory + "/many.sqlite"
        let db = try openConnection(.sqlite(path: path))
        defer { db.close() }
        var yaml = "tables:\n"
        let categories = ["tiny", "small", "medium", "large"]
        try db.transaction {
            for i in 0..<tableCount {
                let name = String(format: "t%03d", i)
                try db.execute("CREATE TABLE \(name) (id INTEGER PRIMARY KEY, v TEXT)")
                for k in 1...5 { try db.execute("INSERT INTO \(name) VALUES (?1, ?2)", [.integer(Int64(k)), .text("v\(k)")]) }
                let key = failing.contains(i) ? "nosuch" : "id"
                yaml += "  \(name):\n    primary_key: [\(key)]\n    performance_category: \(categories[i % 4])\n"
                    + "    estimated_rows: \(i)\n"
            }
        }
        let config = directory + "/many.yml"
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        return (path, config)
    }

    func etlRun(_ arguments: [String], directory: String) throws -> ProcessRunner.Result {
        try ProcessRunner.run(try builtProduct("etl-run"),
                              arguments + ["--method-usage", directory + "/logs/method_usage.json"])
    }

    func etlRunStatus(_ arguments: [String]) throws -> ProcessRunner.Result {
        try ProcessRunner.run(try builtProduct("etl-run"), ["status"] + arguments)
    }

    @Test(arguments: TestDatabases.engines)
    func `300 tables with --jobs 4: the rest load, the summary lists the failures, exit 1`(target: Engine) throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (source, config) = try Self.makeSource(in: directory)
        try TestDatabases.withFreshDatabase(target) { targetURL in
            var arguments = ["--source", "sqlite:" + source, "--target", targetURL.commandLineArgument, "--config", config,
                             "--jobs", "4", "--json"]
            if let schema = targetURL.testSchema { arguments += ["--target-schema", schema] }
            let run = try etlRun(arguments, directory: directory)
            #expect(run.status == 1, "\(run.stderr.suffix(2000))")
            let lines = try run.stdout.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
            #expect(lines.count == Self.tableCount + 1)
            let summary = try #require(lines.last?["summary"] as? [String: Any])
            #expect(summary["tables"] as? Int == Self.tableCount)
            #expect(summary["failed"] as? Int == Self.failing.count)
            #expect(summary["succeeded"] as? Int == Self.tableCount - Self.failing.count)
            #expect(summary["rows_loaded"] as? Int == (Self.tableCount - Self.failing.count) * 5)
            let failedLines = run.stderr.split(separator: "\n").filter { $0.hasPrefix("FAILED  ") }
            #expect(failedLines.count == Self.failing.count)
            for i in Self.failing {
                let name = String(format: "t%03d", i)
                #expect(failedLines.contains { $0.hasPrefix("FAILED  \(name)") })
            }
            #expect(run.stderr.contains("\(Self.tableCount) tables: \(Self.tableCount - 3) loaded, 3 failed, 0 skipped"))
            // Failures come last in the summary, after the table of loaded tables.
            let lastTableLine = run.stderr.range(of: "t298 ")!.lowerBound
            #expect(run.stderr.range(of: "FAILED  t007")!.lowerBound > lastTableLine)

            // status: every table, the failed ones marked; exit 1 while any last run failed.
            var statusArguments = ["--target", targetURL.commandLineArgument]
            if let schema = targetURL.testSchema { statusArguments += ["--target-schema", schema] }
            let status = try etlRunStatus(statusArguments)
            #expect(status.status == 1)
            #expect(status.stdout.contains("FAILED  t150"))
            let one = try etlRunStatus(statusArguments + ["--tables", "t001", "--json"])
            #expect(one.status == 0, "\(one.stderr)")
            let row = try #require(try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any])
            #expect(row["table"] as? String == "t001" && row["load_status"] as? String == "success")
            #expect(row["cursor"] as? String == "key 5" && row["seconds_since_success"] is Double)
        }
    }

    @Test func `--exclude and patterns choose the tables`() throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (source, config) = try Self.makeSource(in: directory)
        let run = try etlRun(["--source", "sqlite:" + source, "--target", "sqlite:" + directory + "/target.sqlite",
                              "--config", config, "--tables", "t00*,t150", "--exclude", "t007,t15?", "--json"],
                             directory: directory)
        #expect(run.status == 0, "\(run.stderr)")
        let tables = run.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["table"] as? String
        }
        #expect(Set(tables) == Set((0...9).filter { $0 != 7 }.map { String(format: "t%03d", $0) }))
        let none = try etlRun(["--source", "sqlite:" + source, "--target", "sqlite:" + directory + "/target.sqlite",
                               "--config", config, "--tables", "zz*"], directory: directory)
        #expect(none.status == 64 && none.stderr.contains("matches no table"))
    }

    /// Every strategy stops between batches; SIGTERM as well as SIGINT (exit 128 + the signal).
    @Test(arguments: [(StrategyKind.standard, SIGINT), (.streaming, SIGINT), (.chunked, SIGINT), (.copy, SIGINT),
                      (.parallel, SIGINT), (.chunked, SIGTERM), (.copy, SIGTERM)])
    func `a signal stops the load between batches, marks it failed, and the next run converges`(
        strategy: StrategyKind, signal: Int32
    ) throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sourceURL = DatabaseURL.sqlite(path: directory + "/source.sqlite")
        let targetURL = DatabaseURL.sqlite(path: directory + "/target.sqlite")
        let source = try openConnection(sourceURL)
        try Fixtures.install(Fixtures.procedurelog(rows: 100_000, seed: 5), into: source)
        source.close()
        let arguments = ["--source", sourceURL.commandLineArgument, "--target", targetURL.commandLineArgument,
                         "--tables", "procedurelog", "--strategy", strategy.rawValue,
                         "--method-usage", directory + "/logs/method_usage.json"]
        let config = directory + "/tables.yml"
        try "tables:\n  procedurelog:\n    primary_key: [ProcNum]\n    batch_size: 100\n".write(
            toFile: config, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtProduct("etl-run"))
        process.arguments = arguments.filter { $0 != "--tables" && $0 != "procedurelog" } + ["--config", config]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait for the first committed batch, then interrupt.
        let target = try openConnection(targetURL)
        defer { target.close() }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if (try? target.scalar("SELECT count(*) FROM procedurelog"))??.int64 ?? 0 > 0 { break }
            usleep(20_000)
        }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationStatus == 128 + signal)
        let tracking = try target.query("SELECT load_status, last_error FROM etl_load_status WHERE table_name = 'procedurelog'")
        #expect(tracking.first?[0] == "failed")
        #expect(tracking.first?[1].string?.contains(signal == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)") == true,
                "\(String(describing: tracking.first?[1]))")
        let loaded = try target.scalar("SELECT count(*) FROM procedurelog")?.int64 ?? 0
        #expect(loaded > 0 && loaded < 100_000)

        let rerun = try etlRun(arguments.filter { $0 != "--method-usage" && !$0.hasSuffix("method_usage.json") },
                               directory: directory)
        #expect(rerun.status == 0, "\(rerun.stderr.suffix(1500))")
        #expect(try target.scalar("SELECT count(*) FROM procedurelog") == 100_000)
    }
}
