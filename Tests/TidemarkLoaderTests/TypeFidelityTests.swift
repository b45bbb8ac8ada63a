import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkLoader
import TidemarkTestSupport

/// Data nobody here wrote: SQLite files as other tools write them (storage variants, other declarations) and
/// PostgreSQL's common types. Each must load, verify clean on the next run, and have any single changed value
/// found and repaired; a value no target can hold is a loud, per-row rejection, never `verified: true`.
@Suite struct TypeFidelityTests {
    static let sqlitePaths = [LoadPath(source: .sqlite, target: .sqlite), LoadPath(source: .sqlite, target: .postgres)]
    static let postgresPaths = [LoadPath(source: .postgres, target: .sqlite), LoadPath(source: .postgres, target: .postgres)]
    static let strategies: [StrategyKind] = [.standard, .copy, .parallel]

    static func zooConfig() -> TableConfig {
        var config = TableConfig(name: "zoo")
        config.primaryKey = ["id"]
        return config
    }

    /// Loads the zoo (every row arrives, none rejected), then again: equal data verifies, with no false alarm.
    static func loadTwiceExpectingQuiet(_ bench: LoadBench, strategy: StrategyKind, rows: Int,
                                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        let first = bench.load(zooConfig(), strategy: strategy, policy: .reconcile)
        #expect(first.error == nil, sourceLocation: sourceLocation)
        #expect(first.rows_rejected == 0, sourceLocation: sourceLocation)
        #expect(first.rows_loaded == rows, sourceLocation: sourceLocation)
        let second = bench.load(zooConfig(), strategy: strategy, policy: .reconcile)
        #expect(second.error == nil, sourceLocation: sourceLocation)
        #expect(second.verified, "equal data must verify", sourceLocation: sourceLocation)
        #expect(second.fallback == .none, "no false alarm: \(second.fallback_reason ?? "")", sourceLocation: sourceLocation)
    }

    /// A SQLite table as another tool declares and stores it: each row holds a storage variant of each value.
    static let sqliteZoo = """
        CREATE TABLE zoo (
            id INTEGER PRIMARY KEY, big INT, price DECIMAL(10,2), flag BOOLEAN, seen DATETIME, born DATE,
            at TIME, uid UUID, doc JSON, anything, ratio DOUBLE, code CHAR(3), wide UNSIGNED BIG INT, amount NUMERIC);
        INSERT INTO zoo VALUES
            (1, 3000000000, 12.5, 1, '2024-05-01T10:00:00Z', '2024-05-01', '08:30', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
             '{"b": 1, "a": [1, 2]}', 42, 0.1, 'ab', 9223372036854775807, 1.5),
            (2, -3000000000, 3, 'true', '2024-05-01 12:00:00.250+02:00', '2024-02-29', '23:59:59.5', NULL,
             '[]', 'text', 1e300, 'abc', 0, 7),
            (3, 0, '7.25', 'false', '2024-05-01', '0001-01-01', '00:00:00', 'a0eebc999c0b4ef8bb6d6bb9bd380a12',
             'null', 2.5, -0.0, '', -1, '123456789012345678901234567890.5'),
            (4, NULL, NULL, 0, '2024-12-31 23:59:59.000000', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        """

    @Test(arguments: sqlitePaths, strategies)
    func `SQLite storage variants load exactly and verify clean`(path: LoadPath, strategy: StrategyKind) throws {
        try LoadBench.with(path) { bench in
            try bench.source.execute(Self.sqliteZoo)
            try Self.loadTwiceExpectingQuiet(bench, strategy: strategy, rows: 4)

            let target = bench.table("zoo", on: bench.target).quoted
            let row1 = try #require(try bench.target.query("SELECT big, price, flag, seen, at, uid, code FROM \(target) WHERE id = 1").first)
            #expect(row1[0] == .integer(3_000_000_000))
            #expect(row1[1] == .decimal(ExactDecimal("12.50")!))
            #expect(row1[2] == .boolean(true) || row1[2] == .integer(1))
            #expect(row1[3] == .timestamp(LocalTimestamp("2024-05-01 10:00:00")!))
            #expect(row1[4] == .text("08:30:00"))
            #expect(row1[5] == .text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))
            #expect(row1[6] == .text("ab"))  // SQLite's CHAR(n) is not padded
            let row2 = try #require(try bench.target.query("SELECT seen, flag FROM \(target) WHERE id = 2").first)
            #expect(row2[0] == .timestamp(LocalTimestamp("2024-05-01 10:00:00.25")!))
        }
    }

    /// Changing any single value of any row is found and repaired: no blind spot in the checksum.
    @Test(arguments: sqlitePaths)
    func `a single changed value in any column is found and repaired`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try bench.source.execute(Self.sqliteZoo)
            bench.load(Self.zooConfig(), strategy: .standard, policy: .reconcile)
            let edits = [("big", "3000000001"), ("price", "12.51"), ("flag", "'false'"), ("seen", "'2024-05-01T10:00:01Z'"),
                         ("born", "'2024-05-02'"), ("at", "'08:31'"), ("uid", "'B0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'"),
                         ("doc", "'{}'"), ("anything", "43"), ("ratio", "0.2"), ("code", "'ac'"), ("wide", "1"),
                         ("amount", "1.25")]
            for (column, value) in edits {
                // An edit without a cursor bump: only verification can see it.
                try bench.source.execute("UPDATE zoo SET \(quoteIdentifier(column)) = \(value) WHERE id = 1")
                let found = bench.load(Self.zooConfig(), strategy: .standard, policy: .reconcile)
                #expect(found.error == nil, "\(column)")
                #expect(found.fallback != .none, "a change of \(column) to \(value) went unseen")
                let quiet = bench.load(Self.zooConfig(), strategy: .standard, policy: .reconcile)
                #expect(quiet.fallback == .none && quiet.verified, "\(column) still differs after repair")
            }
        }
    }

    static let postgresZoo = """
        CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
        CREATE DOMAIN price AS numeric(10,2) CHECK (VALUE >= 0);
        CREATE TABLE zoo (
            id bigint PRIMARY KEY, t time, tz timestamptz, u uuid, j json, jb jsonb, iv interval, ip inet,
            arr integer[], m mood, p price, r real, c char(5), n numeric, d date, ts timestamp(3), f float8,
            b bytea, v varchar(4));
        INSERT INTO zoo VALUES
            (1, '08:30:00.5', '2024-05-01 12:00:00+02', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": 1,  "a": 2}',
             '{"b": 1, "a": [1, 2]}', '1 day 02:03:04', '192.168.0.1/24', '{1,2,NULL}', 'happy', 12.5, 0.1, 'ab',
             1.50, 'infinity', '2024-05-01 10:00:00.123', 'NaN', '\\x00ff', 'ñand'),
            (2, '24:00:00', '-infinity', NULL, 'null', '[]', '-3 mons', '::1', '{}', 'sad', 0, -0.0, 'abcde',
             'NaN', '0044-03-15 BC', '-infinity', '-0', '', ''),
            (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
        """

    @Test(arguments: postgresPaths, strategies)
    func `PostgreSQL's common types load and verify clean`(path: LoadPath, strategy: StrategyKind) throws {
        try LoadBench.with(path) { bench in
            try bench.source.execute(Self.postgresZoo)
            try Self.loadTwiceExpectingQuiet(bench, strategy: strategy, rows: 3)
            if path.target == .postgres {
                // Each lands as its own type, not as text.
                let types = try bench.target.columns(of: bench.table("zoo", on: bench.target)).map(\.declaredType)
                #expect(types == ["bigint", "time without time zone", "timestamp(6) with time zone", "uuid", "json",
                                  "jsonb", "interval", "inet", "integer[]", "text", "numeric(10,2)", "real",
                                  "character(5)", "numeric", "date", "timestamp(6) without time zone",
                                  "double precision", "bytea", "character varying(4)"])
            }
        }
    }

    @Test(arguments: postgresPaths)
    func `a scale-only edit and a jsonb edit are changes`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try bench.source.execute(Self.postgresZoo)
            bench.load(Self.zooConfig(), strategy: .standard, policy: .reconcile)
            for (column, value) in [("n", "1.500"), ("jb", "'{\"a\": [1, 2], \"b\": 2}'"), ("j", "'{\"b\":1,\"a\":2}'"),
                                    ("arr", "'{1,2,3}'"), ("r", "0.2"), ("tz", "'2024-05-01 12:00:01+02'")] {
                try bench.source.execute("UPDATE zoo SET \(column) = \(value) WHERE id = 1")
                let found = bench.load(Self.zooConfig(), strategy: .standard, policy: .reconcile)
                #expect(found.error == nil, "\(column)")
                #expect(found.fallback != .none, "a change of \(column) to \(value) went unseen")
                let quiet = bench.load(Self.zooConfig(), strategy: .standard, policy: .reconcile)
                #expect(quiet.fallback == .none && quiet.verified, "\(column) still differs after repair")
            }
        }
    }

    /// A value that does not convert, and one only the target refuses (February 30th, which SQLite stores and
    /// PostgreSQL will not), are each one rejected row: the rest load, the run says why, `verified` is false and
    /// the table fails unless it tolerates rejections; a row edited into such a value leaves no stale copy.
    @Test(arguments: StrategyKind.allCases)
    func `rejected rows are loud, per row, and never verified`(strategy: StrategyKind) throws {
        try LoadBench.with(LoadPath(source: .sqlite, target: .postgres)) { bench in
            try bench.source.execute("""
                CREATE TABLE zoo (id INTEGER PRIMARY KEY, n INT, d DATE);
                INSERT INTO zoo VALUES (1, 1, '2024-01-01'), (2, 'two', '2024-01-02'), (3, 3, '2024-02-30'), (4, 4, NULL);
                """)
            let first = bench.load(Self.zooConfig(), strategy: strategy, policy: .reconcile)
            #expect(first.rows_rejected == 2)
            #expect(!first.verified)
            #expect(first.error?.contains("2 rows are rejected") == true)
            #expect(try bench.count("zoo", on: bench.target) == 2)
            let reasons = try bench.target.query(
                "SELECT key_value, reason FROM \(TableName("etl_rejected_rows", schema: bench.targetSchema).quoted) ORDER BY key_value")
            #expect(reasons.map { $0[0] } == [.text("2"), .text("3")])
            #expect(reasons.last?[1].string?.contains("22008") == true, "the server's reason: \(reasons)")

            var tolerant = Self.zooConfig()
            tolerant.onReject = .warn
            let warned = bench.load(tolerant, strategy: strategy, policy: .reconcile)
            #expect(warned.error == nil)
            #expect(!warned.verified)
            #expect(warned.rows_rejected == 2)

            // Row 1 edited into a value no target holds: its old copy leaves the target.
            try bench.source.execute("UPDATE zoo SET n = 'one' WHERE id = 1")
            try bench.source.execute("UPDATE zoo SET n = 2, d = '2024-02-28' WHERE id IN (2, 3)")
            let edited = bench.load(tolerant, strategy: strategy, policy: .reconcile)
            #expect(edited.rows_rejected == 1)
            #expect(try bench.count("zoo", on: bench.target) == 3)
            #expect(try bench.target.scalar("SELECT count(*) FROM \(bench.table("zoo", on: bench.target).quoted) WHERE id = 1") == .integer(0))

            try bench.source.execute("UPDATE zoo SET n = 1 WHERE id = 1")
            let fixed = bench.load(Self.zooConfig(), strategy: strategy, policy: .reconcile)
            #expect(fixed.error == nil)
            #expect(fixed.rows_rejected == 0)
            #expect(fixed.verified)
            #expect(try bench.count("zoo", on: bench.target) == 4)
        }
    }
}

/// Configured cursor columns Tidemark does not follow are named, never ignored in silence.
@Suite struct UnusedCursorColumnTests {
    @Test func `a second timestamp incremental column is named in a warning`() throws {
        try LoadBench.with(LoadPath(source: .sqlite, target: .sqlite)) { bench in
            try bench.source.execute("""
                CREATE TABLE commlog (id INTEGER PRIMARY KEY, DateTEntry DATETIME, CommDateTime DATETIME);
                INSERT INTO commlog VALUES (1, '2025-01-01 10:00:00', '2025-01-02 11:00:00');
                """)
            var config = TableConfig(name: "commlog")
            config.primaryKey = ["id"]
            config.incrementalColumns = ["id", "DateTEntry", "CommDateTime"]
            config.incrementalStrategy = .orLogic
            let result = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(result.error == nil)
            #expect(result.warnings.contains { $0.contains("only DateTEntry is followed") && $0.contains("CommDateTime") })
        }
    }
}

/// A target the users made: a CHECK constraint of theirs refuses a value the conversion accepts. The engine's
/// refusal isolates that row on either target engine, rejects it with the engine's reason, and the rest load.
@Suite struct TargetRefusalTests {
    @Test(arguments: [LoadPath(source: .sqlite, target: .sqlite), LoadPath(source: .sqlite, target: .postgres)],
          [StrategyKind.standard, .copy])
    func `a row the user's CHECK constraint refuses is rejected alone`(path: LoadPath, strategy: StrategyKind) throws {
        try LoadBench.with(path) { bench in
            try bench.source.execute("""
                CREATE TABLE paid (id INTEGER PRIMARY KEY, amount INTEGER);
                INSERT INTO paid VALUES (1, 10), (2, -5), (3, 30), (4, 40);
                """)
            try bench.target.createSchemaIfMissing(bench.targetSchema)
            let target = TableName("paid", schema: bench.targetSchema ?? (path.target == .postgres ? "raw" : nil))
            try bench.target.execute(
                "CREATE TABLE \(target.quoted) (id BIGINT PRIMARY KEY, amount BIGINT CHECK (amount >= 0))")
            var config = TableConfig(name: "paid")
            config.primaryKey = ["id"]
            let result = bench.load(config, strategy: strategy, policy: .reconcile)
            #expect(result.rows_rejected == 1)
            #expect(!result.verified)
            #expect(result.error?.contains("1 row is rejected") == true)
            #expect(try bench.target.scalar("SELECT count(*) FROM \(target.quoted)") == .integer(3))
            let reason = try bench.target.scalar("SELECT reason FROM \(TableName("etl_rejected_rows", schema: target.schema).quoted)")
            #expect(reason?.string?.contains("the target refused it") == true, "\(String(describing: reason))")
        }
    }
}
