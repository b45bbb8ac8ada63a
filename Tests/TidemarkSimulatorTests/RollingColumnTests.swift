import Testing
import TidemarkConfig
import TidemarkSimulator

/// The `reconcile/rolling` column: its expectations are derived from the steps — found by the first run when
/// counts, bounds or a failed run show the stale state, within `verify_cycle` runs when only the slice can —
/// and the cell stretches its runs to the cycle so the last slice comes up.
@Suite struct RollingColumnTests {
    static let directory = ScenarioLibrary.defaultDirectory()

    static func expectation(_ name: String) throws -> TidemarkSimulator.Expectation? {
        let scenario = try ScenarioLibrary.named([name], in: directory)[0]
        let configs = scenario.configs(try ScenarioLibrary.tableConfigs(scenarioDirectory: directory), batchSize: 250,
                                       column: .reconcileRolling)
        return scenario.expectation(for: .reconcileRolling, configs: configs)
    }

    @Test(arguments: [
        // Rows missing, phantoms, a recreated table: counts differ, found by the first run.
        ("stale-medication", 1), ("phantoms", 1), ("truncated-analytics", 1), ("recreated-target", 1),
        ("watermark-ahead", 1), ("user-objects-repair", 1),
        // Same counts: only the slice sees them, within the cycle of 4.
        ("edit-without-bump", PolicyColumn.rollingCycle), ("edit-high-in-key-space", PolicyColumn.rollingCycle),
        ("offsetting-counts", PolicyColumn.rollingCycle),
        ("composite-key", PolicyColumn.rollingCycle), ("type-zoo", PolicyColumn.rollingCycle),
    ])
    func `a stale state must be found by the run its kind allows`(scenario: String, foundBy: Int) throws {
        let expected = try #require(try Self.expectation(scenario))
        #expect(expected.foundBy == foundBy)
        #expect(expected.recovered)
        #expect(expected.fallbackRuns == 1)
        if foundBy > 1 { #expect(expected.rowsLoaded == nil) }
    }

    @Test func `a healthy scenario expects what reconcile expects, with nothing to find`() throws {
        let expected = try #require(try Self.expectation("healthy-steady"))
        #expect(expected.foundBy == nil)
        #expect(expected.fallbackRuns == 0)
        #expect(expected.rowsLoaded == 0)
    }

    @Test func `the column runs on the command line's spelling and the loader verifies rolling`() throws {
        #expect(PolicyColumn(rawValue: "reconcile/rolling") == .reconcileRolling)
        let scenarios = try ScenarioLibrary.named(["edit-without-bump"], in: Self.directory)
        var options = SimulationOptions()
        options.strategies = [.standard]
        options.policies = [.reconcileRolling]
        let report = try Simulation.run(
            scenarios, configs: try ScenarioLibrary.tableConfigs(scenarioDirectory: Self.directory), options: options)
        let cell = try #require(report.cells.first)
        #expect(cell.id == "edit-without-bump/standard/sqlite/reconcile/rolling")
        #expect(cell.status == .passed, "\(cell.failures)")
        // The runs step was stretched to the cycle, and the slice that holds the edits found them.
        #expect(Set(cell.runs.map(\.index)).count == PolicyColumn.rollingCycle)
        #expect(cell.firstFallbackRun.map { $0 <= PolicyColumn.rollingCycle } == true)
    }

    @Test func `edits at the top of the key space are found by the last slice, on the cycle's last run`() throws {
        let scenarios = try ScenarioLibrary.named(["edit-high-in-key-space"], in: Self.directory)
        var options = SimulationOptions()
        options.strategies = [.standard]
        options.policies = [PolicyColumn(.reconcile), .reconcileRolling]
        let report = try Simulation.run(
            scenarios, configs: try ScenarioLibrary.tableConfigs(scenarioDirectory: Self.directory), options: options)
        for cell in report.cells { #expect(cell.status == .passed, "\(cell.id): \(cell.failures)") }
        let full = try #require(report.cells.first { $0.column == PolicyColumn(.reconcile) })
        let rolling = try #require(report.cells.first { $0.column == .reconcileRolling })
        #expect(full.firstFallbackRun == 1)
        #expect(rolling.firstFallbackRun == PolicyColumn.rollingCycle)
    }
}
