import TidemarkDatabase

/// Deterministic Open Dental-shaped source data for the loader's tests and the scenario simulator.
///
/// `medication` and `allergydef` are small hand-shaped tables that reproduce the October 2025 stale-medication
/// incident; `procedurelog` (rows updated in place) and `securitylog` (append-only) are generated from a seed
/// at any size. `Fixtures/README.md` lists every column, row count, named id and edge value.
public enum Fixtures {
    /// Open Dental's `medication`: 1090 rows, ids 1…1545 with gaps, every `DateTStamp` before the incident's
    /// watermark.
    public static func medication() -> FixtureTable {
        MedicationFixture.table
    }

    /// Open Dental's `allergydef`: 21 rows, five of which reference medications the stale target lost.
    public static func allergydef() -> FixtureTable {
        AllergyDefFixture.table
    }

    /// Open Dental's `procedurelog` shape (rows updated in place): `ProcNum` 1…`rows`, generated from `seed`.
    public static func procedurelog(rows: Int, seed: UInt64) -> FixtureTable {
        precondition(rows >= 0, "a fixture cannot have a negative row count")
        return FixtureTable(schema: ProcedureLogGenerator.schema, rowCount: rows, indexes: [["DateTStamp", "ProcNum"]]) {
            AnySequence(GeneratedRows(count: rows, initial: ProcedureLogGenerator(seed: seed)))
        }
    }

    /// `procedurelog` widened to 30 columns: its 12, then its 11 non-key columns again and the first 7 of them a
    /// third time (`PatNum_2`, …, `PatNum_3`, …), holding the same row's values. A row costs about 2.5 times
    /// procedurelog's value work and nothing else differs: the benchmark's width case.
    public static func wideProcedurelog(rows: Int, seed: UInt64) -> FixtureTable {
        let narrow = procedurelog(rows: rows, seed: seed)
        let repeated = Array(1...11) + Array(1...7)
        let columns = narrow.schema.columns
        let extra = repeated.enumerated().map { i, source in
            ColumnDefinition("\(columns[source].name)_\(i < 11 ? 2 : 3)", columns[source].type,
                             nullable: columns[source].isNullable)
        }
        let schema = TableSchema(name: narrow.schema.name, columns: columns + extra, primaryKey: narrow.schema.primaryKey)
        return FixtureTable(schema: schema, rowCount: rows, indexes: narrow.indexes) {
            AnySequence(narrow.rows().lazy.map { row in row + repeated.map { row[$0] } })
        }
    }

    /// Open Dental's `securitylog` shape (append-only, `LogDateTime` never decreasing with the id):
    /// `SecurityLogNum` 1…`rows`, generated from `seed`.
    public static func securitylog(rows: Int, seed: UInt64) -> FixtureTable {
        precondition(rows >= 0, "a fixture cannot have a negative row count")
        return FixtureTable(schema: SecurityLogGenerator.schema, rowCount: rows) {
            AnySequence(GeneratedRows(count: rows, initial: SecurityLogGenerator(seed: seed)))
        }
    }

    /// One column per logical type, declared and stored as other tools do on each engine: `id` 1…`rows`,
    /// generated from `seed` (see ``TypeZooGenerator``).
    public static func typezoo(rows: Int, seed: UInt64) -> FixtureTable {
        precondition(rows >= 0, "a fixture cannot have a negative row count")
        return FixtureTable(schema: TypeZooGenerator.schema, rowCount: rows, declaredTypes: TypeZooGenerator.declarations) {
            AnySequence(GeneratedRows(count: rows, initial: TypeZooGenerator(seed: seed)))
        }
    }

    /// Open Dental's MySQL column types with edge values, for a MariaDB source (see ``OpenDentalTypesGenerator``).
    public static func odtypes(rows: Int, seed: UInt64) -> FixtureTable {
        precondition(rows >= 0, "a fixture cannot have a negative row count")
        return FixtureTable(schema: OpenDentalTypesGenerator.schema, rowCount: rows,
                            declaredTypes: OpenDentalTypesGenerator.declarations) {
            AnySequence(GeneratedRows(count: rows, initial: OpenDentalTypesGenerator(seed: seed)))
        }
    }

    /// A link/audit table without a primary key: 302 rows, most of them in groups of identical copies.
    public static func auditlink() -> FixtureTable {
        AuditLinkFixture.table
    }

    /// A table with a three-column primary key of mixed types, `(ClaimNum, Category, LineNum)`, six rows to each
    /// `ClaimNum` (see ``ClaimLineFixture``).
    public static func claimline(rows: Int) -> FixtureTable {
        precondition(rows >= 0, "a fixture cannot have a negative row count")
        return ClaimLineFixture.table(rows: rows)
    }

    /// Creates the table (in `schema` on PostgreSQL, nil = unqualified) and bulk-inserts all rows.
    ///
    /// Without `schema` the table's own name is used; on PostgreSQL a schema that does not exist yet is created.
    /// SQLite has no schemas, so there the table is always created unqualified. The table must not already hold
    /// rows with the fixture's keys: the insert is all-or-nothing.
    public static func install(_ table: FixtureTable, into db: any Connection, schema: String? = nil) throws {
        let name = db.dialect.table(table.schema.name.name, schema: schema ?? table.schema.name.schema)
        try db.createSchemaIfMissing(name.schema)
        if let declared = table.declaredTypes[db.engine] {
            let columns = zip(table.columnNames, declared).map { quoteIdentifier($0) + " " + $1 }
            try db.execute("CREATE TABLE \(name.quoted) (\(columns.joined(separator: ", ")), "
                + "PRIMARY KEY (\(quoteIdentifiers(table.schema.primaryKey))))")
        } else {
            try db.createTable(TableSchema(name: name, columns: table.schema.columns, primaryKey: table.schema.primaryKey))
        }
        let inserted = try db.bulkInsert(into: name, columns: table.columnNames, rows: table.rows())
        guard inserted == table.rowCount else {
            throw FixtureError("installing \(name) wrote \(inserted) rows, expected \(table.rowCount)")
        }
        for columns in table.indexes {
            let index = ([name.name] + columns + ["idx"]).joined(separator: "_")
            try db.execute("CREATE INDEX \(quoteIdentifier(index)) ON \(name.quoted) (\(quoteIdentifiers(columns)))")
        }
    }

    // MARK: The incident

    /// `last_primary_value` in the stale tracking row: the highest `MedicationNum` in the source.
    public static let incidentWatermarkKey: Int64 = 1545

    /// `_loaded_at` in the stale tracking row; no medication row is stamped later.
    public static let incidentWatermarkTimestamp = LocalTimestamp(
        year: 2025, month: 10, day: 11, hour: 23, minute: 10, second: 58, microsecond: 906_547)

    /// The medication ids the stale analytics table still held.
    public static let incidentSurvivingIDs: [Int64] = [171, 1542, 1543, 1544, 1545]

    /// The medication ids `allergydef` references that the stale analytics table had lost.
    public static let incidentMissingReferencedIDs: [Int64] = [100, 137, 360, 630, 1515]
}
