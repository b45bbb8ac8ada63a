import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkFixtures
import TidemarkLoader
import TidemarkTestSupport

/// `verify: rolling`: what it finds at once (counts, bounds, this run's writes, anything after a failed run),
/// what it finds only when the slice comes up (an edit without a timestamp bump), and where it keeps its place.
@Suite struct RollingVerificationTests {
    static let paths = [
        LoadPath(source: .sqlite, target: .sqlite), LoadPath(source: .sqlite, target: .postgres),
        LoadPath(source: .postgres, target: .postgres),
    ]

    static func config(cycle: Int) -> TableConfig {
        var config = medicationConfig()
        config.verify = .rolling
        config.verifyCycle = cycle
        return config
    }

    /// The fixture loaded under rolling: a full load, so verified in full.
    static func loaded(_ bench: LoadBench, cycle: Int) throws {
        try bench.install(Fixtures.medication())
        let first = bench.load(config(cycle: cycle), strategy: .standard, policy: .reconcile)
        #expect(first.error == nil)
        #expect(first.verified)
        #expect(first.verification?.hasPrefix("full (widened from rolling: this run read every row") == true)
    }

    /// Changes a target row's name in place, with no timestamp bump and no source change: a silent difference.
    static func editTarget(_ bench: LoadBench, key: Int64) throws {
        try bench.target.execute(
            "UPDATE \(bench.table("medication", on: bench.target).quoted) SET \"MedName\" = 'silently edited' "
                + "WHERE \"MedicationNum\" = \(key)")
    }

    @Test(arguments: paths)
    func `a silent edit outside this run's writes is found when its slice comes up, within verify_cycle runs`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try Self.loaded(bench, cycle: 4)
            try Self.editTarget(bench, key: 630)  // in the second quarter of keys 1…1545
            var results: [LoadResult] = []
            for _ in 1...4 {
                results.append(bench.load(Self.config(cycle: 4), strategy: .standard, policy: .reconcile))
            }
            #expect(results.allSatisfy { $0.error == nil })
            // Run 1 checks slice 1 (keys below ~387): counts and bounds agree, so nothing is seen yet.
            #expect(results[0].verification == "rolling 1/4")
            #expect(!results[0].verified)
            #expect(results[0].fallback == .none)
            // Run 2's slice holds key 630: found, widened to every row, repaired.
            #expect(results[1].verification == "full (widened from rolling: slice 2/4 differs)")
            #expect(results[1].verified)
            #expect(results[1].fallback == .repair)
            #expect(results[1].rows_repaired == 1)
            // The widened run did not use up the slice; the cycle goes on from it.
            #expect(results[2].verification == "rolling 2/4")
            #expect(results[3].verification == "rolling 3/4")
            #expect(results[2...].allSatisfy { $0.fallback == .none })
            try bench.expectSame("medication", key: "MedicationNum")
        }
    }

    enum CountDamage: String, CaseIterable, Sendable { case targetRowDeleted, phantomInTarget, rowDeletedInSource }

    @Test(arguments: paths, CountDamage.allCases)
    func `a deleted or inserted row is found on the first run`(path: LoadPath, damage: CountDamage) throws {
        try LoadBench.with(path) { bench in
            try Self.loaded(bench, cycle: 7)
            let target = bench.table("medication", on: bench.target).quoted
            switch damage {
            case .targetRowDeleted:
                try bench.target.execute("DELETE FROM \(target) WHERE \"MedicationNum\" = 630")
            case .phantomInTarget:
                try bench.target.execute("DELETE FROM \(target) WHERE \"MedicationNum\" = 630")
                try bench.target.execute("INSERT INTO \(target) (\"MedicationNum\", \"MedName\") VALUES (1546, 'phantom')")
                try bench.target.execute("INSERT INTO \(target) (\"MedicationNum\", \"MedName\") VALUES (631, 'phantom')")
            case .rowDeletedInSource:
                try bench.source.execute("DELETE FROM \(bench.table("medication", on: bench.source).quoted) WHERE \"MedicationNum\" = 630")
            }
            let result = bench.load(Self.config(cycle: 7), strategy: .standard, policy: .reconcile)
            #expect(result.error == nil)
            #expect(result.fallback == .repair)
            #expect(result.verified)
            #expect(result.verification?.hasPrefix("full (widened from rolling: row count or key bounds differ") == true)
            try bench.expectSame("medication", key: "MedicationNum")
        }
    }

    @Test(arguments: paths)
    func `a row edited inside the key ranges this run wrote is found at once`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try Self.loaded(bench, cycle: 7)
            let source = bench.table("medication", on: bench.source).quoted
            // Edits with a timestamp bump at every 30th key from 100, and at the two keys around the damaged one:
            // more runs of keys than the 16 ranges rolling keeps, so the closest merge, across the damaged key,
            // which this run did not write.
            let keys = try bench.source.query(
                "SELECT \"MedicationNum\" FROM \(source) WHERE \"MedicationNum\" >= 100 ORDER BY 1 LIMIT 600"
            ).compactMap { $0[0].int64 }
            try #require(keys.count == 600)
            let written = (stride(from: 0, to: 600, by: 30).filter { $0 != 300 } + [299, 301]).map { keys[$0] }
            try bench.source.execute(
                "UPDATE \(source) SET \"MedName\" = 'edited', \"DateTStamp\" = '2025-12-01 00:00:00' "
                    + "WHERE \"MedicationNum\" IN (\(written.map(String.init).joined(separator: ", ")))")
            try Self.editTarget(bench, key: keys[300])
            let result = bench.load(Self.config(cycle: 7), strategy: .standard, policy: .reconcile)
            #expect(result.error == nil)
            #expect(result.rows_loaded == written.count + 1)  // the edits, then the repaired row
            #expect(result.verification?.hasPrefix("full (widened from rolling: rows this run wrote differ") == true)
            #expect(result.fallback == .repair)
            #expect(result.rows_repaired == 1)
            try bench.expectSame("medication", key: "MedicationNum")
        }
    }

    @Test(arguments: paths)
    func `after a failed or killed run the next run verifies every row`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try Self.loaded(bench, cycle: 7)
            // A run that failed inside its first batch (it had a new row to write).
            try bench.source.execute("INSERT INTO \(bench.table("medication", on: bench.source).quoted) "
                + "(\"MedicationNum\", \"MedName\", \"DateTStamp\") VALUES (1546, 'new', '2025-12-01 00:00:00')")
            let failed = bench.load(Self.config(cycle: 7), strategy: .standard, policy: .reconcile, failInsideCommit: 1)
            #expect(failed.error != nil)
            try Self.editTarget(bench, key: 1515)  // in the last slice, seven runs away
            let next = bench.load(Self.config(cycle: 7), strategy: .standard, policy: .reconcile)
            #expect(next.error == nil)
            #expect(next.verification?.hasPrefix("full (widened from rolling: the previous run ended failed") == true)
            #expect(next.fallback == .repair)
            try bench.expectSame("medication", key: "MedicationNum")

            // A run killed before it could record anything leaves `pending` behind: the same.
            try Self.editTarget(bench, key: 1515)
            try bench.setTracking("medication", ["load_status": "pending"])
            let afterKill = bench.load(Self.config(cycle: 7), strategy: .standard, policy: .reconcile)
            #expect(afterKill.verification?.hasPrefix("full (widened from rolling: the previous run ended pending") == true)
            #expect(afterKill.fallback == .repair)
            try bench.expectSame("medication", key: "MedicationNum")
        }
    }

    @Test(arguments: paths)
    func `the slice advances and wraps, kept in etl_load_status`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try Self.loaded(bench, cycle: 3)
            #expect(try bench.tracking("medication")?["verify_slice"] == .null)
            #expect(try bench.tracking("medication")?["last_full_verify_at"] != .null)
            var seen: [(String?, Value?, Value?, Value?)] = []
            for _ in 1...4 {
                let result = bench.load(Self.config(cycle: 3), strategy: .standard, policy: .reconcile)
                #expect(result.error == nil)
                #expect(!result.verified)
                let row = try bench.tracking("medication")
                seen.append((result.verification, row?["verify_slice"], row?["verify_position"], row?["verify_cycle"]))
            }
            #expect(seen.map(\.0) == ["rolling 1/3", "rolling 2/3", "rolling 3/3", "rolling 1/3"])
            #expect(seen.map { $0.1?.int64 } == [1, 2, 0, 1])
            #expect(seen.allSatisfy { $0.3?.int64 == 3 })
            // Slice 2 starts where slice 1 ended, slice 3 further on; back at the first, open below.
            let positions = seen.map { $0.2?.int64 }
            #expect(positions[2] == nil)
            let first = try #require(positions[0])
            let second = try #require(positions[1])
            #expect(1 < first && first < second && second <= 1545)
            #expect(positions[3] == first)

            // Another cycle length starts over at the first slice.
            let changed = bench.load(Self.config(cycle: 5), strategy: .standard, policy: .reconcile)
            #expect(changed.verification == "rolling 1/5")
            #expect(try bench.tracking("medication")?["verify_cycle"]?.int64 == 5)
        }
    }

    @Test(arguments: paths)
    func `an etl_load_status of the previous version gets rolling's columns added`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            let tracking = TableName("etl_load_status", schema: bench.targetSchema)
            if let schema = bench.targetSchema { try bench.target.createSchemaIfMissing(schema) }
            // The columns as the version before rolling verification created them.
            let earlier: [ColumnDefinition] = [
                ColumnDefinition("table_name", .varchar(length: 255), nullable: false),
                ColumnDefinition("last_primary_value", .text), ColumnDefinition("primary_column_name", .varchar(length: 255)),
                ColumnDefinition("last_timestamp_value", .text), ColumnDefinition("rows_loaded", .bigint),
                ColumnDefinition("load_status", .varchar(length: 50)), ColumnDefinition("_loaded_at", .timestamp),
                ColumnDefinition("timestamp_column_name", .varchar(length: 255)), ColumnDefinition("last_timestamp_key", .text),
                ColumnDefinition("last_error", .text), ColumnDefinition("run_id", .varchar(length: 64)),
                ColumnDefinition("fence", .bigint), ColumnDefinition("last_success_at", .timestamp),
                ColumnDefinition("pass_timestamp_value", .text), ColumnDefinition("pass_timestamp_key", .text),
                ColumnDefinition("cursor_format", .bigint),
            ]
            try bench.target.createTable(TableSchema(name: tracking, columns: earlier, primaryKey: ["table_name"]))
            try Self.loaded(bench, cycle: 7)
            let names = try bench.target.columns(of: tracking).map(\.name)
            #expect(Array(names.prefix(earlier.count)) == earlier.map(\.name))
            #expect(Array(names.dropFirst(earlier.count)) == ["verify_slice", "verify_cycle", "verify_position",
                                                              "last_full_verify_at"])
            #expect(bench.load(Self.config(cycle: 7), strategy: .standard, policy: .reconcile).verification == "rolling 1/7")
            #expect(try bench.tracking("medication")?["verify_slice"]?.int64 == 1)
        }
    }

    @Test(arguments: paths)
    func `--verify overrides the table's verify`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            try Self.loaded(bench, cycle: 7)
            var full = medicationConfig()
            full.verify = .full
            let rolling = bench.load(full, strategy: .standard, policy: .reconcile, verify: .rolling)
            #expect(rolling.verification == "rolling 1/7")
            #expect(!rolling.verified)
            let asConfigured = bench.load(Self.config(cycle: 7), strategy: .standard, policy: .reconcile, verify: .full)
            #expect(asConfigured.verification == "full")
            #expect(asConfigured.verified)
            let off = bench.load(Self.config(cycle: 7), strategy: .standard, policy: .reconcile, verify: .off)
            #expect(off.verification == "off")
            #expect(!off.verified)
        }
    }

    @Test(arguments: [LoadPath(source: .sqlite, target: .sqlite), LoadPath(source: .postgres, target: .postgres)])
    func `a table rolling cannot slice is verified in full, and says so`(path: LoadPath) throws {
        try LoadBench.with(path) { bench in
            let table = bench.table("coded", on: bench.source)
            try bench.source.createTable(TableSchema(name: table, columns: [
                ColumnDefinition("code", .text, nullable: false), ColumnDefinition("v", .text),
            ], primaryKey: ["code"]))
            _ = try bench.source.bulkInsert(into: table, columns: ["code", "v"],
                                            rows: (1...50).map { [.text("c\($0)"), .text("v\($0)")] })
            var config = TableConfig(name: "coded")
            config.verify = .rolling
            bench.load(config, strategy: .standard, policy: .reconcile)
            try bench.target.execute("UPDATE \(bench.table("coded", on: bench.target).quoted) SET v = 'x' WHERE code = 'c7'")
            let result = bench.load(config, strategy: .standard, policy: .reconcile)
            #expect(result.verification == "full (widened from rolling: the key column code is not an integer, so it cannot be cut into slices)")
            #expect(result.verified)
            #expect(result.fallback == .repair)
        }
    }
}
