import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkLoader
import TidemarkPostgres
import TidemarkTestSupport

/// The cursor at its edges: ties at the watermark, NULL and zero-date timestamps, in every strategy.
@Suite struct CursorTests {
    static let t1 = LocalTimestamp("2025-10-01 12:00:00.250000")!
    static let t2 = LocalTimestamp("2025-10-02 08:30:00")!
    static let t3 = LocalTimestamp("2025-10-03 09:00:00.000001")!

    static func eventsConfig() -> TableConfig {
        var config = TableConfig(name: "events")
        config.primaryKey = ["id"]
        config.incrementalColumns = ["id", "ts"]
        config.incrementalStrategy = .orLogic
        config.syncProfile = .inPlaceUpdates
        config.batchSize = 4
        return config
    }

    static func createEvents(_ bench: LoadBench) throws {
        let table = bench.table("events", on: bench.source)
        try bench.source.createTable(TableSchema(name: table, columns: [
            ColumnDefinition("id", .bigint, nullable: false), ColumnDefinition("ts", .timestamp),
            ColumnDefinition("payload", .text),
        ], primaryKey: ["id"]))
        var rows: [[Value]] = []
        for id in 1...30 {
            let ts: Value
            switch id {
            case 1...10: ts = .timestamp(t1)
            case 11...20: ts = .timestamp(t2)
            case 21...25: ts = .null
            default: ts = .timestamp(.zeroDate)
            }
            rows.append([.integer(Int64(id)), ts, .text("v1 \(id)")])
        }
        _ = try bench.source.bulkInsert(into: table, columns: ["id", "ts", "payload"], rows: rows)
    }

    static func insert(_ bench: LoadBench, _ id: Int64, _ ts: Value, _ payload: String) throws {
        let e = bench.source.engine
        try bench.source.execute(
            "INSERT INTO \(bench.table("events", on: bench.source).quoted) (id, ts, payload) VALUES "
                + "(\(e.placeholder(1)), \(e.placeholder(2)), \(e.placeholder(3)))", [.integer(id), ts, .text(payload)])
    }

    @Test(arguments: LoadPath.all, StrategyKind.allCases)
    func `ties at the watermark and undated rows are neither lost nor read twice`(
        path: LoadPath, strategy: StrategyKind
    ) throws {
        try LoadBench.with(path) { bench in
            try Self.createEvents(bench)
            let first = bench.load(Self.eventsConfig(), strategy: strategy)
            #expect(first.error == nil)
            #expect(first.rows_loaded == 30)
            try bench.expectSame("events", key: "id")
            var tracking = try #require(try bench.tracking("events"))
            #expect(tracking["last_timestamp_value"] == .text(Self.t2.description))
            #expect(tracking["last_timestamp_key"] == "20")
            #expect(tracking["last_primary_value"] == "30")

            // More rows arrive at the watermark timestamp, others later, some undated; one old row is edited.
            try Self.insert(bench, 31, .timestamp(Self.t2), "tie 31")
            try Self.insert(bench, 32, .timestamp(Self.t2), "tie 32")
            try Self.insert(bench, 33, .null, "undated 33")
            try Self.insert(bench, 34, .timestamp(.zeroDate), "zero 34")
            try Self.insert(bench, 35, .timestamp(Self.t3), "later 35")
            let e = bench.source.engine
            try bench.source.execute(
                "UPDATE \(bench.table("events", on: bench.source).quoted) SET ts = \(e.placeholder(1)), payload = 'v2' WHERE id = 3",
                [.timestamp(Self.t3)])

            let second = bench.load(Self.eventsConfig(), strategy: strategy)
            #expect(second.error == nil)
            #expect(second.rows_read == 6)
            #expect(second.rows_loaded == 6)
            try bench.expectSame("events", key: "id")
            tracking = try #require(try bench.tracking("events"))
            #expect(tracking["last_timestamp_value"] == .text(Self.t3.description))
            #expect(tracking["last_timestamp_key"] == "35")

            let third = bench.load(Self.eventsConfig(), strategy: strategy)
            #expect(third.rows_read == 0)
            #expect(third.rows_loaded == 0)
        }
    }

    @Test(arguments: LoadPath.all)
    func `a table of only undated rows never gets a timestamp cursor`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            let table = bench.table("undated", on: bench.source)
            try bench.source.createTable(TableSchema(name: table, columns: [
                ColumnDefinition("id", .bigint, nullable: false), ColumnDefinition("ts", .timestamp),
            ], primaryKey: ["id"]))
            _ = try bench.source.bulkInsert(into: table, columns: ["id", "ts"],
                                            rows: [[1, .null], [2, .timestamp(.zeroDate)], [3, .null]])
            var config = Self.eventsConfig()
            config.name = "undated"
            #expect(bench.load(config, strategy: .standard).rows_loaded == 3)
            let tracking = try #require(try bench.tracking("undated"))
            #expect(tracking["last_timestamp_value"] == .null)
            #expect(tracking["last_primary_value"] == "3")
            _ = try bench.source.bulkInsert(into: table, columns: ["id", "ts"], rows: [[4, .timestamp(.zeroDate)]])
            let next = bench.load(config, strategy: .standard)
            #expect(next.rows_loaded == 1)
            try bench.expectSame("undated", key: "id")
        }
    }

    @Test func `each incremental strategy reads with its own predicate`() throws {
        try LoadBench.with(LoadPath(source: .sqlite, target: .sqlite)) { bench in
            try Self.createEvents(bench)
            bench.load(Self.eventsConfig(), strategy: .standard)
            func plan(_ change: (inout TableConfig) -> Void) throws -> TablePlan {
                var config = Self.eventsConfig()
                change(&config)
                var options = LoadOptions()
                options.policy = .hybrid
                return try TableLoader(source: bench.source, target: bench.target, options: options).plan(config)
            }
            #expect(try plan { $0.syncProfile = .appendOnly }.describeReads(dialect: PostgresDialect())
                == ["FROM \"events\" WHERE \"id\" > $1 ORDER BY \"id\"  -- 30"])
            #expect(try plan { $0.syncProfile = nil }.describeReads(dialect: PostgresDialect())
                == ["FROM \"events\" WHERE (\"id\" > $1 OR (\"ts\" >= $2 AND (\"ts\" > $3 OR \"id\" > $4))) ORDER BY \"id\"  -- 30, 2025-10-02 08:30:00, 2025-10-02 08:30:00, 20"])
            #expect(try plan { $0.syncProfile = nil; $0.incrementalStrategy = .andLogic }.describeReads(dialect: PostgresDialect())
                == ["FROM \"events\" WHERE (\"id\" > $1 AND (\"ts\" >= $2 AND (\"ts\" > $3 OR \"id\" > $4))) ORDER BY \"id\"  -- 30, 2025-10-02 08:30:00, 2025-10-02 08:30:00, 20"])
            #expect(try plan { $0.incrementalStrategy = .singleColumn; $0.primaryIncrementalColumn = "ts" }.describeReads(dialect: PostgresDialect()).count == 2)
            let inPlace = try plan { _ in }
            #expect(inPlace.mode == .timestamp)
            #expect(inPlace.describeReads(dialect: PostgresDialect()) == [
                "FROM \"events\" WHERE ((\"ts\" IS NULL OR \"ts\" = $1) AND \"id\" > $2) ORDER BY \"id\"  -- 0001-01-01 00:00:00, 30",
                "FROM \"events\" WHERE (NOT (\"ts\" IS NULL OR \"ts\" = $1) AND (\"ts\" >= $2 AND (\"ts\" > $3 OR \"id\" > $4))) ORDER BY \"ts\", \"id\"  -- 0001-01-01 00:00:00, 2025-10-02 08:30:00, 2025-10-02 08:30:00, 20",
            ])
            // SQLite compares its text timestamps as instants, the bare column bounding the index range.
            #expect(inPlace.describeReads(dialect: bench.source.dialect).last == "FROM \"events\" WHERE (NOT (\"ts\" IS NULL OR tidemark_timestamp_micros(\"ts\") = tidemark_timestamp_micros(?1)) AND ((\"ts\" >= ?2 AND tidemark_timestamp_micros(\"ts\") >= tidemark_timestamp_micros(?3)) AND ((\"ts\" >= ?4 AND tidemark_timestamp_micros(\"ts\") > tidemark_timestamp_micros(?5)) OR \"id\" > ?6))) ORDER BY tidemark_timestamp_micros(\"ts\"), \"id\"  -- 0001-01-01 00:00:00, '2025-10-02', 2025-10-02 08:30:00, '2025-10-02', 2025-10-02 08:30:00, 20")
            var lookback = Self.eventsConfig()
            lookback.lookbackSeconds = 86_400
            let window = try TableLoader(source: bench.source, target: bench.target).plan(lookback).describeReads(dialect: PostgresDialect())
            #expect(window.last?.contains("\"ts\" >= $2") == true)
            #expect(window.last?.hasSuffix("2025-10-01 08:30:00") == true)
        }
    }
}

@Suite struct StrategyChoiceTests {
    @Test(arguments: [
        (2_000_000, 10.0, StrategyKind.parallel), (10_000, 600.0, .copy), (10_000, 300.0, .chunked), (10_000, 60.0, .streaming),
        (10_000, 5.0, .standard),
    ])
    func `auto picks by estimated size like the seed`(rows: Int, megabytes: Double, expected: StrategyKind) throws {
        try LoadBench.with(LoadPath(source: .sqlite, target: .sqlite)) { bench in
            try CursorTests.createEvents(bench)
            var config = CursorTests.eventsConfig()
            config.estimatedRows = rows
            config.estimatedSizeMB = megabytes
            #expect(try TableLoader(source: bench.source, target: bench.target).plan(config).strategy == expected)
            config.strategy = .fixed(.chunked)
            #expect(try TableLoader(source: bench.source, target: bench.target).plan(config).strategy == .chunked)
            var options = LoadOptions()
            options.strategy = .fixed(.copy)
            #expect(try TableLoader(source: bench.source, target: bench.target, options: options).plan(config).strategy == .copy)
        }
    }
}
