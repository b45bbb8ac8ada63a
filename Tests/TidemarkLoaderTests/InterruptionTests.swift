import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkLoader
import TidemarkTestSupport

/// A cursor mode as tables.yml asks for it.
struct CursorModeCase: Sendable, CustomTestStringConvertible {
    let name: String
    let configure: @Sendable (inout TableConfig) -> Void

    var testDescription: String { name }

    static let all: [CursorModeCase] = [
        CursorModeCase(name: "and_logic") { $0.incrementalStrategy = .andLogic },
        CursorModeCase(name: "or_logic") { $0.incrementalStrategy = .orLogic },
        CursorModeCase(name: "in_place_updates") { $0.syncProfile = .inPlaceUpdates },
        CursorModeCase(name: "single_column on the timestamp") {
            $0.incrementalStrategy = .singleColumn
            $0.primaryIncrementalColumn = "ts"
        },
        CursorModeCase(name: "append_only") { $0.syncProfile = .appendOnly },
    ]
}

/// Interrupting a load at any commit and running again with verification off (policy `none`) loses and
/// duplicates nothing, in every cursor mode and strategy.
@Suite struct InterruptionTests {
    static let base = LocalTimestamp("2025-10-01 00:00:00")!

    static func config(_ mode: CursorModeCase) -> TableConfig {
        var config = TableConfig(name: "events")
        config.primaryKey = ["id"]
        config.incrementalColumns = ["id", "ts"]
        config.primaryIncrementalColumn = "id"
        config.batchSize = 4
        config.verify = .off
        mode.configure(&config)
        return config
    }

    /// Rows `ids` whose timestamps are not in key order: `offset` plus a shuffle of the ids, in seconds.
    static func insert(_ bench: LoadBench, ids: ClosedRange<Int>, offset: Int) throws {
        let table = bench.table("events", on: bench.source)
        let rows: [[Value]] = ids.map { id in
            let shuffled = (id * 7) % ids.count
            return [.integer(Int64(id)), .timestamp(base.adding(seconds: offset + shuffled)), .text("row \(id)")]
        }
        _ = try bench.source.bulkInsert(into: table, columns: ["id", "ts", "payload"], rows: rows)
    }

    static func create(_ bench: LoadBench) throws {
        try bench.source.createTable(TableSchema(name: bench.table("events", on: bench.source), columns: [
            ColumnDefinition("id", .bigint, nullable: false), ColumnDefinition("ts", .timestamp),
            ColumnDefinition("payload", .text),
        ], primaryKey: ["id"]))
    }

    /// For every commit n: a fresh target, a first load interrupted at n, a second load; then new rows (with
    /// timestamps after the first ones, out of key order), a load interrupted at n, and another.
    static func sweep(_ path: LoadPath, _ mode: CursorModeCase, _ strategy: StrategyKind) throws {
        for n in 1...14 {
            try LoadBench.with(path) { bench in
                try create(bench)
                try insert(bench, ids: 1...40, offset: 0)
                let config = config(mode)
                let interrupted = bench.load(config, strategy: strategy, policy: .none, failInsideCommit: n)
                let rerun = bench.load(config, strategy: strategy, policy: .none)
                #expect(rerun.error == nil, "commit \(n): \(rerun.error ?? "")")
                // Parallel counts only the ranges that completed; a failed range's committed batches are not rewritten.
                if strategy != .parallel {
                    #expect(interrupted.rows_loaded + rerun.rows_loaded == 40, "commit \(n): rows written twice or not at all")
                }
                try bench.expectSame("events", key: "id")

                try insert(bench, ids: 41...80, offset: 3600)
                let second = bench.load(config, strategy: strategy, policy: .none, failInsideCommit: n)
                let again = bench.load(config, strategy: strategy, policy: .none)
                #expect(again.error == nil, "commit \(n): \(again.error ?? "")")
                if strategy != .parallel {
                    #expect(second.rows_loaded + again.rows_loaded == 40, "commit \(n) (incremental)")
                }
                try bench.expectSame("events", key: "id")
                #expect(bench.load(config, strategy: strategy, policy: .none).rows_loaded == 0, "commit \(n): idempotent")
            }
        }
    }

    @Test(arguments: CursorModeCase.all, StrategyKind.allCases)
    func `an interrupted load loses and duplicates nothing (SQLite)`(mode: CursorModeCase, strategy: StrategyKind) throws {
        try Self.sweep(LoadPath(source: .sqlite, target: .sqlite), mode, strategy)
    }

    @Test(arguments: StrategyKind.allCases)
    func `an interrupted and_logic load loses nothing (PostgreSQL)`(strategy: StrategyKind) throws {
        try Self.sweep(LoadPath(source: .postgres, target: .postgres), CursorModeCase.all[0], strategy)
        try Self.sweep(LoadPath(source: .sqlite, target: .postgres), CursorModeCase.all[0], strategy)
    }

    @Test func `an and_logic pass keeps its starting watermark until it completes`() throws {
        try LoadBench.with(LoadPath(source: .sqlite, target: .sqlite)) { bench in
            try Self.create(bench)
            try Self.insert(bench, ids: 1...40, offset: 0)
            let config = Self.config(CursorModeCase.all[0])
            _ = bench.load(config, strategy: .chunked, policy: .none, failInsideCommit: 3)
            let tracking = try #require(try bench.tracking("events"))
            #expect(tracking["last_primary_value"] == "8")
            #expect(tracking["last_timestamp_value"] == .null)
            #expect(tracking["pass_timestamp_value"]?.string != nil)
            #expect(tracking["cursor_format"] == .integer(2))
            _ = bench.load(config, strategy: .chunked, policy: .none)
            let done = try #require(try bench.tracking("events"))
            #expect(done["last_timestamp_value"] == .text(Self.base.adding(seconds: 39).description))
            #expect(done["pass_timestamp_value"] == .null)
        }
    }

    /// A tracking row an earlier version wrote while an and_logic run was interrupted holds a timestamp past
    /// rows it never read: read by the key alone once, so they are loaded.
    @Test func `an earlier version's interrupted and_logic row is read by the key alone`() throws {
        try LoadBench.with(LoadPath(source: .sqlite, target: .sqlite)) { bench in
            try Self.create(bench)
            try Self.insert(bench, ids: 1...40, offset: 0)
            let config = Self.config(CursorModeCase.all[0])
            _ = bench.load(config, strategy: .standard, policy: .none)
            try bench.target.execute("DELETE FROM \"events\" WHERE id > 20")
            // As the earlier version left it: the highest timestamp of rows 1…20, no format, a failed run.
            try bench.setTracking("events", [
                "last_primary_value": "20", "last_timestamp_value": .text(Self.base.adding(seconds: 39).description),
                "last_timestamp_key": "17", "load_status": "failed", "cursor_format": .null,
                "pass_timestamp_value": .null,
            ])
            let result = bench.load(config, strategy: .standard, policy: .none)
            #expect(result.rows_loaded == 20)
            #expect(result.warnings.contains { $0.contains("earlier version") })
            try bench.expectSame("events", key: "id")
            // A successful row of an earlier version keeps its meaning.
            try bench.setTracking("events", ["load_status": "success", "cursor_format": .null])
            #expect(bench.load(config, strategy: .standard, policy: .none).warnings.isEmpty)
        }
    }
}

/// Integer keys over the whole ±2^63 span, and keys of the wrong type in a SQLite source.
@Suite struct KeySpanTests {
    static let keys: [Int64] = [.min, .min + 1, -5, 0, 7, .max - 1, .max]

    @Test(arguments: LoadPath.all, StrategyKind.allCases)
    func `keys spanning 2^64 load, verify and repair`(path: LoadPath, strategy: StrategyKind) throws {
        try LoadBench.with(path) { bench in
            let table = bench.table("wide", on: bench.source)
            try bench.source.createTable(TableSchema(name: table, columns: [
                ColumnDefinition("id", .bigint, nullable: false), ColumnDefinition("payload", .text),
            ], primaryKey: ["id"]))
            _ = try bench.source.bulkInsert(into: table, columns: ["id", "payload"],
                                            rows: Self.keys.map { [.integer($0), .text("k \($0)")] })
            var config = TableConfig(name: "wide")
            config.primaryKey = ["id"]
            config.batchSize = 2
            let first = bench.load(config, strategy: strategy, policy: .reconcile)
            #expect(first.error == nil)
            #expect(first.rows_loaded == Self.keys.count)
            #expect(first.verified)
            try bench.expectSame("wide", key: "id")
            let e = bench.target.engine
            try bench.target.execute("DELETE FROM \(bench.table("wide", on: bench.target).quoted) WHERE id IN "
                + "(\(e.placeholder(1)), \(e.placeholder(2)))", [.integer(.min), .integer(.max)])
            let repaired = bench.load(config, strategy: strategy, policy: .reconcile)
            #expect(repaired.error == nil)
            #expect(repaired.rows_repaired == 2)
            try bench.expectSame("wide", key: "id")
        }
    }

    /// One REAL in a BIGINT key of a SQLite source used to drop the source's MIN from the verified range, so
    /// target rows missing below the target's own minimum were never seen.
    @Test(arguments: [Engine.sqlite, .postgres])
    func `a key of the wrong type is a rejection, not a blind spot`(target: Engine) throws {
        try LoadBench.with(LoadPath(source: .sqlite, target: target)) { bench in
            try bench.source.execute("CREATE TABLE \"odd\" (id BIGINT PRIMARY KEY, payload TEXT)")
            try bench.source.execute("INSERT INTO \"odd\" VALUES (0.5, 'half')")
            for id in 1...100 { try bench.source.execute("INSERT INTO \"odd\" VALUES (\(id), 'row \(id)')") }
            var config = TableConfig(name: "odd")
            config.primaryKey = ["id"]
            config.policy = .reconcile
            let first = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(first.rows_rejected == 1)
            #expect(try bench.count("odd", on: bench.target) == 100)
            try bench.target.execute("DELETE FROM \(bench.table("odd", on: bench.target).quoted) WHERE id <= 50")
            let next = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(next.rows_repaired == 50, "\(next)")
            #expect(try bench.count("odd", on: bench.target) == 100)
        }
    }
}

/// SQLite timestamps written by other tools: any fraction length, a bare date for Open Dental's zero date.
@Suite struct TimestampSpellingTests {
    @Test(arguments: [Engine.sqlite, .postgres], StrategyKind.allCases)
    func `timestamps compare as instants whatever their spelling`(target: Engine, strategy: StrategyKind) throws {
        try LoadBench.with(LoadPath(source: .sqlite, target: target)) { bench in
            try bench.source.execute("CREATE TABLE \"spelled\" (id BIGINT PRIMARY KEY, ts TIMESTAMP, payload TEXT)")
            // Ten rows at one instant, spelled three ways; an undated row as a bare date; later rows.
            let spellings = ["2025-10-02 09:30:00.250", "2025-10-02 09:30:00.25", "2025-10-02 09:30:00.250000"]
            for id in 1...10 {
                try bench.source.execute("INSERT INTO \"spelled\" VALUES (\(id), '\(spellings[id % 3])', 'r\(id)')")
            }
            try bench.source.execute("INSERT INTO \"spelled\" VALUES (11, '0001-01-01', 'undated')")
            try bench.source.execute("INSERT INTO \"spelled\" VALUES (12, '2025-10-02T09:30:01', 'T')")
            try bench.source.execute("INSERT INTO \"spelled\" VALUES (13, '2025-10-02 09:30:00.9', 'later')")
            var config = TableConfig(name: "spelled")
            config.primaryKey = ["id"]
            config.incrementalColumns = ["id", "ts"]
            config.syncProfile = .inPlaceUpdates
            config.batchSize = 3
            config.verify = .off
            let first = bench.load(config, strategy: strategy, policy: .none)
            #expect(first.error == nil)
            #expect(first.rows_loaded == 13)
            #expect(try bench.count("spelled", on: bench.target) == 13)
            let tracking = try #require(try bench.tracking("spelled"))
            #expect(tracking["last_timestamp_value"] == "2025-10-02 09:30:01")
            // A row at the watermark's instant in another spelling, with a higher key; an edit to an old row.
            try bench.source.execute("INSERT INTO \"spelled\" VALUES (14, '2025-10-02 09:30:01.000', 'tie')")
            try bench.source.execute("UPDATE \"spelled\" SET ts = '2025-10-03 00:00:00.5', payload = 'edited' WHERE id = 2")
            let next = bench.load(config, strategy: strategy, policy: .none)
            #expect(next.rows_loaded == 2)
            #expect(bench.load(config, strategy: strategy, policy: .none).rows_loaded == 0)
            #expect(try bench.count("spelled", on: bench.target) == 14)
        }
    }
}

/// Text keys compare byte by byte on both sides, whatever the source column's collation.
@Suite struct CollationTests {
    @Test(arguments: [Engine.sqlite, .postgres], [StrategyKind.standard, .chunked])
    func `a text key under a non-C collation is not skipped`(target: Engine, strategy: StrategyKind) throws {
        try LoadBench.with(LoadPath(source: .postgres, target: target)) { bench in
            let collation = try #require(try bench.source.query(
                "SELECT collname FROM pg_collation WHERE collname IN ('es-x-icu', 'en-x-icu', 'und-x-icu', 'en_US.utf8', 'es_ES.utf8') ORDER BY collname LIMIT 1"
            ).first?[0].string, "no linguistic collation on this server")
            let table = bench.table("fruit", on: bench.source)
            try bench.source.execute("CREATE TABLE \(table.quoted) (name TEXT COLLATE \"\(collation)\" PRIMARY KEY, n BIGINT)")
            try bench.source.execute("INSERT INTO \(table.quoted) VALUES ('apple', 1), ('dátil', 2)")
            var config = TableConfig(name: "fruit")
            config.primaryKey = ["name"]
            config.syncProfile = .appendOnly
            config.batchSize = 1
            config.verify = .off
            #expect(bench.load(config, strategy: strategy, policy: .none).rows_loaded == 2)
            // After 'dátil' byte by byte, before it in the column's collation.
            try bench.source.execute("INSERT INTO \(table.quoted) VALUES ('Ábaco', 3), ('zebra', 4)")
            let next = bench.load(config, strategy: strategy, policy: .none)
            #expect(next.rows_loaded == 2, "\(next)")
            #expect(try bench.count("fruit", on: bench.target) == 4)
        }
    }
}
