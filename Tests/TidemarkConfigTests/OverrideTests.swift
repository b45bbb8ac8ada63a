import Testing
import Yams
@testable import TidemarkConfig

/// One table's fields read on their own (a scenario's overrides) and laid over another config.
@Suite("Table overrides")
struct OverrideTests {
    /// Every field TableConfig holds, set.
    static let everyField = """
        tables:
          t:
            primary_key: [A, B]
            incremental_columns: [A, TS]
            incremental_strategy: and_logic
            primary_incremental_column: A
            batch_size: 7
            estimated_rows: 10
            estimated_size_mb: 0.5
            performance_category: tiny
            strategy: copy
            policy: hybrid
            lookback_seconds: 60
            sync_profile: in_place_updates
            verify: "off"
            verify_cycle: 3
            on_reject: warn
            relationships: [{column: A, references: p.A}]
            column_types: {A: smallint}
        """

    /// Fails when TableConfig grows a field this fixture (and so `merging`) does not cover yet.
    @Test func theFixtureSetsEveryField() throws {
        let full = try #require(TablesFile.parse(Self.everyField, file: "tables.yml")["t"])
        for child in Mirror(reflecting: full).children {
            let unset = (child.value as? [Any])?.isEmpty
                ?? (Mirror(reflecting: child.value).displayStyle == .optional
                    && Mirror(reflecting: child.value).children.isEmpty)
            #expect(!unset, "\(child.label ?? "?") is not set")
        }
    }

    @Test func setFieldsWinAndUnsetOnesKeepTheBase() throws {
        let full = try #require(TablesFile.parse(Self.everyField, file: "tables.yml")["t"])
        let blank = TableConfig(name: "t")
        #expect(blank.merging(full) == full)
        #expect(full.merging(blank) == full)

        var batchOnly = blank
        batchOnly.batchSize = 3
        var expected = full
        expected.batchSize = 3
        #expect(full.merging(batchOnly) == expected)
    }

    @Test func fieldsReadAloneAreReadAsInTablesYml() throws {
        let yaml = "name: x\nfields:\n  batch_size: 7\n  sync_profile: append_only\n"
        let document = try #require(try Yams.compose(yaml: yaml))
        let fields = try #require(document.mapping?["fields"])
        let (config, warnings) = try TablesFile.parseFields(fields, table: "medication", file: "scenario.yaml")
        var expected = TableConfig(name: "medication")
        expected.batchSize = 7
        expected.syncProfile = .appendOnly
        #expect(config == expected)
        #expect(warnings.isEmpty)
    }

    @Test func errorsInFieldsReadAloneNameFileLineTableAndField() throws {
        let document = try #require(try Yams.compose(yaml: "name: x\nfields:\n  batch_size: lots\n"))
        let fields = try #require(document.mapping?["fields"])
        #expect {
            try TablesFile.parseFields(fields, table: "medication", file: "scenario.yaml")
        } throws: { error in
            (error as? ConfigError)?.description
                == "scenario.yaml:3: table 'medication', field 'batch_size': expected an integer from 1 to 1,000,000, found 'lots'"
        }
    }
}
