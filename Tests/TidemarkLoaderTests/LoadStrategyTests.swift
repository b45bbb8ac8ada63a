import Foundation
import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkFixtures
import TidemarkLoader
import TidemarkTestSupport

/// Every strategy on every source/target pair: full, incremental, failure mid-load, and the HYBRID FIX.
@Suite struct LoadStrategyTests {
    @Test(arguments: LoadPath.all, StrategyKind.allCases)
    func `a full load equals the source and records the cursor it read`(path: LoadPath, strategy: StrategyKind) throws {
        try LoadBench.with(path) { bench in
            try bench.install(Fixtures.medication())
            let result = bench.load(medicationConfig(), strategy: strategy)
            #expect(result.error == nil)
            #expect(result.rows_loaded == 1090)
            #expect(result.full_load)
            try bench.expectSame("medication", key: "MedicationNum")
            let tracking = try #require(try bench.tracking("medication"))
            #expect(tracking["last_primary_value"] == "1545")
            #expect(tracking["primary_column_name"] == "MedicationNum")
            #expect(tracking["load_status"] == "success")
            #expect(tracking["rows_loaded"]?.int64 == 1090)
            let newest = try bench.source.scalar("SELECT MAX(\"DateTStamp\") FROM \(bench.table("medication", on: bench.source).quoted)")
            #expect(tracking["last_timestamp_value"]?.string == newest.map(TrackingText.of))

            // A second run reads and writes nothing.
            let again = bench.load(medicationConfig(), strategy: strategy)
            #expect(again.rows_read == 0)
            #expect(again.rows_loaded == 0)
            #expect(again.fallback == .none)
        }
    }

    @Test(arguments: LoadPath.all, StrategyKind.allCases)
    func `an incremental load writes exactly the new and changed rows`(path: LoadPath, strategy: StrategyKind) throws {
        try LoadBench.with(path) { bench in
            try bench.install(Fixtures.medication())
            bench.load(medicationConfig(), strategy: strategy)
            let table = bench.table("medication", on: bench.source).quoted
            let e = bench.source.engine
            for id in 1546...1548 {
                try bench.source.execute(
                    "INSERT INTO \(table) (\"MedicationNum\", \"MedName\", \"DateTStamp\") VALUES (\(e.placeholder(1)), \(e.placeholder(2)), \(e.placeholder(3)))",
                    [.integer(Int64(id)), .text("New \(id)"), .timestamp(LocalTimestamp("2025-10-20 08:00:00")!)])
            }
            // Edits of old rows that bump the timestamp, and one that changes nothing.
            try bench.source.execute(
                "UPDATE \(table) SET \"MedName\" = \(e.placeholder(1)), \"DateTStamp\" = \(e.placeholder(2)) WHERE \"MedicationNum\" IN (100, 630)",
                [.text("Edited"), .timestamp(LocalTimestamp("2025-10-21 09:30:00.000001")!)])
            try bench.source.execute(
                "UPDATE \(table) SET \"DateTStamp\" = \(e.placeholder(1)) WHERE \"MedicationNum\" = 137",
                [.timestamp(LocalTimestamp("2025-10-21 09:30:00.000001")!)])
            let result = bench.load(medicationConfig(), strategy: strategy)
            #expect(result.error == nil)
            #expect(result.rows_read == 6)
            #expect(result.rows_loaded == 6)
            #expect(result.fallback == .none)
            try bench.expectSame("medication", key: "MedicationNum")
            #expect(try bench.tracking("medication")?["last_primary_value"] == "1548")
        }
    }

    @Test(arguments: LoadPath.all, StrategyKind.allCases)
    func `a failure inside a commit keeps target and cursor consistent and the next run finishes`(
        path: LoadPath, strategy: StrategyKind
    ) throws {
        try LoadBench.with(path) { bench in
            try bench.install(Fixtures.medication())
            let failed = bench.load(medicationConfig(), strategy: strategy, batchSize: 100, failInsideCommit: 3)
            #expect(failed.error != nil)
            let tracking = try #require(try bench.tracking("medication"))
            #expect(tracking["load_status"] == "failed")
            // Whatever the cursor says is loaded is in the target, and nothing beyond it is claimed.
            let loaded = try bench.count("medication", on: bench.target)
            if let cursorText = tracking["last_primary_value"]?.string, let cursor = Int64(cursorText) {
                let covered = try bench.source.scalar(
                    "SELECT count(*) FROM \(bench.table("medication", on: bench.source).quoted) WHERE \"MedicationNum\" <= \(cursor)")?.int64
                #expect(loaded >= covered ?? -1)
            }
            #expect(loaded < 1090)

            let resumed = bench.load(medicationConfig(), strategy: strategy, batchSize: 100)
            #expect(resumed.error == nil)
            #expect(resumed.fallback == .none)
            try bench.expectSame("medication", key: "MedicationNum")
            #expect(try bench.tracking("medication")?["load_status"] == "success")
            #expect(Int64(resumed.rows_loaded) == 1090 - loaded)
        }
    }

    @Test(arguments: LoadPath.all, StrategyKind.allCases)
    func `hybrid falls back once on the medication stale state, none stays stale`(
        path: LoadPath, strategy: StrategyKind
    ) throws {
        try LoadBench.with(path) { bench in
            try bench.install(Fixtures.medication())
            bench.load(medicationConfig(), strategy: strategy)
            try makeIncidentState(bench)

            let trusting = bench.load(medicationConfig(), strategy: strategy, policy: .none)
            #expect(trusting.rows_read == 0)
            #expect(trusting.fallback == .none)
            #expect(try bench.count("medication", on: bench.target) == 5)

            let hybrid = bench.load(medicationConfig(), strategy: strategy, policy: .hybrid)
            #expect(hybrid.error == nil)
            #expect(hybrid.fallback == .full_reload)
            #expect(hybrid.rows_loaded == 1085)
            try bench.expectSame("medication", key: "MedicationNum")

            let after = bench.load(medicationConfig(), strategy: strategy, policy: .hybrid)
            #expect(after.fallback == .none)
            #expect(after.rows_loaded == 0)
        }
    }

    @Test(arguments: LoadPath.all, StrategyKind.allCases)
    func `hybrid does not fire on a healthy table`(path: LoadPath, strategy: StrategyKind) throws {
        try LoadBench.with(path) { bench in
            try bench.install(Fixtures.medication())
            bench.load(medicationConfig(), strategy: strategy)
            let result = bench.load(medicationConfig(), strategy: strategy, policy: .hybrid)
            #expect(result.fallback == .none)
            #expect(result.rows_loaded == 0)
        }
    }
}

/// The incident: the target keeps ids 171 and 1542–1545, tracking says loaded up to 1545.
func makeIncidentState(_ bench: LoadBench) throws {
    let table = bench.table("medication", on: bench.target).quoted
    try bench.target.execute("DELETE FROM \(table) WHERE \"MedicationNum\" NOT IN (171, 1542, 1543, 1544, 1545)")
    try bench.setTracking("medication", [
        "last_primary_value": "1545",
        "last_timestamp_value": .text(Fixtures.incidentWatermarkTimestamp.description),
    ])
}

enum TrackingText {
    static func of(_ value: Value) -> String {
        switch value {
        case .timestamp(let t): return t.description
        case .text(let s): return s
        default: return value.description
        }
    }
}
