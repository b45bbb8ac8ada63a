import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkLoader
import TidemarkTestSupport

/// Tables without a primary key are loaded and verified as multisets of rows: identical copies count, a rerun
/// moves nothing, and a copy added or removed on either side is inserted or deleted exactly — on every engine
/// pair, under every policy and strategy.
@Suite struct KeylessTableTests {
    static let name = "link"

    /// 5 identical copies of one row, 3 of an all-NULL row, 50 distinct rows (one more copy of `(1, 'dup')` than
    /// the others would be a change, not noise).
    static func create(_ bench: LoadBench) throws {
        let table = bench.table(name, on: bench.source)
        try bench.source.createTable(TableSchema(name: table, columns: [
            ColumnDefinition("PatNum", .bigint), ColumnDefinition("Note", .text), ColumnDefinition("Amount", .double),
            ColumnDefinition("SeenAt", .timestamp),
        ], primaryKey: []))
        let copies: [[Value]] = Array(repeating: [.integer(1), .text("dup"), .double(2.5),
                                                   .timestamp(LocalTimestamp(year: 2025, month: 3, day: 4))], count: 5)
        let nulls: [[Value]] = Array(repeating: [.null, .null, .null, .null], count: 3)
        let distinct: [[Value]] = (1...50).map { i in
            [.integer(Int64(100 + i)), .text("row \(i), \"quoted\" ü"), .double(Double(i) / 4),
             .timestamp(LocalTimestamp(year: 2025, month: 1, day: 1 + i % 28))]
        }
        _ = try bench.source.bulkInsert(into: table, columns: ["PatNum", "Note", "Amount", "SeenAt"],
                                        rows: copies + nulls + distinct)
    }

    static func config() -> TableConfig {
        var config = TableConfig(name: name)
        config.batchSize = 7
        return config
    }

    /// Every row of the table on `db`, as a sorted multiset.
    static func multiset(_ bench: LoadBench, on db: any Connection) throws -> [String] {
        try db.query("SELECT \"PatNum\", \"Note\", \"Amount\", \"SeenAt\" FROM \(bench.table(name, on: db).quoted)")
            .map { $0.values.map { "\($0.kindName):\($0)" }.joined(separator: "|") }.sorted()
    }

    static func expectSame(_ bench: LoadBench, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(try multiset(bench, on: bench.source) == multiset(bench, on: bench.target),
                sourceLocation: sourceLocation)
    }

    /// Deletes one copy of the rows matching `condition` on `db`, by the engine's row locator (MySQL, a source
    /// only, has none: its DELETE takes a LIMIT).
    static func deleteOneCopy(_ bench: LoadBench, on db: any Connection, where condition: String) throws {
        let t = bench.table(name, on: db).quoted
        guard let locator = db.dialect.rowLocator?.select else {
            #expect(try db.execute("DELETE FROM \(t) WHERE \(condition) LIMIT 1") == 1)
            return
        }
        #expect(try db.execute("DELETE FROM \(t) WHERE \(locator) IN (SELECT \(locator) FROM \(t) WHERE \(condition) "
            + "LIMIT 1)") == 1)
    }

    @Test(arguments: LoadPath.all, PolicyKind.allCases)
    func `identical copies load once each, reruns move nothing, and each changed copy is written exactly`(
        path: LoadPath, policy: PolicyKind) throws {
        try LoadBench.with(path) { bench in
            try Self.create(bench)
            let first = bench.load(Self.config(), strategy: .standard, policy: policy)
            #expect(first.error == nil)
            #expect(first.rows_loaded == 58)
            #expect(first.verified == (policy == .reconcile))
            try Self.expectSame(bench)
            let tracking = try #require(try bench.tracking(Self.name))
            #expect(tracking["last_primary_value"]?.isNull == true)
            #expect(tracking["primary_column_name"]?.isNull == true)
            #expect(tracking["last_timestamp_value"]?.isNull == true)
            #expect(tracking["load_status"]?.string == "success")

            func expectRun(loaded: Int, deleted: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
                let result = bench.load(Self.config(), strategy: .standard, policy: policy)
                #expect(result.error == nil, sourceLocation: sourceLocation)
                #expect(result.rows_loaded == loaded, "rows loaded", sourceLocation: sourceLocation)
                #expect(result.rows_deleted == deleted, "rows deleted", sourceLocation: sourceLocation)
                #expect(result.fallback == .none, sourceLocation: sourceLocation)
                #expect(result.verified == (policy == .reconcile), sourceLocation: sourceLocation)
                try Self.expectSame(bench, sourceLocation: sourceLocation)
            }
            try expectRun(loaded: 0, deleted: 0)
            // A copy deleted on the source, then one added.
            try Self.deleteOneCopy(bench, on: bench.source, where: "\"Note\" = 'dup'")
            try expectRun(loaded: 0, deleted: 1)
            let source = bench.table(Self.name, on: bench.source).quoted
            try bench.source.execute("INSERT INTO \(source) SELECT * FROM \(source) WHERE \"PatNum\" = 101")
            try expectRun(loaded: 1, deleted: 0)
            // Damage on the target: a duplicate added, an all-NULL copy removed.
            let target = bench.table(Self.name, on: bench.target).quoted
            try bench.target.execute("INSERT INTO \(target) SELECT * FROM \(target) WHERE \"PatNum\" = 102")
            try Self.deleteOneCopy(bench, on: bench.target, where: "\"PatNum\" IS NULL")
            try expectRun(loaded: 1, deleted: 1)
            try expectRun(loaded: 0, deleted: 0)
        }
    }

    @Test(arguments: LoadPath.all, StrategyKind.allCases)
    func `every strategy loads a keyless table the same way and a rerun duplicates nothing`(
        path: LoadPath, strategy: StrategyKind) throws {
        try LoadBench.with(path) { bench in
            try Self.create(bench)
            var config = Self.config()
            config.incrementalColumns = ["SeenAt"]
            let first = bench.load(config, strategy: strategy, policy: .reconcile)
            #expect(first.error == nil)
            #expect(first.rows_loaded == 58)
            // Nothing the config asks for is dropped in silence.
            #expect(first.warnings.contains { $0.contains("incremental columns (SeenAt) are not a cursor") })
            #expect(first.warnings.contains { $0.contains("strategy") } == (strategy != .standard))
            let second = bench.load(config, strategy: strategy, policy: .reconcile)
            #expect(second.rows_loaded == 0 && second.rows_deleted == 0 && second.verified)
            try Self.expectSame(bench)
        }
    }

    @Test(arguments: LoadPath.all)
    func `most of the table differing rewrites it in one transaction, and a failure keeps the last good state`(
        path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try Self.create(bench)
            #expect(bench.load(Self.config(), strategy: .standard, policy: .reconcile).verified)
            let target = bench.table(Self.name, on: bench.target).quoted
            try bench.target.execute("DELETE FROM \(target) WHERE \"PatNum\" > 110")
            try bench.target.execute("INSERT INTO \(target) SELECT * FROM \(target) WHERE \"Note\" = 'dup'")
            let damaged = try Self.multiset(bench, on: bench.target)

            // The write fails inside its transaction: nothing of it stays.
            let failed = bench.load(Self.config(), strategy: .standard, policy: .reconcile, failInsideCommit: 1)
            #expect(failed.error != nil)
            #expect(try Self.multiset(bench, on: bench.target) == damaged)
            #expect(try bench.tracking(Self.name)?["load_status"]?.string == "failed")

            let reload = bench.load(Self.config(), strategy: .standard, policy: .reconcile)
            #expect(reload.error == nil)
            #expect(reload.fallback == .full_reload)
            #expect(reload.verified)
            try Self.expectSame(bench)
            let quiet = bench.load(Self.config(), strategy: .standard, policy: .reconcile)
            #expect(quiet.rows_loaded == 0 && quiet.fallback == .none)
        }
    }

    @Test(arguments: [LoadPath(source: .sqlite, target: .sqlite), LoadPath(source: .sqlite, target: .postgres)])
    func `a row that cannot be loaded is rejected by its fingerprint, never verified, and cleared when it goes`(
        path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try Self.create(bench)
            let source = bench.table(Self.name, on: bench.source).quoted
            // SQLite keeps text in a BIGINT column; no target integer can hold it.
            try bench.source.execute("INSERT INTO \(source) VALUES ('twelve', 'bad', 1.0, NULL)")
            try bench.source.execute("INSERT INTO \(source) VALUES ('twelve', 'bad', 1.0, NULL)")
            for _ in 0..<2 {
                let result = bench.load(Self.config(), strategy: .standard, policy: .reconcile)
                #expect(result.error?.contains("rejected") == true)
                #expect(!result.verified)
                #expect(result.rows_rejected == 1)  // two copies of one row: one fingerprint
                #expect(try bench.count(Self.name, on: bench.target) == 58)
            }
            try bench.source.execute("DELETE FROM \(source) WHERE \"Note\" = 'bad'")
            let clean = bench.load(Self.config(), strategy: .standard, policy: .reconcile)
            #expect(clean.error == nil && clean.verified && clean.rows_rejected == 0)
            try Self.expectSame(bench)
        }
    }

    @Test(arguments: [LoadPath(source: .sqlite, target: .sqlite), LoadPath(source: .postgres, target: .postgres)])
    func `a copy the target's own CHECK refuses is rejected alone, and the other copies load`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try Self.create(bench)
            let target = bench.table(Self.name, on: bench.target)
            try bench.target.createSchemaIfMissing(target.schema)
            try bench.target.execute("CREATE TABLE \(target.quoted) (\"PatNum\" BIGINT CHECK (\"PatNum\" <> 120), "
                + "\"Note\" TEXT, \"Amount\" DOUBLE PRECISION, \"SeenAt\" TIMESTAMP)")
            let source = bench.table(Self.name, on: bench.source).quoted
            try bench.source.execute("INSERT INTO \(source) SELECT * FROM \(source) WHERE \"PatNum\" = 120")
            for _ in 0..<2 {
                let result = bench.load(Self.config(), strategy: .standard, policy: .reconcile)
                #expect(result.rows_rejected == 1)  // two copies of one row: one fingerprint
                #expect(!result.verified)
                #expect(try bench.count(Self.name, on: bench.target) == 57)
            }
            let reason = try bench.target.scalar(
                "SELECT reason FROM \(TableName("etl_rejected_rows", schema: target.schema).quoted)")
            #expect(reason?.string?.contains("the target refused it") == true, "\(String(describing: reason))")
        }
    }
}
