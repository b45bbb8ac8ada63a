import Testing
@testable import TidemarkConfig

@Suite("Tidemark's own fields")
struct TidemarkFieldTests {
    @Test func allOwnFieldsParse() throws {
        let yaml = """
            tables:
              allergydef:
                primary_key: AllergyDefNum
                strategy: chunked
                policy: reconcile
                lookback_seconds: 3600
                sync_profile: append_only
                verify: every_run
                relationships:
                - column: MedicationNum
                  references: medication.MedicationNum
                  where: "MedicationNum != 0"
                - {column: PatNum, references: patient.PatNum}
            """
        let file = try TablesFile.parse(yaml, file: "tables.yml")
        let table = try #require(file["allergydef"])
        #expect(table.strategy == .fixed(.chunked))
        #expect(table.policy == .reconcile)
        #expect(table.lookbackSeconds == 3600)
        #expect(table.syncProfile == .appendOnly)
        #expect(table.verify == .full)  // written every_run, the earlier spelling of full
        #expect(table.relationships == [
            Relationship(column: "MedicationNum", parentTable: "medication", parentColumn: "MedicationNum",
                         filter: "MedicationNum != 0"),
            Relationship(column: "PatNum", parentTable: "patient", parentColumn: "PatNum"),
        ])
        #expect(file.warnings.isEmpty)
    }

    @Test(arguments: ["auto", "standard", "streaming", "chunked", "copy", "parallel"])
    func everyStrategySpelling(_ text: String) throws {
        let file = try TablesFile.parse(oneTable("    strategy: \(text)\n"), file: "tables.yml")
        let expected = try #require(StrategyChoice(rawValue: text))
        #expect(file["t"]?.strategy == expected)
        #expect(expected.rawValue == text)
    }

    @Test func strategyChoiceFromText() {
        #expect(StrategyChoice(rawValue: "auto") == .auto)
        #expect(StrategyChoice(rawValue: "copy") == .fixed(.copy))
        #expect(StrategyChoice(rawValue: "Copy") == nil)
        #expect(StrategyChoice(rawValue: "") == nil)
    }

    @Test(arguments: PolicyKind.allCases)
    func everyPolicy(_ policy: PolicyKind) throws {
        let file = try TablesFile.parse(oneTable("    policy: \(policy.rawValue)\n"), file: "tables.yml")
        #expect(file["t"]?.policy == policy)
    }

    /// `off` is a YAML 1.1 boolean to Yams; the field reads the text, so it still means VerifyMode.off.
    @Test func verifyOffIsNotABoolean() throws {
        let file = try TablesFile.parse(oneTable("    verify: off\n"), file: "tables.yml")
        #expect(file["t"]?.verify == .off)
    }

    @Test func verifyModesAndTheirCycle() throws {
        #expect(try TablesFile.parse(oneTable("    verify: every_run\n"), file: "tables.yml")["t"]?.verify == .full)
        #expect(try TablesFile.parse(oneTable("    verify: full\n"), file: "tables.yml")["t"]?.verify == .full)
        let rolling = try TablesFile.parse(oneTable("    verify: rolling\n    verify_cycle: 3\n"), file: "tables.yml")["t"]
        #expect(rolling?.verify == .rolling)
        #expect(rolling?.verifyCycle == 3)
        #expect(try TablesFile.parse(oneTable("    verify: rolling\n"), file: "tables.yml")["t"]?.verifyCycle == nil)
        #expect(throws: ConfigError.self) { try TablesFile.parse(oneTable("    verify_cycle: 0\n"), file: "tables.yml") }
        #expect(throws: ConfigError.self) { try TablesFile.parse(oneTable("    verify: sometimes\n"), file: "tables.yml") }
    }

    /// Defaults shared through a YAML merge key reach every table that merges them; a table's own field wins.
    @Test func verifyFromSharedDefaults() throws {
        let yaml = """
            defaults: &defaults {verify: rolling, verify_cycle: 5}
            tables:
              a: {<<: *defaults}
              b: {<<: *defaults, verify: full}
            """
        let file = try TablesFile.parse(yaml, file: "tables.yml")
        #expect(file["a"]?.verify == .rolling)
        #expect(file["a"]?.verifyCycle == 5)
        #expect(file["b"]?.verify == .full)
        #expect(file["b"]?.verifyCycle == 5)
    }

    @Test func onRejectReadsItsTwoSeverities() throws {
        #expect(try TablesFile.parse(oneTable("    on_reject: warn\n"), file: "tables.yml")["t"]?.onReject == .warn)
        #expect(try TablesFile.parse(oneTable("    on_reject: error\n"), file: "tables.yml")["t"]?.onReject == .error)
        #expect(throws: (any Error).self) { try TablesFile.parse(oneTable("    on_reject: ignore\n"), file: "tables.yml") }
    }

    @Test func compositePrimaryKeyAsList() throws {
        let block = try TablesFile.parse(oneTable("    primary_key:\n    - PatNum\n    - PlanNum\n"), file: "x")
        #expect(block["t"]?.primaryKey == ["PatNum", "PlanNum"])
        let flow = try TablesFile.parse(oneTable("    primary_key: [PatNum, PlanNum]\n"), file: "x")
        #expect(flow["t"]?.primaryKey == ["PatNum", "PlanNum"])
        let empty = try TablesFile.parse(oneTable("    primary_key: []\n"), file: "x")
        #expect(empty["t"]?.primaryKey == [])
    }

    @Test func nullMeansAbsent() throws {
        let yaml = oneTable("""
                primary_key: ~
                incremental_columns: null
                batch_size:
                strategy: ~
                relationships: ~
                table_name: ~

            """)
        let file = try TablesFile.parse(yaml, file: "tables.yml")
        #expect(file["t"] == TableConfig(name: "t"))
    }

    @Test func numbersInYAMLSpellings() throws {
        let yaml = oneTable("""
                batch_size: 10_000
                estimated_rows: 0
                estimated_size_mb: 12
                lookback_seconds: 0

            """)
        let table = try #require(try TablesFile.parse(yaml, file: "tables.yml")["t"])
        #expect(table.batchSize == 10000)
        #expect(table.estimatedRows == 0)
        #expect(table.estimatedSizeMB == 12.0)
        #expect(table.lookbackSeconds == 0)
    }

    @Test func emptyTablesMappingIsAnError() throws {
        #expect {
            try TablesFile.parse("metadata: {total_tables: 0}\ntables: {}\n", file: "tables.yml")
        } throws: { error in
            (error as? ConfigError)?.description == "tables.yml:2: field 'tables': no tables to load: the mapping is empty"
        }
    }

    @Test func emptyTableMappingGivesDefaults() throws {
        let file = try TablesFile.parse("tables:\n  medication: {}\n", file: "tables.yml")
        #expect(file.tables == [TableConfig(name: "medication")])
    }

    @Test func otherTopLevelKeysAreIgnored() throws {
        let yaml = "version: 2\nmetadata:\n  anything: [1, 2]\ntables:\n  t: {batch_size: 5}\nextra: ~\n"
        let file = try TablesFile.parse(yaml, file: "tables.yml")
        #expect(file["t"]?.batchSize == 5)
        #expect(file.warnings.isEmpty)
    }

    @Test func unknownFieldWarnsWithLine() throws {
        let yaml = """
            tables:
              medication:
                primary_key: MedicationNum
                batchsize: 500
                notes: {owner: data-team}
              allergydef:
                polcy: hybrid
            """
        let file = try TablesFile.parse(yaml, file: "conf/tables.yml")
        #expect(file.warnings == [
            ConfigWarning(file: "conf/tables.yml", line: 4, table: "medication", field: "batchsize",
                          message: "unknown field, ignored"),
            ConfigWarning(file: "conf/tables.yml", line: 5, table: "medication", field: "notes",
                          message: "unknown field, ignored"),
            ConfigWarning(file: "conf/tables.yml", line: 7, table: "allergydef", field: "polcy",
                          message: "unknown field, ignored"),
        ])
        #expect(file.warnings[0].description
            == "conf/tables.yml:4: table 'medication', field 'batchsize': unknown field, ignored")
        // The misspelt field does not take effect.
        #expect(file["medication"]?.batchSize == nil)
        #expect(file["allergydef"]?.policy == nil)
    }

    /// Shared settings through an anchor and a YAML merge key; the table's own fields win.
    @Test func mergeKeysApplyWithOwnFieldsWinning() throws {
        let yaml = """
            defaults: &big
              batch_size: 50000
              policy: hybrid
              owner: data-team
            tables:
              procedurelog:
                <<: *big
                policy: reconcile
              securitylog:
                <<: [{strategy: copy}, *big]
            """
        let file = try TablesFile.parse(yaml, file: "tables.yml")
        #expect(file["procedurelog"]?.batchSize == 50000)
        #expect(file["procedurelog"]?.policy == .reconcile)
        #expect(file["securitylog"]?.strategy == .fixed(.copy))
        #expect(file["securitylog"]?.policy == .hybrid)
        // The unknown field came from the anchor, so its line is the anchor's.
        #expect(file.warnings.map(\.line) == [4, 4])
        #expect(file.warnings.map(\.table) == ["procedurelog", "securitylog"])
    }

    @Test func mergedBadValueNamesTheAnchorLine() throws {
        let yaml = "defaults: &d\n  batch_size: -1\ntables:\n  t:\n    <<: *d\n"
        let error = try #require(parseError(yaml))
        #expect(error == ConfigError(file: "tables.yml", line: 2, table: "t", field: "batch_size",
                                     message: "expected an integer from 1 to 1,000,000, found '-1'"))
    }

    @Test func tablesKeepFileOrder() throws {
        let yaml = "tables:\n  zeta: {}\n  alpha: {}\n  mid: {}\n"
        #expect(try TablesFile.parse(yaml, file: "x").tables.map(\.name) == ["zeta", "alpha", "mid"])
    }

    @Test func builtInCode() {
        var medication = TableConfig(name: "medication")
        medication.primaryKey = ["MedicationNum"]
        let file = TablesFile(path: "<memory>", tables: [medication])
        #expect(file["medication"]?.primaryKey == ["MedicationNum"])
        #expect(file["allergydef"] == nil)
        #expect(file.warnings.isEmpty)
    }
}

@Suite struct SeedFieldWarningTests {
    @Test func `an enabled lookback_resync is named in a warning, a disabled one is not`() throws {
        let enabled = """
            tables:
              procedurelog:
                primary_key: ProcNum
                lookback_resync:
                  enabled: true
                  window_days: 30
                  predicate_columns: [DateComplete, ProcDate]
            """
        let file = try TablesFile.parse(enabled, file: "tables.yml")
        #expect(file.warnings.count == 1)
        #expect(file.warnings.first?.field == "lookback_resync")
        #expect(file.warnings.first?.line == 4)
        let disabled = enabled.replacingOccurrences(of: "enabled: true", with: "enabled: false")
        #expect(try TablesFile.parse(disabled, file: "tables.yml").warnings.isEmpty)
    }
}
