import TidemarkDatabase
import TidemarkFixtures

/// Applies the damage and change steps of a scenario to a cell's databases, with the simulator's own SQL.
/// Faults live only here: the loader under test is never told what was done.
struct StepApplier {
    let databases: CellDatabases
    /// Each table's key columns; steps select rows by the first (for a composite key, every row whose leading
    /// column is selected).
    let keys: [String: [String]]

    func key(_ table: String) -> String { keys[table]![0] }

    func apply(_ step: Step) throws {
        let db = databases
        switch step {
        case .targetTruncate(let table):
            try db.target.execute("DELETE FROM \(db.targetTable(table).quoted)")
        case .targetDelete(let table, let rows):
            try delete(rows, from: db.targetTable(table), key: key(table), on: db.target)
        case .sourceDelete(let table, let rows):
            try delete(rows, from: db.sourceTable(table), key: key(table), on: db.source)
        case .targetUpdate(let table, let rows, let set):
            try update(db.targetTable(table), rows, set, key: key(table), on: db.target)
        case .sourceUpdate(let table, let rows, let set):
            try update(db.sourceTable(table), rows, set, key: key(table), on: db.source)
        case .targetInsert(let table, let rows):
            try insert(rows, into: db.targetTable(table), on: db.target)
        case .sourceInsert(let table, let rows, let generate, let set):
            try insert(rows, into: db.sourceTable(table), on: db.source)
            if generate > 0 { try generateRows(generate, table: table, set: set) }
        case .targetRecreate(let table):
            let name = db.targetTable(table)
            let columns = try db.target.columns(of: name)
            let primaryKey = try db.target.primaryKey(of: name)
            try db.target.execute("DROP TABLE \(name.quoted)")
            try db.target.createTable(TableSchema(
                name: name, columns: columns.map { ColumnDefinition($0.name, $0.type, nullable: $0.isNullable) },
                primaryKey: primaryKey))
        case .trackingSet(let table, let fields):
            try update(db.trackingTable, nil, fields, key: "table_name", on: db.target, only: table)
        case .trackingDelete(let table):
            try db.target.execute("DELETE FROM \(db.trackingTable.quoted) WHERE table_name = \(db.target.engine.placeholder(1))",
                                  [.text(table)])
        case .trackingMarkFailed(let table):
            try update(db.trackingTable, nil, ["load_status": .string("failed")], key: "table_name", on: db.target, only: table)
        case .sourceAddColumn(let table, let column, let type, let value):
            let name = db.sourceTable(table)
            try db.source.execute("ALTER TABLE \(name.quoted) ADD COLUMN \(quoteIdentifier(column)) \(db.source.dialect.ddl(type))")
            if value != .null { try update(name, .all, [column: value], key: key(table), on: db.source) }
        case .cleanLoad, .runs, .fault, .clockSkew, .targetUserObjects:
            break  // the runner's
        }
    }

    private func condition(_ rows: RowSelector?, key: String, engine: Engine, from first: Int = 1) -> (String, [Value]) {
        let k = quoteIdentifier(key)
        var n = first - 1
        func bind() -> String {
            n += 1
            return engine.placeholder(n)
        }
        switch rows {
        case nil, .all?: return ("", [])
        case .keys(let keys)?:
            return (" WHERE \(k) IN (" + keys.map { _ in bind() }.joined(separator: ", ") + ")", keys.map(Value.integer))
        case .exceptKeys(let keys)?:
            return (" WHERE \(k) NOT IN (" + keys.map { _ in bind() }.joined(separator: ", ") + ")", keys.map(Value.integer))
        case .keyRange(let low, let high)?:
            return (" WHERE \(k) BETWEEN \(bind()) AND \(bind())", [.integer(low), .integer(high)])
        case .every(let divisor)?:
            return (" WHERE \(k) % \(bind()) = 0", [.integer(divisor)])
        }
    }

    private func delete(_ rows: RowSelector, from table: TableName, key: String, on db: any Connection) throws {
        let (clause, parameters) = condition(rows, key: key, engine: db.engine)
        try db.execute("DELETE FROM \(table.quoted)\(clause)", parameters)
    }

    private func update(_ table: TableName, _ rows: RowSelector?, _ set: [String: ScalarValue], key: String,
                        on db: any Connection, only: String? = nil) throws {
        let types = Dictionary(try db.columns(of: table).map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        let names = set.keys.sorted()
        var parameters: [Value] = []
        let assignments = try names.enumerated().map { index, column -> String in
            guard let type = types[column] else { throw ScenarioError(file: "step", line: nil, reason: "no column \(column) in \(table)") }
            guard let value = set[column]!.value(for: type) else {
                throw ScenarioError(file: "step", line: nil, reason: "\(set[column]!) does not fit \(table).\(column)")
            }
            parameters.append(value)
            return "\(quoteIdentifier(column)) = \(db.engine.placeholder(index + 1))"
        }
        var clause: String
        if let only {
            clause = " WHERE \(quoteIdentifier(key)) = \(db.engine.placeholder(names.count + 1))"
            parameters.append(.text(only))
        } else {
            let (c, p) = condition(rows, key: key, engine: db.engine, from: names.count + 1)
            clause = c
            parameters += p
        }
        try db.execute("UPDATE \(table.quoted) SET \(assignments.joined(separator: ", "))\(clause)", parameters)
    }

    private func insert(_ rows: [[String: ScalarValue]], into table: TableName, on db: any Connection) throws {
        guard !rows.isEmpty else { return }
        let types = Dictionary(try db.columns(of: table).map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        for row in rows {
            let names = row.keys.sorted()
            let values = try names.map { column -> Value in
                guard let type = types[column], let value = row[column]!.value(for: type) else {
                    throw ScenarioError(file: "step", line: nil, reason: "\(row[column]!) does not fit \(table).\(column)")
                }
                return value
            }
            _ = try db.bulkInsert(into: table, columns: names, rows: [values])
        }
    }

    /// New source rows: copies of the row with the highest key, with the next keys and `set` applied.
    private func generateRows(_ count: Int, table: String, set: [String: ScalarValue]) throws {
        let db = databases.source
        let name = databases.sourceTable(table)
        let columns = try db.columns(of: name)
        let k = key(table)
        // Not NULL: a table without a key may hold NULL there, which PostgreSQL sorts first when descending.
        guard let last = try db.query("SELECT * FROM \(name.quoted) WHERE \(quoteIdentifier(k)) IS NOT NULL "
            + "ORDER BY \(quoteIdentifier(k)) DESC LIMIT 1").first,
            let top = last[k]?.int64
        else { throw ScenarioError(file: "step", line: nil, reason: "cannot generate rows for an empty \(table)") }
        let rows: [[Value]] = try (1...count).map { offset in
            try columns.map { column in
                if column.name == k { return .integer(top + Int64(offset)) }
                if let scalar = set[column.name] {
                    guard let value = scalar.value(for: column.type) else {
                        throw ScenarioError(file: "step", line: nil, reason: "\(scalar) does not fit \(table).\(column.name)")
                    }
                    return value
                }
                return last[column.name] ?? .null
            }
        }
        _ = try db.bulkInsert(into: name, columns: columns.map(\.name), rows: rows)
    }
}
