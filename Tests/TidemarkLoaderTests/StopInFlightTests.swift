import Foundation
import Testing
import TidemarkDrivers
import TidemarkPostgres
import TidemarkTestSupport

/// A signal interrupts the statement in flight (not only the next batch): through the `etl-run` binary, with a
/// source view whose one statement would run for minutes, on each source engine and into both targets.
@Suite struct StopInFlightTests {
    static let rows = 400

    /// A source table `t` of ``rows`` rows and a view `slow` of the same rows that takes minutes to read — or,
    /// with `slow: false`, none.
    static func defineSource(_ db: any Connection, slow: Bool) throws {
        if try !db.tableExists(TableName("t")) {
            try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v VARCHAR(20))")
            try db.transaction {
                let insert = "INSERT INTO t (id, v) VALUES (\(db.engine.placeholder(1)), \(db.engine.placeholder(2)))"
                for i in 1...rows { try db.execute(insert, [.integer(Int64(i)), .text("v\(i)")]) }
            }
        }
        _ = try? db.execute("DROP VIEW slow")
        guard slow else {
            try db.execute("CREATE VIEW slow AS SELECT id, v FROM t")
            return
        }
        switch db.engine {
        // No sleep in SQLite: a count over 400⁴ rows (minutes of CPU).
        case .sqlite: try db.execute("CREATE VIEW slow AS SELECT id, v FROM t WHERE (SELECT count(*) FROM t a, t b, t c, t d) > 0")
        case .postgres: try db.execute("CREATE VIEW slow AS SELECT id, v FROM t WHERE (SELECT count(*) FROM pg_sleep(120)) = 1")
        case .mysql: try db.execute("CREATE VIEW slow AS SELECT id, v FROM t WHERE (SELECT SLEEP(120)) = 0")
        }
    }

    /// Waits until the server shows another session's statement on this test's schema or database sleeping (SQLite
    /// shows nothing: a pause instead).
    static func waitForStatement(on db: any Connection) throws {
        let sql: String
        switch db.engine {
        case .sqlite:
            sleep(2)
            return
        case .postgres:
            // Tests share the server: a statement of this test names its schema.
            sql = "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND wait_event = 'PgSleep' "
                + "AND pid <> pg_backend_pid() AND strpos(query, current_schema()) > 0"
        case .mysql:
            sql = "SELECT count(*) FROM information_schema.processlist WHERE state = 'User sleep' AND db = database() "
                + "AND id <> connection_id()"
        }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if (try db.scalar(sql))?.int64 ?? 0 > 0 { return }
            usleep(50_000)
        }
        Issue.record("no statement started sleeping within 60 s")
    }

    /// Starts `etl-run` with `arguments`, sends `signal` once the long statement runs on `watched`, and checks that
    /// the run stopped long before the statement would have ended, with the stop (not a database error) as the
    /// reason in `target`'s tracking row of `slow`.
    static func stopMidStatement(_ arguments: [String], directory: String, signal: Int32, watched: any Connection,
                                 target: any Connection) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try builtProduct("etl-run"))
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let stderr = directory + "/stderr.txt"
        FileManager.default.createFile(atPath: stderr, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderr))
        try process.run()
        try waitForStatement(on: watched)
        let signalled = Date()
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        // The statement alone runs for minutes: 120 s of sleep (MariaDB's per row), SQLite's count longer.
        let stopping = Date().timeIntervalSince(signalled)
        let log = (try? String(contentsOfFile: stderr, encoding: .utf8)) ?? ""
        #expect(stopping < 20, "took \(stopping) s to stop: \(log.suffix(1500))")
        #expect(process.terminationStatus == 128 + signal, "\(log.suffix(1500))")

        let reason = signal == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)"
        let tracking = try target.query("SELECT load_status, last_error FROM etl_load_status WHERE table_name = 'slow'")
        #expect(tracking.first?[0] == "failed")
        #expect(tracking.first?[1].string == "the run was stopped: \(reason)", "\(String(describing: tracking.first?[1]))")
        #expect(log.contains("the run was stopped: \(reason)"), "\(log.suffix(1500))")
    }

    @Test(arguments: [(Engine.sqlite, Engine.postgres, SIGINT), (.postgres, .sqlite, SIGTERM), (.mysql, .sqlite, SIGINT),
                      (.mysql, .postgres, SIGTERM)])
    func `a signal interrupts the statement in flight: the run stops at once, failed with the reason, and the rerun converges`(
        source: Engine, target: Engine, signal: Int32
    ) throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/tables.yml"
        try "tables:\n  slow:\n    primary_key: [id]\n".write(toFile: config, atomically: true, encoding: .utf8)
        try TestDatabases.withConnection(source) { sourceDB, sourceURL in
            try TestDatabases.withConnection(target) { targetDB, targetURL in
                try Self.defineSource(sourceDB, slow: true)
                var arguments = ["--source", sourceURL.commandLineArgument, "--target", targetURL.commandLineArgument,
                                 "--config", config, "--method-usage", directory + "/method_usage.json"]
                if let schema = sourceURL.testSchema { arguments += ["--source-schema", schema] }
                if let schema = targetURL.testSchema { arguments += ["--target-schema", schema] }

                try Self.stopMidStatement(arguments, directory: directory, signal: signal, watched: sourceDB,
                                          target: targetDB)

                try Self.defineSource(sourceDB, slow: false)
                let rerun = try ProcessRunner.run(try builtProduct("etl-run"), arguments)
                #expect(rerun.status == 0, "\(rerun.stderr.suffix(1500))")
                #expect(try targetDB.scalar("SELECT count(*) FROM slow")?.int64 == Int64(Self.rows))
                #expect(try targetDB.scalar("SELECT load_status FROM etl_load_status WHERE table_name = 'slow'") == "success")
            }
        }
    }

    /// A target table whose inserts take minutes: a trigger that sleeps (PostgreSQL) or counts 400⁴ rows (SQLite).
    static func stallInserts(into db: any Connection) throws {
        switch db.engine {
        case .sqlite:
            try db.execute("CREATE TABLE slow (id INTEGER PRIMARY KEY, v VARCHAR(20))")
            try db.execute("CREATE TABLE big (n INTEGER)")
            try db.execute("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 400) INSERT INTO big SELECT i FROM c")
            try db.execute("CREATE TRIGGER stall BEFORE INSERT ON slow BEGIN SELECT count(*) FROM big a, big b, big c, big d; END")
        default:
            try db.execute("CREATE TABLE slow (id BIGINT PRIMARY KEY, v VARCHAR(20))")
            try db.execute("CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(120); RETURN NULL; END $$")
            try db.execute("CREATE TRIGGER stall BEFORE INSERT ON slow FOR EACH STATEMENT EXECUTE FUNCTION stall()")
        }
    }

    @Test(arguments: [(Engine.sqlite, SIGTERM), (.postgres, SIGINT)])
    func `a signal interrupts a write in flight: its transaction rolls back, and the rerun converges`(
        target: Engine, signal: Int32
    ) throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/tables.yml"
        try "tables:\n  slow:\n    primary_key: [id]\n".write(toFile: config, atomically: true, encoding: .utf8)
        try TestDatabases.withConnection(.sqlite) { sourceDB, sourceURL in
            try TestDatabases.withConnection(target) { targetDB, targetURL in
                try Self.defineSource(sourceDB, slow: false)
                try Self.stallInserts(into: targetDB)
                var arguments = ["--source", sourceURL.commandLineArgument, "--target", targetURL.commandLineArgument,
                                 "--config", config, "--method-usage", directory + "/method_usage.json"]
                if let schema = targetURL.testSchema { arguments += ["--target-schema", schema] }

                try Self.stopMidStatement(arguments, directory: directory, signal: signal, watched: targetDB,
                                          target: targetDB)
                #expect(try targetDB.scalar("SELECT count(*) FROM slow")?.int64 == 0)

                try targetDB.execute(target == .sqlite ? "DROP TRIGGER stall" : "DROP TRIGGER stall ON slow")
                let rerun = try ProcessRunner.run(try builtProduct("etl-run"), arguments)
                #expect(rerun.status == 0, "\(rerun.stderr.suffix(1500))")
                #expect(try targetDB.scalar("SELECT count(*) FROM slow")?.int64 == Int64(Self.rows))
            }
        }
    }
}
