import Testing
import TidemarkDrivers
import TidemarkFixtures
import TidemarkSimulator
import TidemarkTestSupport

/// The oracle against deliberately wrong targets: each kind of damage must be caught, on both engines.
@Suite struct OracleTests {
    enum Damage: String, CaseIterable, Sendable {
        case missingRow, extraRow, changedValue, timestampOffByOneMicrosecond, decimalWithAnotherScale, emptyInsteadOfNull,
            nullInsteadOfEmpty, missingColumn
    }

    static let schema = TableSchema(name: TableName("t"), columns: [
        ColumnDefinition("id", .bigint, nullable: false), ColumnDefinition("name", .text),
        ColumnDefinition("ts", .timestamp), ColumnDefinition("fee", .numeric(precision: 0, scale: 0)),
        ColumnDefinition("note", .text),
    ], primaryKey: ["id"])

    static func rows() -> [[Value]] {
        (1...50).map { i in
            [.integer(Int64(i)), .text("name \(i)"),
             .timestamp(LocalTimestamp(year: 2025, month: 1, day: 1 + i % 28, hour: 1, minute: 2, second: 3, microsecond: 500_000)),
             .decimal(ExactDecimal("\(i).50")!), i % 2 == 0 ? .null : .text("")]
        }
    }

    @Test(arguments: TestDatabases.engines, Damage.allCases)
    func `every kind of damage is caught`(engine: Engine, damage: Damage) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            let source = TableName("source_t")
            let target = TableName("target_t")
            for name in [source, target] {
                try db.createTable(TableSchema(name: name, columns: Self.schema.columns, primaryKey: ["id"]))
                _ = try db.bulkInsert(into: name, columns: Self.schema.columns.map(\.name), rows: Self.rows())
            }
            #expect(try Oracle.compare(source: db, source, target: db, target, key: ["id"]).isEmpty)

            let e = db.engine
            switch damage {
            case .missingRow: try db.execute("DELETE FROM target_t WHERE id = 7")
            case .extraRow: _ = try db.bulkInsert(into: target, columns: ["id", "name"], rows: [[99, "phantom"]])
            case .changedValue: try db.execute("UPDATE target_t SET name = 'other' WHERE id = 7")
            case .timestampOffByOneMicrosecond:
                try db.execute("UPDATE target_t SET ts = \(e.placeholder(1)) WHERE id = 7",
                               [.timestamp(LocalTimestamp(year: 2025, month: 1, day: 8, hour: 1, minute: 2, second: 3, microsecond: 500_001))])
            case .decimalWithAnotherScale:
                try db.execute("UPDATE target_t SET fee = \(e.placeholder(1)) WHERE id = 7", [.decimal(ExactDecimal("7.5")!)])
            case .emptyInsteadOfNull: try db.execute("UPDATE target_t SET note = '' WHERE id = 8")
            case .nullInsteadOfEmpty: try db.execute("UPDATE target_t SET note = NULL WHERE id = 7")
            case .missingColumn: try db.execute("ALTER TABLE target_t DROP COLUMN note")
            }
            let difference = try Oracle.compare(source: db, source, target: db, target, key: ["id"])
            #expect(!difference.isEmpty)
            switch damage {
            case .missingRow: #expect(difference.missing == ["i7"])
            case .extraRow: #expect(difference.extra == ["i99"])
            case .missingColumn: #expect(difference.missingColumns == ["note"])
            case .emptyInsteadOfNull: #expect(difference.changed == ["i8"])
            default: #expect(difference.changed == ["i7"])
            }
        }
    }

    @Test(arguments: TestDatabases.engines)
    func `a table without a key is compared as a multiset: each missing or surplus copy counts`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            let source = TableName("source_k")
            let target = TableName("target_k")
            let columns = Self.schema.columns.map { ColumnDefinition($0.name, $0.type) }
            for name in [source, target] {
                try db.createTable(TableSchema(name: name, columns: columns, primaryKey: []))
                _ = try db.bulkInsert(into: name, columns: columns.map(\.name), rows: Self.rows() + Self.rows().prefix(3))
            }
            #expect(try Oracle.compare(source: db, source, target: db, target, key: ["id"]).isEmpty)
            let sameFingerprint = try Oracle.fingerprint(db, source, key: ["id"]) == Oracle.fingerprint(db, target, key: ["id"])
            #expect(sameFingerprint)
            // One copy of id 2 gone, one more copy of id 7: the counts match, the content does not.
            try db.execute("DELETE FROM target_k WHERE \(db.dialect.rowLocator!.select) IN "
                + "(SELECT \(db.dialect.rowLocator!.select) FROM target_k WHERE id = 2 LIMIT 1)")
            try db.execute("INSERT INTO target_k SELECT * FROM target_k WHERE id = 7")
            let difference = try Oracle.compare(source: db, source, target: db, target, key: ["id"])
            #expect(difference.missing == ["i2·1"])
            #expect(difference.extra == ["i7·1"])
            #expect(try Oracle.fingerprint(db, source, key: ["id"]) != Oracle.fingerprint(db, target, key: ["id"]))
        }
    }

    @Test func `canonical values keep kinds, scale and microseconds apart`() {
        #expect(Oracle.canonical(.null) != Oracle.canonical(.text("")))
        #expect(Oracle.canonical(.integer(1)) != Oracle.canonical(.boolean(true)))
        #expect(Oracle.canonical(.decimal(ExactDecimal("1.5")!)) != Oracle.canonical(.decimal(ExactDecimal("1.50")!)))
        #expect(Oracle.canonical(.text("1")) != Oracle.canonical(.integer(1)))
        #expect(Oracle.canonical(.double(0.0)) != Oracle.canonical(.double(-0.0)))
    }
}

/// A table's `column_types:` changes what the oracle reads a column as, on both sides.
@Suite struct OracleLoadedAsTests {
    @Test(arguments: TestDatabases.engines)
    func `a column is compared in its overridden meaning`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            try db.createTable(TableSchema(name: TableName("source_t"), columns: [
                ColumnDefinition("id", .bigint, nullable: false), ColumnDefinition("code", .text)], primaryKey: ["id"]))
            try db.createTable(TableSchema(name: TableName("target_t"), columns: [
                ColumnDefinition("id", .bigint, nullable: false), ColumnDefinition("code", .bigint)], primaryKey: ["id"]))
            _ = try db.bulkInsert(into: TableName("source_t"), columns: ["id", "code"], rows: [[1, " 7"], [2, "12"], [3, .null]])
            _ = try db.bulkInsert(into: TableName("target_t"), columns: ["id", "code"], rows: [[1, 7], [2, 12], [3, .null]])
            let asText = try Oracle.compare(source: db, TableName("source_t"), target: db, TableName("target_t"), key: ["id"])
            #expect(asText.changed == ["i1"])
            #expect(try Oracle.compare(source: db, TableName("source_t"), target: db, TableName("target_t"), key: ["id"],
                                       loadedAs: ["code": "bigint"]).isEmpty)
            try db.execute("UPDATE target_t SET code = 13 WHERE id = 2")
            #expect(try Oracle.compare(source: db, TableName("source_t"), target: db, TableName("target_t"), key: ["id"],
                                       loadedAs: ["code": "bigint"]).changed == ["i2"])
        }
    }
}
