import Foundation
import Testing
import TidemarkConfig
import TidemarkFixtures
@testable import TidemarkSimulator
import TidemarkTestSupport

/// `simulate explore`: drawn cases, the rule that says what each policy must achieve, shrinking, and the
/// scenario files findings are written as.
@Suite struct ExploreTests {
    static func draws(_ count: Int, seed: UInt64 = 7) -> [ExploreCase] {
        (1...count).map { run in
            var random = SeededRandom(seed: seed, salt: UInt64(run))
            return ExploreCase.draw(&random)
        }
    }

    @Test func `a drawn case is written as a scenario file that reads back as the same steps`() throws {
        for (index, drawn) in Self.draws(300).enumerated() {
            let scenario = try Exploration.scenario(drawn, name: "found-t\(index)")
            #expect(scenario.steps.map(\.step) == [.cleanLoad] + drawn.steps, "case \(index)")
            #expect(scenario.fixtures == [FixtureSpec(name: drawn.shape.fixture, rows: drawn.rows, columns: drawn.columns)])
            #expect(scenario.tableOverrides[drawn.shape.fixture]?.batchSize == drawn.batchSize)
            #expect((scenario.tableOverrides[drawn.shape.fixture]?.verify == .off) == drawn.verifyOff, "case \(index)")
        }
    }

    @Test func `verify off is drawn only where the cursor sees every step, and a keyless table hides nothing`() {
        let cases = Self.draws(300)
        #expect(cases.contains { $0.verifyOff } && cases.contains { !$0.verifyOff && !$0.unseenByWeakPolicies })
        for drawn in cases where drawn.verifyOff {
            #expect(!drawn.unseenByWeakPolicies && !drawn.shape.keyless)
        }
        let keyless = cases.filter(\.shape.keyless)
        #expect(!keyless.isEmpty && keyless.allSatisfy { !$0.unseenByWeakPolicies })
        #expect(keyless.allSatisfy { $0.expectation(.none) == Expectation(recovered: true, fallbackRuns: 0) })
    }

    @Test func `weak policies are drawn only where the rule says what they must achieve`() {
        let cases = Self.draws(300)
        for drawn in cases where drawn.unseenByWeakPolicies {
            #expect(drawn.policy == .reconcile)
            #expect(drawn.expectation(.none) == nil && drawn.expectation(.hybrid) == nil)
            #expect(!drawn.steps.contains { if case .fault = $0 { true } else { false } })
        }
        #expect(Set(cases.map(\.policy)) == Set(PolicyKind.allCases))
        #expect(Set(cases.map(\.shape.fixture)).count == ExploreCase.shapes.count)
        #expect(cases.contains { $0.unseenByWeakPolicies } && cases.contains { !$0.unseenByWeakPolicies })
        // A source delete then a run: one fallback under reconcile; a later insert and run: none more.
        var drawn = cases.first { !$0.shape.keyless }!
        drawn.steps = [.sourceDelete(table: drawn.shape.fixture, rows: .every(2)), .runs(1),
                       .sourceInsert(table: drawn.shape.fixture, rows: [], generate: 3, set: [:]), .runs(1)]
        #expect(drawn.expectation(.reconcile) == Expectation(recovered: true, fallbackRuns: 1))
    }

    @Test func `shrinking keeps only the steps and rows the violation needs`() {
        var drawn = Self.draws(40).first { $0.rows != nil }!
        let table = drawn.shape.fixture
        drawn.rows = 513
        drawn.steps = [.sourceInsert(table: table, rows: [], generate: 3, set: [:]), .runs(1),
                       .targetDelete(table: table, rows: .every(3)), .fault(failInsideCommit: 2), .runs(1)]
        // The "violation": a target delete with at least 40 rows, ending in a run.
        let shrunk = Exploration.shrink(drawn) { candidate in
            candidate.steps.contains { if case .targetDelete = $0 { true } else { false } } && (candidate.rows ?? 0) >= 40
        }
        #expect(shrunk.steps == [.targetDelete(table: table, rows: .every(3)), .runs(1)])
        #expect(shrunk.rows == 64)
    }

    @Test(arguments: [Backend.sqlite, .postgres])
    func `exploring the loader finds no violation`(backend: Backend) throws {
        var options = ExploreOptions()
        options.seed = 3
        options.runs = backend == .sqlite ? 12 : 6
        options.backends = [backend]
        if backend == .postgres { options.postgresURL = try TestDatabases.postgresServer() }
        options.configs = try ScenarioLibrary.tableConfigs(scenarioDirectory: ScenarioLibrary.defaultDirectory())
        let report = try Exploration.run(options)
        #expect(report.runs[backend] == options.runs)
        #expect(report.passed, "\(report.render(seed: options.seed))")
    }

    @Test func `black-box mode judges an etl-run binary through its command line`() throws {
        var options = ExploreOptions()
        options.seed = 5
        options.runs = 4
        options.configs = try ScenarioLibrary.tableConfigs(scenarioDirectory: ScenarioLibrary.defaultDirectory())
        options.loader = try builtProduct("etl-run")
        let report = try Exploration.run(options)
        #expect(report.passed, "\(report.render(seed: options.seed))")

        // A binary that says it loaded and did nothing is a violation in every case, shrunk to its first step.
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = directory + "/idle-etl-run"
        try "#!/bin/sh\nexit 0\n".write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        options.loader = script
        options.runs = 1
        options.foundDirectory = directory + "/found"
        let idle = try Exploration.run(options)
        let finding = try #require(idle.findings.first)
        #expect(finding.failures.contains { $0.hasPrefix("recovered: ") }, "\(finding.failures)")
        let file = try #require(finding.file)
        let written = try ScenarioParser.load(path: file)
        #expect(written.name == finding.name)
        #expect(written.steps.count == finding.steps + 1)
    }
}
