import Testing
import TidemarkConfig
import TidemarkSimulator

/// A scenario's `tables:` overrides: read as `tables.yml` reads them, and in force for the loader.
@Suite struct TableOverrideTests {
    /// New rows and a fault inside the second target transaction of the first run under test: that run commits
    /// one batch and fails in the next one, or — when every new row fits in one batch — in the final status write.
    static func scenario(tables: String, newRows: Int) -> String {
        """
        name: batches
        description: A scenario's batch size decides how many rows the first run commits before the fault.
        fixtures: [medication]
        \(tables)
        steps:
          - clean_load
          - source_insert: {table: medication, generate: \(newRows), set: {DateTStamp: "2025-10-20 09:30:00"}}
          - fault: {fail_inside_commit: 2}
          - runs: 1
          - runs: 1
        expect:
          none: {recovered: true, fallback_runs: 0}
          hybrid: {recovered: true, fallback_runs: 0}
          reconcile: {recovered: true, fallback_runs: 0}
        """
    }

    /// The scenario's 7 wins over the simulator's 250, which wins over the 10000 of Fixtures/tables.yml.
    @Test(arguments: [("tables:\n  medication: {batch_size: 7}", 20, 7), ("", 300, 250), ("", 20, 20)])
    func `a scenario's batch_size reaches the loader`(tables: String, newRows: Int, firstRunRows: Int) throws {
        let scenario = try ScenarioParser.parse(Self.scenario(tables: tables, newRows: newRows), file: "batches.yaml")
        var options = SimulationOptions()
        // Parallel commits per key range, so its rows at the fault depend on the workers' timing.
        options.strategies = [.standard, .streaming, .chunked, .copy]
        options.policies = [PolicyColumn(.none)]
        let configs = try ScenarioLibrary.tableConfigs(scenarioDirectory: ScenarioLibrary.defaultDirectory())
        let report = try Simulation.run([scenario], configs: configs, options: options)
        #expect(report.cells.count == 4)
        for cell in report.cells {
            #expect(cell.status == .passed, "\(cell.id): \(cell.failures)")
            let first = try #require(cell.runs.first { $0.index == 1 })
            #expect(first.rowsLoaded == firstRunRows, "\(cell.id)")
            #expect(first.error != nil, "\(cell.id): the injected fault did not fire")
        }
    }

    static let valid = """
        name: demo
        description: A demo.
        fixtures: [medication]
        tables:
          medication: {batch_size: 7, sync_profile: in_place_updates}
        steps:
          - runs: 1
        expect:
          none: {recovered: false, fallback_runs: 0}
          hybrid: {recovered: true, fallback_runs: 1}
          reconcile: {recovered: true, fallback_runs: 1}
        """

    @Test func `overrides are read into the table's config`() throws {
        let scenario = try ScenarioParser.parse(Self.valid, file: "demo.yaml")
        var expected = TableConfig(name: "medication")
        expected.batchSize = 7
        expected.syncProfile = .inPlaceUpdates
        #expect(scenario.tableOverrides == ["medication": expected])
    }

    @Test(arguments: [
        ("batch_size: 7", "batch_size: lots",
         "demo.yaml:5: table 'medication', field 'batch_size': expected an integer from 1 to 1,000,000, found 'lots'"),
        ("sync_profile: in_place_updates", "sync_profile: sometimes",
         "demo.yaml:5: table 'medication', field 'sync_profile': expected one of append_only, in_place_updates, "
            + "found 'sometimes'"),
        ("batch_size: 7", "strategy: copy", "demo.yaml:5: unknown field 'strategy'"),
    ])
    func `a bad override is reported as tables.yml reports it`(replace: String, with: String, message: String) {
        let text = Self.valid.replacingOccurrences(of: replace, with: with)
        #expect {
            try ScenarioParser.parse(text, file: "demo.yaml")
        } throws: { error in
            (error as? ScenarioError)?.description.hasPrefix(message) == true
        }
    }
}
