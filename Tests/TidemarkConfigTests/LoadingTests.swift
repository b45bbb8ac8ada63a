import Foundation
import Testing
@testable import TidemarkConfig

@Suite("Loading files")
struct LoadingTests {
    @Test func missingFile() throws {
        let directory = try TemporaryDirectory()
        let path = directory.url.appendingPathComponent("nope.yml").path
        let error = try #require(#expect(throws: ConfigError.self) { try TablesFile.load(path: path) })
        #expect(error.file == path)
        #expect(error.line == nil)
        #expect(error.message == "cannot open the file: No such file or directory")
        #expect(error.description == "\(path): cannot open the file: No such file or directory")
    }

    @Test func directoryInsteadOfFile() throws {
        let directory = try TemporaryDirectory()
        let error = try #require(#expect(throws: ConfigError.self) {
            try TablesFile.load(path: directory.url.path)
        })
        #expect(error.file == directory.url.path)
        #expect(error.message.contains("Is a directory"))
    }

    @Test func notUTF8() throws {
        let directory = try TemporaryDirectory()
        let url = directory.url.appendingPathComponent("latin1.yml")
        try Data([0x74, 0x61, 0x62, 0x6C, 0x65, 0x73, 0x3A, 0x20, 0xE9, 0x0A]).write(to: url)
        let error = try #require(#expect(throws: ConfigError.self) { try TablesFile.load(path: url.path) })
        #expect(error.message == "the file is not valid UTF-8 text")
    }

    /// Errors from a loaded file carry the path it was loaded from.
    @Test func errorsNameThePath() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("tables.yml", "tables:\n  medication:\n    policy: sometimes\n")
        let error = try #require(#expect(throws: ConfigError.self) { try TablesFile.load(path: path) })
        #expect(error.file == path)
        #expect(error.description.hasPrefix("\(path):3: table 'medication', field 'policy': "))
    }

    @Test func warningsNameThePath() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("tables.yml", "tables:\n  medication:\n    owner: data-team\n")
        let file = try TablesFile.load(path: path)
        #expect(file.warnings.map(\.description)
            == ["\(path):3: table 'medication', field 'owner': unknown field, ignored"])
    }

    /// The package's own `Fixtures/tables.yml`, which the loader and simulator run against.
    @Test func packageFixture() throws {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("Fixtures/tables.yml").path
        let file = try TablesFile.load(path: path)
        #expect(file.warnings.isEmpty)
        #expect(file.tables.map(\.name) == ["medication", "allergydef", "procedurelog", "securitylog", "typezoo", "auditlink", "claimline"])
        #expect(file["claimline"]?.primaryKey == ["ClaimNum", "Category", "LineNum"])

        var medication = TableConfig(name: "medication")
        medication.primaryKey = ["MedicationNum"]
        medication.incrementalColumns = ["MedicationNum", "DateTStamp"]
        medication.incrementalStrategy = .orLogic
        medication.primaryIncrementalColumn = "MedicationNum"
        medication.batchSize = 10000
        medication.estimatedRows = 1090
        medication.estimatedSizeMB = 0.11
        medication.performanceCategory = "tiny"
        #expect(file["medication"] == medication)

        let allergydef = try #require(file["allergydef"])
        #expect(allergydef.primaryKey == ["AllergyDefNum"])
        #expect(allergydef.incrementalColumns == ["AllergyDefNum"])
        #expect(allergydef.incrementalStrategy == .singleColumn)
        #expect(allergydef.estimatedRows == 21)
        #expect(allergydef.relationships == [
            Relationship(column: "MedicationNum", parentTable: "medication", parentColumn: "MedicationNum",
                         filter: "MedicationNum != 0"),
        ])

        let procedurelog = try #require(file["procedurelog"])
        #expect(procedurelog.primaryKey == ["ProcNum"])
        #expect(procedurelog.incrementalColumns == ["ProcNum", "DateTStamp"])
        #expect(procedurelog.incrementalStrategy == .orLogic)
        #expect(procedurelog.primaryIncrementalColumn == "ProcNum")
        #expect(procedurelog.syncProfile == .inPlaceUpdates)
        #expect(procedurelog.batchSize == 35000)
        #expect(procedurelog.estimatedRows == 100_000)

        let securitylog = try #require(file["securitylog"])
        #expect(securitylog.primaryKey == ["SecurityLogNum"])
        #expect(securitylog.incrementalColumns == ["SecurityLogNum", "LogDateTime"])
        #expect(securitylog.incrementalStrategy == .orLogic)
        #expect(securitylog.syncProfile == .appendOnly)
        #expect(securitylog.batchSize == 100_000)
        #expect(securitylog.estimatedRows == 200_000)
    }
}
