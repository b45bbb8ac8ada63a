import Testing
@testable import TidemarkConfig

/// One bad field in table `t` (see `oneTable`): the text of its lines, and what the error must say.
struct BadField: Sendable, CustomTestStringConvertible {
    let lines: String
    let line: Int
    let field: String
    let message: String

    var testDescription: String {
        lines.split(separator: "\n").map { $0.drop(while: \.isWhitespace) }.joined(separator: " / ")
    }
}

@Suite("Config errors name file, line, table and field")
struct ConfigErrorTests {
    @Test func descriptionMatchesTheContract() throws {
        let yaml = """
            tables:
              medication:
                primary_key: MedicationNum
                batch_size: lots
            """
        let error = try #require(parseError(yaml))
        #expect(error == ConfigError(file: "tables.yml", line: 4, table: "medication", field: "batch_size",
                                     message: "expected an integer from 1 to 1,000,000, found 'lots'"))
        #expect(error.description
            == "tables.yml:4: table 'medication', field 'batch_size': expected an integer from 1 to 1,000,000, found 'lots'")
    }

    static let badFields: [BadField] = [
        BadField(lines: "    batch_size: 1.5\n", line: 3, field: "batch_size",
                 message: "expected an integer from 1 to 1,000,000, found '1.5'"),
        BadField(lines: "    batch_size: 0\n", line: 3, field: "batch_size",
                 message: "expected an integer from 1 to 1,000,000, found '0'"),
        BadField(lines: "    batch_size: '10000'\n", line: 3, field: "batch_size",
                 message: "expected an integer from 1 to 1,000,000, found '10000'"),
        BadField(lines: "    primary_key: X\n    batch_size:\n    - 1\n", line: 5, field: "batch_size",
                 message: "expected an integer from 1 to 1,000,000, found a list"),
        BadField(lines: "    batch_size: 99999999999999999999\n", line: 3, field: "batch_size",
                 message: "expected an integer from 1 to 1,000,000, found '99999999999999999999'"),
        BadField(lines: "    estimated_rows: -1\n", line: 3, field: "estimated_rows",
                 message: "expected an integer from 0 to 1,000,000,000,000, found '-1'"),
        BadField(lines: "    estimated_rows: 1e6\n", line: 3, field: "estimated_rows",
                 message: "expected an integer from 0 to 1,000,000,000,000, found '1e6'"),
        BadField(lines: "    estimated_size_mb: big\n", line: 3, field: "estimated_size_mb",
                 message: "expected a number from 0.0 to 1000000000000.0, found 'big'"),
        BadField(lines: "    estimated_size_mb: -0.5\n", line: 3, field: "estimated_size_mb",
                 message: "expected a number from 0.0 to 1000000000000.0, found '-0.5'"),
        BadField(lines: "    estimated_size_mb: .nan\n", line: 3, field: "estimated_size_mb",
                 message: "expected a number from 0.0 to 1000000000000.0, found '.nan'"),
        BadField(lines: "    lookback_seconds: -60\n", line: 3, field: "lookback_seconds",
                 message: "expected an integer from 0 to 315,576,000, found '-60'"),
        BadField(lines: "    lookback_seconds: true\n", line: 3, field: "lookback_seconds",
                 message: "expected an integer from 0 to 315,576,000, found 'true'"),
        BadField(lines: "    incremental_strategy: or\n", line: 3, field: "incremental_strategy",
                 message: "expected one of single_column, or_logic, and_logic, none, found 'or'"),
        BadField(lines: "    sync_profile: append\n", line: 3, field: "sync_profile",
                 message: "expected one of append_only, in_place_updates, found 'append'"),
        BadField(lines: "    strategy: fast\n", line: 3, field: "strategy",
                 message: "expected one of auto, standard, streaming, chunked, copy, parallel, found 'fast'"),
        BadField(lines: "    policy: yes\n", line: 3, field: "policy",
                 message: "expected one of none, hybrid, reconcile, found 'yes'"),
        BadField(lines: "    verify: [every_run]\n", line: 3, field: "verify",
                 message: "expected one of full, rolling, off, found a list"),
        BadField(lines: "    primary_key: {PatNum: 1}\n", line: 3, field: "primary_key",
                 message: "expected a column name or a list of column names, found a mapping"),
        BadField(lines: "    primary_key: ''\n", line: 3, field: "primary_key",
                 message: "expected a column name, found ''"),
        BadField(lines: "    primary_key:\n    - PatNum\n    - PatNum\n", line: 5, field: "primary_key",
                 message: "column 'PatNum' is listed twice"),
        BadField(lines: "    incremental_columns: DateTStamp\n", line: 3, field: "incremental_columns",
                 message: "expected a list of column names, found 'DateTStamp'"),
        BadField(lines: "    incremental_columns:\n    - ProcNum\n    - [DateTStamp]\n", line: 5,
                 field: "incremental_columns", message: "expected a column name, found a list"),
        BadField(lines: "    incremental_columns: [ProcNum, ~]\n", line: 3, field: "incremental_columns",
                 message: "expected a column name, found nothing (null)"),
        BadField(lines: "    primary_incremental_column: [DateTStamp]\n", line: 3,
                 field: "primary_incremental_column", message: "expected a column name, found a list"),
        BadField(lines: "    performance_category: {size: tiny}\n", line: 3, field: "performance_category",
                 message: "expected a text value, found a mapping"),
        BadField(lines: "    table_name: medication\n", line: 3, field: "table_name",
                 message: "'medication' does not match the table's key 't'"),
        BadField(lines: "    relationships: MedicationNum\n", line: 3, field: "relationships",
                 message: "expected a list of relationships, found 'MedicationNum'"),
        BadField(lines: "    relationships:\n    - MedicationNum\n", line: 4, field: "relationships",
                 message: "expected a mapping with 'column' and 'references', found 'MedicationNum'"),
        BadField(lines: "    relationships:\n    - column: MedicationNum\n      references: medication\n", line: 5,
                 field: "relationships", message: "expected 'references' as table.column, found 'medication'"),
        BadField(lines: "    relationships:\n    - {column: A, references: raw.medication.MedicationNum}\n",
                 line: 4, field: "relationships",
                 message: "expected 'references' as table.column, found 'raw.medication.MedicationNum'"),
        BadField(lines: "    relationships:\n    - {column: A, references: medication.}\n", line: 4,
                 field: "relationships", message: "expected 'references' as table.column, found 'medication.'"),
        BadField(lines: "    relationships:\n    - references: medication.MedicationNum\n", line: 4,
                 field: "relationships", message: "a relationship needs 'column'"),
        BadField(lines: "    relationships:\n    - column: MedicationNum\n", line: 4,
                 field: "relationships", message: "a relationship needs 'references' (table.column)"),
        BadField(lines: "    relationships:\n    - column: A\n      references: m.A\n      were: A != 0\n",
                 line: 6, field: "relationships",
                 message: "unknown key 'were' in a relationship; expected column, references, where"),
        BadField(lines: "    relationships:\n    - column: A\n      references: m.A\n      where: ''\n",
                 line: 6, field: "relationships",
                 message: "expected a SQL condition for 'where', found an empty string"),
    ]

    @Test(arguments: badFields)
    func badFieldValue(_ bad: BadField) throws {
        let error = try #require(parseError(oneTable(bad.lines), file: "cfg/tables.yml"))
        #expect(error.file == "cfg/tables.yml")
        #expect(error.table == "t")
        #expect(error.field == bad.field)
        #expect(error.line == bad.line)
        #expect(error.message == bad.message)
        #expect(error.description.hasPrefix("cfg/tables.yml:\(bad.line): table 't', field '\(bad.field)': "))
    }

    /// Parsing stops at the first problem, even when a later line is also wrong.
    @Test func firstErrorWins() throws {
        let yaml = "tables:\n  a:\n    batch_size: x\n  b:\n    policy: maybe\n"
        let error = try #require(parseError(yaml))
        #expect(error.line == 3)
        #expect(error.table == "a")
    }

    // MARK: - Shape of the document

    @Test func missingTables() throws {
        let error = try #require(parseError("metadata:\n  total_tables: 0\n"))
        #expect(error.line == 1)
        #expect(error.table == nil)
        #expect(error.message == "missing the top-level 'tables:' mapping")
    }

    @Test func tablesNotAMapping() throws {
        let list = try #require(parseError("metadata: {}\ntables:\n- medication\n- allergydef\n"))
        #expect(list.line == 3)
        #expect(list.field == "tables")
        #expect(list.message == "expected a mapping from table name to its fields, found a list")

        let null = try #require(parseError("metadata: {}\ntables:\n"))
        #expect(null.field == "tables")
        #expect(null.message.hasSuffix("found nothing (null)"))
        #expect(null.line == 2)
    }

    @Test func topLevelNotAMapping() throws {
        let error = try #require(parseError("\n- tables\n"))
        #expect(error.line == 2)
        #expect(error.message == "expected a mapping at the top level with a 'tables' key, found a list")
    }

    @Test func emptyDocument() throws {
        for text in ["", "# only a comment\n", "~\n"] {
            let error = try #require(parseError(text))
            #expect(error.line == nil)
            #expect(error.message.contains("empty"))
        }
    }

    @Test func tableNotAMapping() throws {
        let yaml = """
            tables:
              medication: {}
              allergydef:
              - AllergyDefNum
              procedurelog: {}
            """
        let error = try #require(parseError(yaml))
        #expect(error == ConfigError(file: "tables.yml", line: 3, table: "allergydef",
                                     message: "expected a mapping of fields, found a list"))
        #expect(error.description == "tables.yml:3: table 'allergydef': expected a mapping of fields, found a list")

        let scalar = try #require(parseError("tables:\n  medication: yes\n"))
        #expect(scalar.line == 2)
        #expect(scalar.message == "expected a mapping of fields, found 'yes'")

        let null = try #require(parseError("tables:\n  medication:\n  allergydef: {}\n"))
        #expect(null.line == 2)
        #expect(null.table == "medication")
        #expect(null.message == "expected a mapping of fields, found nothing (null)")
    }

    @Test func nonScalarTableName() throws {
        let error = try #require(parseError("tables:\n  ? [a, b]\n  : {}\n"))
        #expect(error.line == 2)
        #expect(error.field == "tables")
    }

    // MARK: - Duplicates

    @Test func duplicateTable() throws {
        let yaml = """
            tables:
              medication:
                batch_size: 10000
              allergydef: {}
              medication:
                batch_size: 500
            """
        let error = try #require(parseError(yaml))
        #expect(error == ConfigError(file: "tables.yml", line: 5, table: "medication",
                                     message: "table appears twice (first at line 2)"))
    }

    /// `1090` (an int) and `'1090'` (a string) are different YAML keys but the same table name.
    @Test func duplicateTableAcrossScalarTypes() throws {
        let error = try #require(parseError("tables:\n  '1090': {}\n  1090: {}\n"))
        #expect(error == ConfigError(file: "tables.yml", line: 3, table: "1090",
                                     message: "table appears twice (first at line 2)"))
    }

    @Test func duplicateField() throws {
        let yaml = """
            metadata:
              total_tables: 1
            tables:
              medication:
                batch_size: 10000
                monitoring:
                  alert_on_failure: false
                primary_key: MedicationNum

                batch_size: 500
            """
        let error = try #require(parseError(yaml))
        #expect(error == ConfigError(file: "tables.yml", line: 10, table: "medication", field: "batch_size",
                                     message: "field appears twice (first at line 5)"))
    }

    @Test func duplicateKeyInsideARelationship() throws {
        let yaml = """
            tables:
              allergydef:
                relationships:
                - column: MedicationNum
                  references: medication.MedicationNum
                  column: PatNum
            """
        let error = try #require(parseError(yaml))
        #expect(error == ConfigError(file: "tables.yml", line: 6, table: "allergydef", field: "relationships",
                                     message: "key 'column' appears twice in one mapping (first at line 4)"))
    }

    /// A repeat inside an ignored seed field is still a YAML error, since Yams refuses the whole document.
    @Test func duplicateKeyInsideMonitoring() throws {
        let yaml = """
            tables:
              medication:
                monitoring:
                  alert_on_failure: false
                  alert_on_failure: true
            """
        let error = try #require(parseError(yaml))
        #expect(error == ConfigError(file: "tables.yml", line: 5, table: "medication", field: "monitoring",
                                     message: "key 'alert_on_failure' appears twice in one mapping (first at line 4)"))
    }

    /// Two relationships that each have `column` are not a duplicate.
    @Test func sameKeyInSiblingListItemsIsFine() throws {
        let yaml = """
            tables:
              allergydef:
                relationships:
                - column: MedicationNum
                  references: medication.MedicationNum
                - column: PatNum
                  references: patient.PatNum
            """
        #expect(try TablesFile.parse(yaml, file: "tables.yml")["allergydef"]?.relationships.count == 2)
    }

    @Test func duplicateKeyInFlowStyleFallsBackToFirstLine() throws {
        let error = try #require(parseError("tables:\n  t: {batch_size: 1, batch_size: 2}\n"))
        #expect(error == ConfigError(file: "tables.yml", line: 2,
                                     message: "key 'batch_size' appears twice in one mapping"))
    }

    @Test func duplicateTopLevelKey() throws {
        let error = try #require(parseError("tables: {}\nmetadata: {}\ntables:\n  t: {}\n"))
        #expect(error.line == 3)
        #expect(error.message == "top-level key 'tables' appears twice (first at line 1)")
    }

    // MARK: - YAML syntax

    @Test func badIndentation() throws {
        let yaml = """
            tables:
              medication:
                batch_size: 10000
               primary_key: MedicationNum
            """
        let error = try #require(parseError(yaml))
        #expect(error.line == 4)
        #expect(error.table == nil)
        #expect(error.message.hasPrefix("invalid YAML: "))
    }

    @Test func unclosedFlowMapping() throws {
        let yaml = """
            tables:
              medication: {batch_size: 10000
              allergydef: {}
            """
        let error = try #require(parseError(yaml))
        #expect(error.line == 3)
        #expect(error.message.hasPrefix("invalid YAML: "))
    }

    @Test func tabIndentation() throws {
        let error = try #require(parseError("tables:\n  medication:\n\tbatch_size: 1\n"))
        #expect(error.line == 3)
        #expect(error.message.hasPrefix("invalid YAML: "))
    }

    @Test func undefinedAlias() throws {
        let error = try #require(parseError("tables:\n  t:\n    batch_size: *size\n"))
        #expect(error.line == 3)
        #expect(error.message.contains("alias"))
    }
}
