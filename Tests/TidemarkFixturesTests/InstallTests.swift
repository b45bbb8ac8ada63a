import Foundation
import Testing
import TidemarkDrivers
import TidemarkFixtures
import TidemarkTestSupport

/// Installing fixtures into real SQLite files and a real PostgreSQL server.
@Suite struct InstallTests {
    @Test(arguments: TestDatabases.engines, FixtureCheck.installable)
    func `installed rows read back equal to the fixture`(engine: Engine, name: String) throws {
        let table = FixtureCheck.fixture(name)
        try TestDatabases.withConnection(engine) { db, _ in
            try Fixtures.install(table, into: db)
            #expect(try db.columns(of: table.schema.name).map(\.name) == table.columnNames)
            #expect(try db.columns(of: table.schema.name).map(\.type) == table.schema.columns.map(\.type))
            #expect(try db.primaryKey(of: table.schema.name) == table.schema.primaryKey)
            let back = try FixtureCheck.readBack(db, table.schema.name, orderBy: table.schema.primaryKey)
            let expected = Array(table.rows())
            #expect(back.count == table.rowCount)
            let firstDifference = zip(back, expected).first { $0 != $1 }
            #expect(firstDifference == nil, "first differing row: \(String(describing: firstDifference))")
            #expect(back == expected)
        }
    }

    @Test(arguments: TestDatabases.engines)
    func `the incident's incremental read returns 0 rows`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            try Fixtures.install(Fixtures.medication(), into: db)
            let watermark = Value.timestamp(Fixtures.incidentWatermarkTimestamp)
            #expect(try db.scalar("SELECT count(*) FROM medication") == 1090)
            #expect(try db.scalar("SELECT max(\"MedicationNum\") FROM medication") == 1545)
            #expect(try db.scalar(engine.sql("SELECT count(*) FROM medication WHERE \"DateTStamp\" > ?1"),
                                  [watermark]) == 0)
            let incidentWhere = engine.sql(
                "SELECT count(*) FROM medication WHERE \"MedicationNum\" > ?1 OR (\"DateTStamp\" > ?2 AND \"DateTStamp\" != ?3)")
            #expect(try db.scalar(incidentWhere, [.integer(Fixtures.incidentWatermarkKey), watermark,
                                                  .timestamp(.zeroDate)]) == 0)
            // The bound compares like time on both engines: an earlier bound does select the recent rows.
            let recent = try db.query(engine.sql(
                "SELECT \"MedicationNum\" FROM medication WHERE \"DateTStamp\" > ?1 ORDER BY \"MedicationNum\""),
                [.timestamp(LocalTimestamp("2025-10-06 20:04:51")!)])
            #expect(recent.map { $0[0].int64! } == Fixtures.incidentSurvivingIDs)
            #expect(try db.scalar("SELECT count(*) FROM medication WHERE \"DateTStamp\" IS NULL") == 3)
            #expect(try db.scalar(engine.sql("SELECT count(*) FROM medication WHERE \"DateTStamp\" = ?1"),
                                  [.timestamp(.zeroDate)]) == 4)
            #expect(try db.scalar("SELECT count(*) FROM medication WHERE \"Notes\" = ''")!.int64! > 500)
            #expect(try db.scalar("SELECT count(*) FROM medication WHERE \"Notes\" IS NULL")!.int64! > 2)
        }
    }

    @Test(arguments: TestDatabases.engines)
    func `the stale state breaks exactly the five allergydef references`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            try Fixtures.install(Fixtures.medication(), into: db)
            try Fixtures.install(Fixtures.allergydef(), into: db)
            let orphans = """
                SELECT a."MedicationNum" FROM allergydef a
                WHERE a."MedicationNum" != 0
                  AND NOT EXISTS (SELECT 1 FROM medication m WHERE m."MedicationNum" = a."MedicationNum")
                ORDER BY a."MedicationNum"
                """
            #expect(try db.query(orphans).isEmpty)
            // Keep only the rows the stale analytics table held.
            let survivors = Fixtures.incidentSurvivingIDs.map(String.init).joined(separator: ", ")
            #expect(try db.execute("DELETE FROM medication WHERE \"MedicationNum\" NOT IN (\(survivors))") == 1085)
            #expect(try db.query(orphans).map { $0[0].int64! } == Fixtures.incidentMissingReferencedIDs)
        }
    }

    @Test(arguments: TestDatabases.engines)
    func `withName installs the same rows under another name`(engine: Engine) throws {
        let original = Fixtures.allergydef()
        let renamed = original.withName(TableName("allergydef_copy"))
        #expect(renamed.schema.name == TableName("allergydef_copy"))
        #expect(renamed.schema.columns == original.schema.columns)
        #expect(renamed.schema.primaryKey == original.schema.primaryKey)
        #expect(renamed.rowCount == original.rowCount)
        #expect(Array(renamed.rows()) == Array(original.rows()))
        try TestDatabases.withConnection(engine) { db, _ in
            try Fixtures.install(original, into: db)
            try Fixtures.install(renamed, into: db)
            #expect(try FixtureCheck.readBack(db, TableName("allergydef_copy"), orderBy: ["AllergyDefNum"])
                == FixtureCheck.readBack(db, TableName("allergydef"), orderBy: ["AllergyDefNum"]))
        }
    }

    @Test func `on PostgreSQL install puts the table in the named schema`() throws {
        try TestDatabases.withConnection(.postgres) { db, _ in
            let schema = "fx_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(12)
            defer { _ = try? db.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(schema)) CASCADE") }
            try Fixtures.install(Fixtures.allergydef(), into: db, schema: schema)
            #expect(try db.tableNames(schema: schema) == ["allergydef"])
            #expect(try db.tableExists(TableName("allergydef")) == false)
            #expect(try db.scalar("SELECT count(*) FROM \(TableName("allergydef", schema: schema).quoted)") == 21)
            // A schema given by the table's own name works the same way.
            try Fixtures.install(Fixtures.securitylog(rows: 100, seed: 1).withName(TableName("log", schema: schema)),
                                 into: db)
            #expect(try db.scalar("SELECT count(*) FROM \(TableName("log", schema: schema).quoted)") == 100)
        }
    }

    @Test func `on SQLite a schema is ignored`() throws {
        try TestDatabases.withConnection(.sqlite) { db, _ in
            try Fixtures.install(Fixtures.allergydef(), into: db, schema: "raw")
            #expect(try db.scalar("SELECT count(*) FROM allergydef") == 21)
        }
    }

    @Test(arguments: TestDatabases.engines)
    func `installing over existing rows fails and writes nothing more`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            let table = Fixtures.procedurelog(rows: 500, seed: 9)
            try Fixtures.install(table, into: db)
            #expect(throws: DatabaseError.self) { try Fixtures.install(table, into: db) }
            #expect(try db.scalar("SELECT count(*) FROM procedurelog") == 500)
        }
    }
}
