import Testing
import TidemarkDatabase
@testable import TidemarkConfig

@Suite("column_types")
struct ColumnTypesTests {
    @Test func `each entry names a column and a logical type, with its line`() throws {
        let yaml = """
            tables:
              patient:
                primary_key: PatNum
                column_types:
                  IsHidden: smallint
                  ClockIn: time
                  Fee: numeric(12, 4)
                  Note: varchar(40)
                  Flag: BOOLEAN
            """
        let file = try TablesFile.parse(yaml, file: "od.yml")
        let overrides = try #require(file["patient"]).columnTypes
        #expect(overrides == [
            ColumnTypeOverride(column: "IsHidden", type: .smallint, file: "od.yml", line: 5),
            ColumnTypeOverride(column: "ClockIn", type: .time, file: "od.yml", line: 6),
            ColumnTypeOverride(column: "Fee", type: .numeric(precision: 12, scale: 4), file: "od.yml", line: 7),
            ColumnTypeOverride(column: "Note", type: .varchar(length: 40), file: "od.yml", line: 8),
            ColumnTypeOverride(column: "Flag", type: .boolean, file: "od.yml", line: 9),
        ])
        #expect(file.warnings.isEmpty)
        #expect(overrides[0].located("column IsHidden is not in the source table", table: "patient")
            == "od.yml:5: table 'patient', field 'column_types': column IsHidden is not in the source table")
    }

    /// Every name the README's type table uses reads back as the type it describes, so `description` (what the
    /// dry run and errors print) is always a name the user can write.
    @Test(arguments: [ColumnType.smallint, .integer, .bigint, .boolean, .numeric(precision: 0, scale: 0),
                      .numeric(precision: 12, scale: 4), .real, .double, .text, .varchar(length: 40),
                      .character(length: 2), .date, .time, .duration, .timestamp, .timestampWithTimeZone, .bytes,
                      .uuid, .json, .jsonb])
    func `every logical type's name reads back as the type`(type: ColumnType) {
        #expect(ColumnType(logicalName: type.description) == type)
    }

    @Test(arguments: ["tinyint", "varchar", "numeric(0,0)", "numeric(5,6)", "numeric(1,2,3)", "varchar(x)",
                      "integer unsigned", "text[]", "time(3)", "", "inet"])
    func `names outside the table are not types`(name: String) {
        #expect(ColumnType(logicalName: name) == nil)
    }

    @Test func `an unknown type name is an error naming file, line, table and field`() throws {
        let error = try #require(parseError(oneTable("    column_types:\n      IsHidden: tinyint(1)\n"), file: "od.yml"))
        #expect(error.line == 4)
        #expect(error.table == "t")
        #expect(error.field == "column_types")
        #expect(error.message.contains("column 'IsHidden': expected a logical type, one of smallint, integer"))
        #expect(error.message.contains("found 'tinyint(1)'"))
        #expect(error.description.hasPrefix("od.yml:4: table 't', field 'column_types': "))
    }

    @Test func `a column named twice is an error at the second, naming the first`() throws {
        let error = try #require(parseError(oneTable("    column_types:\n      A: text\n      A: bigint\n")))
        #expect(error.line == 5)
        #expect(error.message.contains("'A' appears twice in one mapping (first at line 4)"))
    }

    @Test(arguments: [("    column_types: [IsHidden]\n", 3, "expected a mapping from column name"),
                      ("    column_types:\n      IsHidden:\n", 4, "found nothing (null)"),
                      ("    column_types:\n      IsHidden: [smallint]\n", 4, "found a list"),
                      ("    column_types:\n      \"\": smallint\n", 4, "expected a column name as the key")])
    func `a malformed entry is an error with its line`(yaml: String, line: Int, message: String) throws {
        let error = try #require(parseError(oneTable(yaml)))
        #expect(error.line == line)
        #expect(error.field == "column_types")
        #expect(error.message.contains(message), "\(error.message)")
    }

    /// A shared anchor works like any field: the table's own `column_types:` replaces the merged one whole.
    @Test func `column_types merge from a defaults anchor, and a table's own replace them`() throws {
        let yaml = """
            defaults: &flags
              column_types: {IsHidden: smallint}
            tables:
              patient:
                <<: *flags
              appointment:
                <<: *flags
                column_types: {Confirmed: smallint}
            """
        let file = try TablesFile.parse(yaml, file: "tables.yml")
        #expect(file["patient"]?.columnTypes.map(\.column) == ["IsHidden"])
        #expect(file["appointment"]?.columnTypes.map(\.column) == ["Confirmed"])
        var base = TableConfig(name: "t")
        base.columnTypes = [ColumnTypeOverride(column: "A", type: .text)]
        #expect(base.merging(TableConfig(name: "t")).columnTypes == base.columnTypes)
    }

    @Test func `which changes the loader can make and verify`() {
        #expect(ColumnType.boolean.overrideRefusal(as: .smallint) == nil)
        #expect(ColumnType.smallint.overrideRefusal(as: .boolean) == nil)
        #expect(ColumnType.duration.overrideRefusal(as: .time) == nil)
        #expect(ColumnType.time.overrideRefusal(as: .text) == nil)
        #expect(ColumnType.text.overrideRefusal(as: .bigint) == nil)
        #expect(ColumnType.numeric(precision: 10, scale: 2).overrideRefusal(as: .integer) == nil)
        #expect(ColumnType.integer.overrideRefusal(as: .numeric(precision: 12, scale: 4)) == nil)
        #expect(ColumnType.bytes.overrideRefusal(as: .integer)?.contains("a bytes column cannot be loaded as integer") == true)
        #expect(ColumnType.date.overrideRefusal(as: .bigint) != nil)
        #expect(ColumnType.boolean.overrideRefusal(as: .text) != nil)
        #expect(ColumnType.double.overrideRefusal(as: .text) != nil)
        #expect(ColumnType.text.overrideRefusal(as: .character(length: 2)) != nil)
        #expect(ColumnType.timestamp.overrideRefusal(as: .text) != nil)
    }
}
