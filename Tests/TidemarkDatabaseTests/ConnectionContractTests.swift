import Foundation
import Testing
import TidemarkDrivers
import TidemarkTestSupport

/// One contract, run against every driver: what the loader and the simulator rely on. Where MySQL cannot
/// hold a value as the others do (an unconstrained numeric), the expectation says so.
@Suite struct ConnectionContractTests {
    static let allTypes = TableSchema(
        name: TableName("all_types"),
        columns: [
            ColumnDefinition("id", .bigint, nullable: false), ColumnDefinition("i", .integer),
            ColumnDefinition("s", .smallint), ColumnDefinition("b", .boolean),
            ColumnDefinition("n", .numeric(precision: 0, scale: 0)), ColumnDefinition("n2", .numeric(precision: 12, scale: 2)),
            ColumnDefinition("d", .double), ColumnDefinition("t", .text), ColumnDefinition("v", .varchar(length: 255)),
            ColumnDefinition("dt", .date), ColumnDefinition("ts", .timestamp), ColumnDefinition("bin", .bytes),
        ],
        primaryKey: ["id"])

    /// Rows covering the edges of every value type.
    static func edgeRows() -> [[Value]] {
        let big = String(repeating: "lorem ipsum ✓ ", count: 80_000)  // ~1.2 MB
        func dec(_ s: String) -> Value { .decimal(ExactDecimal(s)!) }
        func ts(_ s: String) -> Value { .timestamp(LocalTimestamp(s)!) }
        return [
            [1, .integer(Int64(Int32.max)), .integer(Int64(Int16.max)), true, dec("12.50"), dec("12.50"), 0.1,
             "", "", .date(LocalDate("2025-10-11")!), ts("2025-10-11 23:10:58.906547"), .bytes([])],
            [2, .integer(Int64(Int32.min)), .integer(Int64(Int16.min)), false, dec("-0.000001"), dec("-99.99"),
             -1.5e-300, "it's \"quoted\"\nnew\tline\\back\rslash", "Amoxicillin", .date(LocalDate("0001-01-01")!),
             ts("0001-01-01 00:00:00"), .bytes([0, 1, 2, 255, 92, 9, 10])],
            [3, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil],
            [.integer(Int64.max), 0, 0, true, dec("123456789012345678901234567890.123456789"), dec("0.00"),
             .double(Double.greatestFiniteMagnitude), "emoji 😀🦷 and 中文 and é", "Vyndamax®",
             .date(LocalDate("2099-12-31")!), ts("2024-02-29 00:00:00.000001"), .bytes(Array("\\x00".utf8))],
            [.integer(Int64.min), 1, 1, false, dec("0"), dec("1.00"), .double(-0.0), .text(big), "NULL",
             .date(LocalDate("1970-01-01")!), ts("1999-12-31 23:59:59.999999"), .bytes([UInt8](repeating: 7, count: 70_000))],
        ]
    }

    static func generatedRow(_ i: Int) -> [Value] {
        let n = Int64(i)
        var row: [Value] = [.integer(n), .integer(n % 1000), .integer(n % 7), .boolean(i % 2 == 0)]
        row.append(.decimal(ExactDecimal("\(i).\(i % 100)")!))
        row.append(.decimal(ExactDecimal("\(i % 1000).\(10 + i % 90)")!))
        row.append(.double(Double(i) / 3))
        row.append(.text("row \(i)\t\\ \"q\" \(i % 13 == 0 ? "\n" : "")é"))
        row.append(i % 5 == 0 ? .null : .text(""))
        row.append(.date(LocalDate(year: 2000 + i % 30, month: 1 + i % 12, day: 1 + i % 28)))
        let stamp = LocalTimestamp(year: 2020, month: 1 + i % 12, day: 1 + i % 28, hour: i % 24, minute: i % 60,
                                   second: i % 60, microsecond: i % 1_000_000)
        row.append(.timestamp(stamp))
        row.append(.bytes([UInt8(i % 256), 0, 10]))
        return row
    }

    /// MySQL has no unconstrained numeric: the dialect's DECIMAL(65,30) keeps every digit, with 30 after the
    /// point.
    /// What introspection reports for a column created as `type`: on MySQL an unconstrained numeric has scale
    /// 30; on SQLite every integer declaration holds 64 bits.
    static func storedType(_ type: ColumnType, engine: Engine) -> ColumnType {
        if engine == .mysql, type == .numeric(precision: 0, scale: 0) { return .numeric(precision: 65, scale: 30) }
        if engine == .sqlite, type == .integer { return .bigint }
        return type
    }

    /// A row as `engine` reads it back from `allTypes`: on MySQL, the unconstrained numeric (`n`) with scale 30.
    static func asStored(_ row: [Value], engine: Engine) -> [Value] {
        guard engine == .mysql, case .decimal(let d) = row[4] else { return row }
        var stored = row
        let digits = d.description + (d.scale == 0 ? "." : "") + String(repeating: "0", count: 30 - d.scale)
        stored[4] = .decimal(ExactDecimal(digits)!)
        return stored
    }

    static func readAll(_ db: any Connection) throws -> [[Value]] {
        try db.query("SELECT * FROM \(allTypes.name.quoted) ORDER BY \(quoteIdentifier("id"))").map(\.values)
    }

    static func sortedByID(_ rows: [[Value]]) -> [[Value]] {
        rows.sorted { ($0[0].int64 ?? 0) < ($1[0].int64 ?? 0) }
    }

    @Test(arguments: TestDatabases.drivers)
    func `every value type round-trips through bound parameters`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            try db.createTable(Self.allTypes)
            let columns = Self.allTypes.columns.map(\.name)
            let sql = "INSERT INTO \(Self.allTypes.name.quoted) (\(quoteIdentifiers(columns))) VALUES ("
                + (1...columns.count).map(engine.placeholder).joined(separator: ", ") + ")"
            for row in Self.edgeRows() { #expect(try db.execute(sql, row) == 1) }
            let back = try Self.readAll(db)
            let expected = Self.sortedByID(Self.edgeRows()).map { Self.asStored($0, engine: engine) }
            #expect(back.count == expected.count)
            for (got, want) in zip(back, expected) {
                for (i, (g, w)) in zip(got, want).enumerated() {
                    #expect(g == w, "column \(columns[i]) of id \(want[0])")
                }
            }
            // NULL and '' stay distinct.
            #expect(try db.scalar("SELECT count(*) FROM all_types WHERE t = ?1".placeholders(engine), [""]) == 1)
            #expect(try db.scalar("SELECT count(*) FROM all_types WHERE t IS NULL") == 1)
        }
    }

    @Test(arguments: TestDatabases.drivers)
    func `bulk insert (COPY on PostgreSQL) writes exactly what row inserts write`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            try db.createTable(Self.allTypes)
            let copied = TableSchema(name: TableName("copied"), columns: Self.allTypes.columns, primaryKey: ["id"])
            try db.createTable(copied)
            let columns = Self.allTypes.columns.map(\.name)
            let edge = Self.edgeRows()
            let generated = (10..<100_010).map(Self.generatedRow)
            let all = edge + generated
            #expect(try db.bulkInsert(into: copied.name, columns: columns, rows: all) == all.count)
            let sql = "INSERT INTO \(Self.allTypes.name.quoted) (\(quoteIdentifiers(columns))) VALUES ("
                + (1...columns.count).map(engine.placeholder).joined(separator: ", ") + ")"
            let insert = try db.prepare(sql)
            try db.transaction { for row in all { try insert.execute(row) } }
            let viaInsert = try Self.readAll(db)
            let viaBulk = try db.query("SELECT * FROM copied ORDER BY id").map(\.values)
            #expect(viaBulk.count == 100_005)
            #expect(viaBulk == viaInsert)
            #expect(viaBulk == Self.sortedByID(all).map { Self.asStored($0, engine: engine) })
        }
    }

    @Test(arguments: TestDatabases.drivers)
    func `a failing bulk insert writes nothing`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            try db.createTable(TableSchema(name: TableName("k"), columns: [ColumnDefinition("id", .bigint)],
                                           primaryKey: ["id"]))
            #expect(throws: DatabaseError.self) {
                try db.bulkInsert(into: TableName("k"), columns: ["id"], rows: [[1], [2], [1]])
            }
            #expect(try db.scalar("SELECT count(*) FROM k") == 0)
            // The connection is still usable afterwards.
            #expect(try db.bulkInsert(into: TableName("k"), columns: ["id"], rows: [[1], [2]]) == 2)
        }
    }

    @Test(arguments: TestDatabases.drivers)
    func `hostile identifiers work everywhere`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            let names = ["order", "Mixed Case", "a\"b", "médication ✓"]
            for name in names {
                let schema = TableSchema(
                    name: TableName(name),
                    columns: [ColumnDefinition("select", .bigint, nullable: false), ColumnDefinition(name, .text),
                              ColumnDefinition("Group By", .timestamp)],
                    primaryKey: ["select"])
                try db.createTable(schema)
                try db.execute("INSERT INTO \(TableName(name).quoted) (\(quoteIdentifiers(["select", name]))) "
                    + "VALUES (\(engine.placeholder(1)), \(engine.placeholder(2)))", [1, .text(name)])
                _ = try db.bulkInsert(into: TableName(name), columns: ["select", name], rows: [[2, "x"]])
                #expect(try db.scalar("SELECT \(quoteIdentifier(name)) FROM \(TableName(name).quoted) WHERE "
                    + "\(quoteIdentifier("select")) = 1") == .text(name))
                #expect(try db.columns(of: TableName(name)).map(\.name) == ["select", name, "Group By"])
                #expect(try db.primaryKey(of: TableName(name)) == ["select"])
            }
            #expect(Set(try db.tableNames(schema: try currentSchema(db))).isSuperset(of: names))
        }
    }

    @Test(arguments: TestDatabases.drivers)
    func `streaming hands 200k rows over in batches`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            try db.createTable(TableSchema(name: TableName("big"),
                columns: [ColumnDefinition("id", .bigint), ColumnDefinition("payload", .text)], primaryKey: ["id"]))
            _ = try db.bulkInsert(into: TableName("big"), columns: ["id", "payload"],
                                  rows: (1...200_000).lazy.map { [.integer(Int64($0)), .text("payload \($0)")] })
            var rows = 0
            var batches = 0
            var largestBatch = 0
            var lastID: Int64 = 0
            var ordered = true
            try db.stream("SELECT id, payload FROM big ORDER BY id", [], batchSize: 1000) { batch in
                batches += 1
                rows += batch.count
                largestBatch = max(largestBatch, batch.count)
                for row in batch {
                    if row[0].int64! <= lastID { ordered = false }
                    lastID = row[0].int64!
                }
            }
            #expect(rows == 200_000)
            #expect(batches == 200)
            #expect(largestBatch == 1000)
            #expect(ordered)
        }
    }

    @Test(arguments: TestDatabases.drivers)
    func `an abandoned stream leaves the connection usable`(engine: Engine) throws {
        struct Stop: Error {}
        try TestDatabases.withConnection(engine) { db, _ in
            try db.createTable(TableSchema(name: TableName("big"), columns: [ColumnDefinition("id", .bigint)],
                                           primaryKey: ["id"]))
            _ = try db.bulkInsert(into: TableName("big"), columns: ["id"], rows: (1...50_000).lazy.map { [.integer(Int64($0))] })
            var seen = 0
            #expect(throws: Stop.self) {
                try db.stream("SELECT id FROM big ORDER BY id", [], batchSize: 100) { batch in
                    seen += batch.count
                    throw Stop()
                }
            }
            #expect(seen == 100)
            #expect(try db.scalar("SELECT count(*) FROM big") == 50_000)
        }
    }

    @Test(arguments: TestDatabases.drivers)
    func `rollback leaves nothing and savepoints nest`(engine: Engine) throws {
        struct Boom: Error {}
        try TestDatabases.withConnection(engine) { db, _ in
            try db.createTable(TableSchema(name: TableName("tx"), columns: [ColumnDefinition("id", .bigint)],
                                           primaryKey: ["id"]))
            #expect(throws: Boom.self) {
                try db.transaction {
                    try db.execute("INSERT INTO tx (id) VALUES (1)")
                    _ = try db.bulkInsert(into: TableName("tx"), columns: ["id"], rows: [[2], [3]])
                    throw Boom()
                }
            }
            #expect(try db.scalar("SELECT count(*) FROM tx") == 0)
            #expect(!db.isInTransaction)

            let innerFailed = try db.transaction {
                try db.execute("INSERT INTO tx (id) VALUES (10)")
                let rolledBack = fails {
                    try db.transaction {
                        try db.execute("INSERT INTO tx (id) VALUES (11)")
                        throw Boom()
                    }
                }
                // A failed statement inside a savepoint does not poison the outer transaction.
                let rejected = fails { _ = try db.transaction { try db.execute("INSERT INTO tx (id) VALUES (10)") } }
                try db.transaction { try db.execute("INSERT INTO tx (id) VALUES (12)") }
                return rolledBack && rejected
            }
            #expect(innerFailed)
            #expect(try db.query("SELECT id FROM tx ORDER BY id").map { $0[0] } == [10, 12])
        }
    }

    @Test(arguments: TestDatabases.drivers)
    func `a read snapshot does not see later commits`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, url in
            try db.createTable(TableSchema(name: TableName("snap"), columns: [ColumnDefinition("id", .bigint)],
                                           primaryKey: ["id"]))
            try db.execute("INSERT INTO snap (id) VALUES (1)")
            if engine == .sqlite { try db.execute("PRAGMA journal_mode=WAL") }
            let writer = try openConnection(url)
            try db.readSnapshot {
                #expect(try db.scalar("SELECT count(*) FROM snap") == 1)
                try writer.execute("INSERT INTO snap (id) VALUES (2)")
                #expect(try db.scalar("SELECT count(*) FROM snap") == 1)
            }
            #expect(try db.scalar("SELECT count(*) FROM snap") == 2)
        }
    }

    @Test(arguments: TestDatabases.drivers)
    func `errors carry their code and never the bound values`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            try db.createTable(TableSchema(name: TableName("u"),
                columns: [ColumnDefinition("id", .bigint), ColumnDefinition("secret", .text)], primaryKey: ["id"]))
            let sql = "INSERT INTO u (id, secret) VALUES (\(engine.placeholder(1)), \(engine.placeholder(2)))"
            try db.execute(sql, [1, "hunter2-first"])
            let error = try #require(throws: DatabaseError.self) { try db.execute(sql, [1, "hunter2-second"]) }
            #expect(error.isUniqueViolation)
            #expect(error.kind == .statement)
            #expect(error.code == ["postgres": "23505", "sqlite": "1555", "mysql": "1062"][engine.rawValue])
            #expect(error.sql == sql)
            #expect(!String(describing: error).contains("hunter2"))
            #expect(!error.debugText.contains("hunter2"))

            let missing = try #require(throws: DatabaseError.self) { try db.query("SELECT * FROM no_such_table") }
            #expect(missing.isUndefinedTable)

            let arity = try #require(throws: DatabaseError.self) { try db.execute(sql, [1]) }
            #expect(arity.kind == (engine == .postgres ? .statement : .usage))
        }
    }

    @Test(arguments: TestDatabases.drivers)
    func `introspection reports tables, columns and key order`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            try db.createTable(Self.allTypes)
            try db.createTable(TableSchema(name: TableName("composite"),
                columns: [ColumnDefinition("a", .integer, nullable: false), ColumnDefinition("b", .varchar(length: 20), nullable: false),
                          ColumnDefinition("c", .text)],
                primaryKey: ["b", "a"]))
            let schema = try currentSchema(db)
            #expect(try db.tableNames(schema: schema) == ["all_types", "composite"])
            let columns = try db.columns(of: TableName("all_types"))
            #expect(columns.map(\.name) == Self.allTypes.columns.map(\.name))
            #expect(columns.map(\.type) == Self.allTypes.columns.map { Self.storedType($0.type, engine: engine) })
            #expect(columns.map(\.isNullable) == Self.allTypes.columns.map(\.isNullable))
            #expect(try db.primaryKey(of: TableName("composite")) == ["b", "a"])
            #expect(try db.primaryKey(of: TableName("nothing_here")) == [])
            #expect(try db.columns(of: TableName("nothing_here")) == [])
        }
    }

    @Test(arguments: TestDatabases.drivers)
    func `prepared statements run many times`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { db, _ in
            try db.createTable(TableSchema(name: TableName("p"), columns: [ColumnDefinition("id", .bigint),
                ColumnDefinition("name", .text)], primaryKey: ["id"]))
            let insert = try db.prepare(
                "INSERT INTO p (id, name) VALUES (\(engine.placeholder(1)), \(engine.placeholder(2)))")
            try db.transaction { for i in 1...1000 { try insert.execute([.integer(Int64(i)), .text("n\(i)")]) } }
            let select = try db.prepare("SELECT name FROM p WHERE id = \(engine.placeholder(1))")
            #expect(try select.query([500]).first?[0] == "n500")
            #expect(try select.query([1001]).isEmpty)
        }
    }

    @Test func `SQLite stores 0/1 in a boolean column and reads booleans`() throws {
        try TestDatabases.withConnection(.sqlite) { db, _ in
            try db.execute("CREATE TABLE flags (id INTEGER PRIMARY KEY, hidden BOOLEAN)")
            try db.execute("INSERT INTO flags VALUES (1, 0), (2, 1)")
            #expect(try db.query("SELECT hidden FROM flags ORDER BY id").map { $0[0] } == [false, true])
        }
    }

    @Test func `PostgreSQL connection failures are connection errors without the password`() throws {
        let url = DatabaseURL.postgres(parameters: [
            .init("host", "/nonexistent-tidemark-socket-dir"), .init("port", "5999"), .init("user", "etl"),
            .init("password", "hunter2"),
        ])
        let error = try #require(throws: DatabaseError.self) { try openConnection(url) }
        #expect(error.kind == .connection)
        #expect(!String(describing: error).contains("hunter2"))
        #expect(String(describing: error).contains("password=***"))
    }

    @Test func `SQLite open failures are connection errors`() throws {
        let error = try #require(throws: DatabaseError.self) { try openConnection("sqlite:/nonexistent-dir/x/y.db") }
        #expect(error.kind == .connection)
    }
}

/// True when `body` throws.
func fails(_ body: () throws -> Void) -> Bool {
    do {
        try body()
        return false
    } catch {
        return true
    }
}

/// The schema unqualified tables land in (PostgreSQL), nil for SQLite.
func currentSchema(_ db: any Connection) throws -> String? {
    db.engine == .postgres ? try db.scalar("SELECT current_schema()")?.string : nil
}

extension String {
    /// Rewrites `?1` placeholders of test SQL for the engine: `$1` for PostgreSQL, `?` for MySQL.
    func placeholders(_ engine: Engine) -> String {
        switch engine {
        case .sqlite: return self
        case .postgres: return replacingOccurrences(of: "?", with: "$")
        case .mysql: return replacingOccurrences(of: #"\?[0-9]+"#, with: "?", options: .regularExpression)
        }
    }
}

extension DatabaseError {
    var debugText: String { "\(self) \(message) \(detail ?? "")" }
}
