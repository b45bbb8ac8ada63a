import Foundation
import Testing
import TidemarkSimulator

@Suite struct ScenarioParserTests {
    static let valid = """
        name: demo
        failure_mode: FM-1
        description: A demo.
        fixtures: [medication]
        steps:
          - clean_load
          - target_delete: {table: medication, keys: [1, 2]}
          - runs: 1
        expect:
          none: {recovered: false, fallback_runs: 0}
          hybrid: {recovered: true, fallback_runs: 1, rows_loaded: 2}
          reconcile: {recovered: true, fallback_runs: 1}
        """

    @Test func `a valid scenario parses`() throws {
        let scenario = try ScenarioParser.parse(Self.valid, file: "demo.yaml")
        #expect(scenario.steps.map(\.step) == [.cleanLoad, .targetDelete(table: "medication", rows: .keys([1, 2])), .runs(1)])
        #expect(scenario.steps[1].line == 7)
        #expect(scenario.expectations[.hybrid] == Expectation(recovered: true, fallbackRuns: 1, rowsLoaded: 2))
    }

    @Test(arguments: [
        ("  - target_delete: {table: medication, keys: [1, 2]}", "  - target_delete: {table: nosuch, keys: [1]}", 7, "not among this scenario's fixtures"),
        ("  - runs: 1", "  - runs: many", 8, "must be an integer"),
        ("  - clean_load", "  - clean_everything", 6, "unknown step"),
        ("  none: {recovered: false, fallback_runs: 0}", "  none: {recovered: maybe, fallback_runs: 0}", 10, "true or false"),
        ("  none: {recovered: false, fallback_runs: 0}", "  never: {recovered: false, fallback_runs: 0}", 10, "unknown policy"),
        ("fixtures: [medication]", "fixtures: [patients]", 4, "unknown fixture"),
        ("  - target_delete: {table: medication, keys: [1, 2]}", "  - target_delete: {table: medication, keys: [1], every: 2}", 7, "choose one"),
        ("  - target_delete: {table: medication, keys: [1, 2]}", "  - target_delete: {table: medication, keys: [1, 2]", 8, "YAML"),
        // Bounds: a count out of range used to trap (-1) or run forever.
        ("  - runs: 1", "  - runs: -1", 8, "runs must be an integer from 1 to 1,000, found '-1'"),
        ("  - runs: 1", "  - runs: 99999999999", 8, "runs must be an integer from 1 to 1,000"),
        ("  - runs: 1", "  - source_insert: {table: medication, generate: 9999999999}\n  - runs: 1", 8,
         "generate must be an integer from 0 to 1,000,000"),
        ("fixtures: [medication]", "fixtures: [medication, procedurelog: 99999999]", 4, "from 0 to 1,000,000"),
        ("fixtures: [medication]", "fixtures: [medication, typezoo: {rows: 7, colums: [id]}]", 4, "colums"),
        ("fixtures: [medication]", "fixtures: [medication, typezoo: {columns: id}]", 4, "columns of typezoo"),
        ("  - runs: 1", "  - clock_skew: 9223372036854775807\n  - runs: 1", 8, "from -315,576,000 to 315,576,000"),
        // An unknown column in tracking_set is a bad scenario (64), not a failed cell (1).
        ("  - runs: 1", "  - tracking_set: {table: medication, last_primary_valu: '5'}\n  - runs: 1", 8,
         "unknown field 'last_primary_valu'"),
    ])
    func `a malformed scenario names the line and the reason`(replace: String, with: String, line: Int, reason: String) {
        let text = Self.valid.replacingOccurrences(of: replace, with: with)
        #expect {
            try ScenarioParser.parse(text, file: "demo.yaml")
        } throws: { error in
            guard let error = error as? ScenarioError else { return false }
            return error.file == "demo.yaml" && error.line == line && error.reason.contains(reason)
        }
    }

    @Test func `a fixture may keep only some of its columns`() throws {
        let text = Self.valid.replacingOccurrences(
            of: "fixtures: [medication]", with: "fixtures: [medication, typezoo: {rows: 7, columns: [big, note]}]")
        let scenario = try ScenarioParser.parse(text, file: "demo.yaml")
        #expect(scenario.fixtures == [FixtureSpec(name: "medication", rows: nil),
                                      FixtureSpec(name: "typezoo", rows: 7, columns: ["big", "note"])])
    }

    @Test func `the name must match the file`() {
        #expect(throws: ScenarioError.self) { try ScenarioParser.parse(Self.valid, file: "other.yaml") }
    }

    @Test func `every scenario in the repository parses and says which failure mode it stands for`() throws {
        let scenarios = try ScenarioLibrary.all(in: ScenarioLibrary.defaultDirectory())
        #expect(scenarios.count >= 17)
        for scenario in scenarios {
            #expect(scenario.failureMode != nil, "\(scenario.name)")
            #expect(scenario.description.count > 80, "\(scenario.name) should explain its expected outcomes")
        }
    }
}
