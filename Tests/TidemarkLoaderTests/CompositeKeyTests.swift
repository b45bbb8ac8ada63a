import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkLoader
import TidemarkTestSupport

/// Tables whose primary key has several columns: the cursor, pages, parallel ranges, verification, repair,
/// rejections and the tracking row all work on the key tuple, with ties on the leading column everywhere.
@Suite struct CompositeKeyTests {
    /// NULL-free keys of mixed types; row `i`'s key rises with `i`, and ten rows share each leading value.
    enum KeyKind: String, CaseIterable, Sendable {
        case bigintText, dateInteger

        var types: [ColumnType] { self == .bigintText ? [.bigint, .text] : [.date, .integer] }

        func key(_ i: Int) -> [Value] {
            let lead = i / 10
            switch self {
            case .bigintText: return [.integer(Int64(lead)), .text("c" + String(repeating: "0", count: max(0, 4 - String(i).count)) + String(i))]
            case .dateInteger:
                return [.date(LocalDate(year: 2025, month: 1 + lead / 28, day: 1 + lead % 28)), .integer(Int64(i))]
            }
        }

        /// A key below every generated one.
        var lowest: [Value] {
            self == .bigintText ? [.integer(-1), .text("a")] : [.date(LocalDate(year: 2024, month: 12, day: 1)), .integer(-1)]
        }
    }

    static let base = LocalTimestamp("2025-10-01 00:00:00")!

    static func create(_ bench: LoadBench, _ name: String, _ kind: KeyKind) throws {
        try bench.source.createTable(TableSchema(name: bench.table(name, on: bench.source), columns: [
            ColumnDefinition("a", kind.types[0], nullable: false), ColumnDefinition("b", kind.types[1], nullable: false),
            ColumnDefinition("ts", .timestamp), ColumnDefinition("payload", .text),
        ], primaryKey: ["a", "b"]))
    }

    /// Rows `ids` with timestamps out of key order, two rows to a timestamp: `offset` plus half a shuffle of the
    /// ids, in seconds.
    static func insert(_ bench: LoadBench, _ name: String, _ kind: KeyKind, ids: ClosedRange<Int>, offset: Int) throws {
        let rows: [[Value]] = ids.map { i in
            kind.key(i) + [.timestamp(base.adding(seconds: offset + (i * 7) % ids.count / 2)), .text("row \(i)")]
        }
        _ = try bench.source.bulkInsert(into: bench.table(name, on: bench.source), columns: ["a", "b", "ts", "payload"],
                                        rows: rows)
    }

    static func config(_ name: String, _ mode: CursorModeCase, batchSize: Int = 4) -> TableConfig {
        var config = TableConfig(name: name)
        config.primaryKey = ["a", "b"]
        config.incrementalColumns = ["a", "ts"]
        config.primaryIncrementalColumn = "a"
        config.batchSize = batchSize
        config.verify = .off
        mode.configure(&config)
        return config
    }

    /// Whether a mode reads rows below the key cursor whose timestamp moved (the others lose them by design).
    static func followsTimestamps(_ mode: CursorModeCase) -> Bool {
        !["and_logic", "append_only"].contains(mode.name)
    }

    /// The tracking text of a key: a JSON array of the components' texts.
    static func text(_ key: [Value]) -> String {
        "[" + key.map { value -> String in
            switch value {
            case .integer(let i): return "\"\(i)\""
            case .text(let s): return "\"\(s)\""
            default: return "\"\(value.description)\""
            }
        }.joined(separator: ",") + "]"
    }

    @Test(arguments: LoadPath.all, StrategyKind.allCases)
    func `every cursor mode loads and follows a composite key`(path: LoadPath, strategy: StrategyKind) throws {
        try LoadBench.with(path) { bench in
            for kind in KeyKind.allCases {
                for (index, mode) in CursorModeCase.all.enumerated() {
                    let name = "\(kind.rawValue.lowercased())_\(index)"
                    try Self.create(bench, name, kind)
                    try Self.insert(bench, name, kind, ids: 1...40, offset: 0)
                    let config = Self.config(name, mode)
                    let first = bench.load(config, strategy: strategy, policy: .none)
                    #expect(first.error == nil, "\(name) \(mode.name): \(first.error ?? "")")
                    #expect(first.rows_loaded == 40, "\(name) \(mode.name)")
                    try bench.expectSame(name, key: "a", "b")
                    let tracking = try #require(try bench.tracking(name))
                    #expect(tracking["last_primary_value"] == .text(Self.text(kind.key(40))), "\(name) \(mode.name)")
                    #expect(tracking["primary_column_name"] == .text("[\"a\",\"b\"]"))

                    // New rows after the cursor, some sharing the last leading value; an edit and a new row
                    // below it, which the modes following timestamps read.
                    try Self.insert(bench, name, kind, ids: 41...80, offset: 3600)
                    if Self.followsTimestamps(mode) {
                        let t = bench.table(name, on: bench.source).quoted
                        let p = bench.source.engine.placeholder
                        try bench.source.execute("UPDATE \(t) SET payload = 'edited', ts = \(p(1)) WHERE a = \(p(2)) AND b = \(p(3))",
                                                 [.timestamp(Self.base.adding(seconds: 7200))] + kind.key(5))
                        _ = try bench.source.bulkInsert(into: bench.table(name, on: bench.source),
                                                        columns: ["a", "b", "ts", "payload"],
                                                        rows: [kind.lowest + [.timestamp(Self.base.adding(seconds: 7200)), .text("late")]])
                    }
                    let second = bench.load(config, strategy: strategy, policy: .none)
                    #expect(second.error == nil, "\(name) \(mode.name): \(second.error ?? "")")
                    #expect(second.rows_loaded == (Self.followsTimestamps(mode) ? 42 : 40), "\(name) \(mode.name)")
                    try bench.expectSame(name, key: "a", "b")
                    let third = bench.load(config, strategy: strategy, policy: .none)
                    #expect(third.rows_loaded == 0, "\(name) \(mode.name): idempotent")
                    #expect(third.warnings.isEmpty, "\(name) \(mode.name): \(third.warnings)")
                }
            }
        }
    }

    @Test(arguments: LoadPath.all, StrategyKind.allCases)
    func `an interrupted run resumes without losing or duplicating rows`(path: LoadPath, strategy: StrategyKind) throws {
        try LoadBench.with(path) { bench in
            for (index, mode) in CursorModeCase.all.enumerated() {
                for n in [1, 3, 7] {
                    let name = "resume_\(index)_\(n)"
                    try Self.create(bench, name, .bigintText)
                    try Self.insert(bench, name, .bigintText, ids: 1...40, offset: 0)
                    let config = Self.config(name, mode)
                    let interrupted = bench.load(config, strategy: strategy, policy: .none, failInsideCommit: n)
                    #expect(interrupted.error != nil, "\(mode.name), commit \(n)")
                    let rerun = bench.load(config, strategy: strategy, policy: .none)
                    #expect(rerun.error == nil, "\(mode.name), commit \(n): \(rerun.error ?? "")")
                    if strategy != .parallel {
                        #expect(interrupted.rows_loaded + rerun.rows_loaded == 40, "\(mode.name), commit \(n)")
                    }
                    try bench.expectSame(name, key: "a", "b")
                    try Self.insert(bench, name, .bigintText, ids: 41...80, offset: 3600)
                    _ = bench.load(config, strategy: strategy, policy: .none, failInsideCommit: n)
                    #expect(bench.load(config, strategy: strategy, policy: .none).error == nil)
                    try bench.expectSame(name, key: "a", "b")
                }
            }
        }
    }

    @Test(arguments: LoadPath.all, StrategyKind.allCases)
    func `reconcile finds and repairs target damage and deletes`(path: LoadPath, strategy: StrategyKind) throws {
        try LoadBench.with(path) { bench in
            for kind in KeyKind.allCases {
                let name = "damaged_\(kind.rawValue.lowercased())"
                try Self.create(bench, name, kind)
                try Self.insert(bench, name, kind, ids: 1...600, offset: 0)
                var config = Self.config(name, CursorModeCase.all[1], batchSize: 50)
                config.verify = nil
                // Small leaves: an integer leading column is bisected down to one leading value (ten tuples).
                var settings = ReconcileSettings()
                settings.leafSize = 8
                #expect(bench.load(config, strategy: strategy, policy: .reconcile, reconcile: settings).verified)

                let t = bench.table(name, on: bench.target).quoted
                let s = bench.table(name, on: bench.source).quoted
                let p = bench.target.engine.placeholder
                let q = bench.source.engine.placeholder
                try bench.target.execute("DELETE FROM \(t) WHERE a = \(p(1)) AND b = \(p(2))", kind.key(100))
                try bench.target.execute("UPDATE \(t) SET payload = 'damaged' WHERE a = \(p(1)) AND b = \(p(2))", kind.key(333))
                // A phantom sharing its leading value with real rows, and a row deleted from the source.
                _ = try bench.target.bulkInsert(into: bench.table(name, on: bench.target), columns: ["a", "b", "payload"],
                                                rows: [[kind.key(77)[0], kind == .bigintText ? .text("zzz") : .integer(100_000), .text("phantom")]])
                try bench.source.execute("DELETE FROM \(s) WHERE a = \(q(1)) AND b = \(q(2))", kind.key(500))

                let repaired = bench.load(config, strategy: strategy, policy: .reconcile, reconcile: settings)
                #expect(repaired.error == nil, "\(kind): \(repaired.error ?? "")")
                #expect(repaired.fallback == .repair, "\(kind)")
                #expect(repaired.rows_repaired == 2, "\(kind)")
                #expect(repaired.rows_deleted == 2, "\(kind)")
                #expect(repaired.verified, "\(kind)")
                try bench.expectSame(name, key: "a", "b")
                let quiet = bench.load(config, strategy: strategy, policy: .reconcile, reconcile: settings)
                #expect(quiet.fallback == .none && quiet.rows_loaded == 0 && quiet.verified, "\(kind)")
            }
        }
    }

    /// Tracking rows of earlier versions (a single key, no `cursor_format`) read exactly as before, and a single
    /// key is still stored as its plain text.
    @Test(arguments: LoadPath.all)
    func `a single-key tracking row of the previous version reads as before`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try InterruptionTests.create(bench)
            try InterruptionTests.insert(bench, ids: 1...40, offset: 0)
            let config = InterruptionTests.config(CursorModeCase.all[1])
            _ = bench.load(config, strategy: .standard, policy: .none)
            try bench.target.execute("DELETE FROM \(bench.table("events", on: bench.target).quoted) WHERE id > 20")
            let watermark = InterruptionTests.base.adding(seconds: 20)
            try bench.setTracking("events", [
                "last_primary_value": "20", "primary_column_name": "id", "last_timestamp_value": .text(watermark.description),
                "last_timestamp_key": "17", "load_status": "success", "cursor_format": .null,
                "pass_timestamp_value": .null, "pass_timestamp_key": .null,
            ])
            let result = bench.load(config, strategy: .standard, policy: .none)
            #expect(result.cursor_before == "key 20, timestamp \(watermark) (key 17)")
            #expect(result.warnings.isEmpty, "\(result.warnings)")
            #expect(result.rows_loaded == 20)
            try bench.expectSame("events", key: "id")
            let tracking = try #require(try bench.tracking("events"))
            #expect(tracking["last_primary_value"] == "40")
            #expect(tracking["primary_column_name"] == "id")
        }
    }

    /// A cursor stored for other key columns (a key that gained a column) is discarded with a warning, and the
    /// table is read in full by upserts: nothing lost, nothing truncated.
    @Test(arguments: LoadPath.all)
    func `a cursor stored for other key columns is discarded`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try Self.create(bench, "rekeyed", .bigintText)
            try Self.insert(bench, "rekeyed", .bigintText, ids: 1...40, offset: 0)
            let config = Self.config("rekeyed", CursorModeCase.all[1])
            _ = bench.load(config, strategy: .standard, policy: .none)
            try bench.setTracking("rekeyed", ["primary_column_name": "a", "last_primary_value": "4"])
            try bench.target.execute("DELETE FROM \(bench.table("rekeyed", on: bench.target).quoted) WHERE b = 'c0007'")
            let result = bench.load(config, strategy: .standard, policy: .none)
            #expect(result.error == nil)
            #expect(result.full_load)
            #expect(result.warnings.contains { $0.contains("tracking cursor belongs to column a") }, "\(result.warnings)")
            #expect(result.rows_loaded == 1)
            try bench.expectSame("rekeyed", key: "a", "b")
        }
    }

    /// Text components holding the encoding's own characters round-trip through the tracking row.
    @Test(arguments: LoadPath.all)
    func `a composite cursor round-trips awkward text`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try Self.create(bench, "awkward", .bigintText)
            let awkward = #"c"9,\] ["x"]"#
            _ = try bench.source.bulkInsert(into: bench.table("awkward", on: bench.source), columns: ["a", "b", "ts", "payload"],
                                            rows: [[.integer(1), .text(awkward), .timestamp(Self.base), .text("one")]])
            var config = Self.config("awkward", CursorModeCase.all[1])
            config.primaryKey = []  // discovered from the source's constraint, in its column order
            _ = bench.load(config, strategy: .chunked, policy: .none)
            let tracking = try #require(try bench.tracking("awkward"))
            #expect(tracking["last_primary_value"] == .text(#"["1","c\"9,\\] [\"x\"]"]"#))
            _ = try bench.source.bulkInsert(into: bench.table("awkward", on: bench.source), columns: ["a", "b", "ts", "payload"],
                                            rows: [[.integer(1), .text("d"), .timestamp(Self.base), .text("two")]])
            let next = bench.load(config, strategy: .chunked, policy: .none)
            #expect(next.warnings.isEmpty, "\(next.warnings)")
            #expect(next.rows_loaded == 1)
            #expect(next.cursor_before.hasPrefix("key (1, "), "\(next.cursor_before)")
            try bench.expectSame("awkward", key: "a", "b")
        }
    }

    /// A row that cannot be loaded is recorded under its whole key (discovered from the source's constraint).
    @Test(arguments: [LoadPath(source: .sqlite, target: .sqlite), LoadPath(source: .sqlite, target: .postgres)])
    func `a rejected row is recorded under its composite key`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            let table = bench.table("counted", on: bench.source)
            try bench.source.execute("CREATE TABLE \(table.quoted) (a BIGINT NOT NULL, b TEXT NOT NULL, n BIGINT, "
                + "PRIMARY KEY (a, b))")
            try bench.source.execute("INSERT INTO \(table.quoted) VALUES (1, 'x', 1), (1, 'y', 'not a number'), (2, 'x', 3)")
            var config = TableConfig(name: "counted")
            config.verify = .off
            let result = bench.load(config, strategy: .standard, policy: .none)
            #expect(result.rows_rejected == 1)
            let rejected = try bench.target.query("SELECT key_value FROM "
                + "\(TableName("etl_rejected_rows", schema: bench.targetSchema).quoted)").map { $0[0] }
            #expect(rejected == [.text(#"["1","y"]"#)])
            #expect(try bench.count("counted", on: bench.target) == 2)
        }
    }
}
