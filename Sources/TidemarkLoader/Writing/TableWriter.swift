import TidemarkDatabase

/// Writes source rows into one target table. Every write is an upsert that leaves unchanged rows alone
/// (FM-23): the UPDATE applies only where some column IS DISTINCT FROM the incoming value, so the counts it
/// returns are rows inserted or changed.
final class TableWriter {
    let connection: any Connection
    let table: TableName
    let columns: [String]
    let key: [String]
    /// The columns' portable types, when known: on PostgreSQL they let a batch travel as one array per column.
    let types: [ColumnType?]
    private var prepared: [Int: any PreparedStatement] = [:]
    private var arrayUpsert: (any PreparedStatement)?
    private var stagingCreated = false

    init(connection: any Connection, table: TableName, columns: [String], key: [String], types: [ColumnType?] = []) {
        self.connection = connection
        self.table = table
        self.columns = columns
        self.key = key
        self.types = types
    }

    /// Rows per INSERT statement: as many as the engines' parameter limits allow, at most 1000.
    private var rowsPerStatement: Int { max(1, min(1000, 30_000 / max(columns.count, 1))) }

    /// Upserts rows with multi-row statements (prepared once per statement size). Returns rows inserted or changed.
    func upsert(_ rows: some Collection<[Value]>) throws -> Int {
        if let arrayTypes { return try upsertArrays(rows, types: arrayTypes) }
        var changed = 0
        var start = rows.startIndex
        while start != rows.endIndex {
            let end = rows.index(start, offsetBy: rowsPerStatement, limitedBy: rows.endIndex) ?? rows.endIndex
            let chunk = rows[start..<end]
            let statement = try statement(rowCount: chunk.count)
            changed += try statement.execute(chunk.flatMap { $0 })
            start = end
        }
        return changed
    }

    /// PostgreSQL array types of the columns, when every column's type is known.
    private var arrayTypes: [String]? {
        guard connection.engine == .postgres, types.count == columns.count else { return nil }
        let known = types.compactMap { $0 }
        return known.count == columns.count ? known.map { $0.ddl(for: .postgres) + "[]" } : nil
    }

    /// PostgreSQL: the whole batch as one array per column, `INSERT … SELECT * FROM unnest($1::T1[], …)`. Twelve
    /// parameters instead of twelve thousand, parsed by the server's array input in C, and one statement
    /// whatever the batch size — several times faster than a multi-row VALUES list.
    private func upsertArrays(_ rows: some Collection<[Value]>, types: [String]) throws -> Int {
        guard !rows.isEmpty else { return 0 }
        if arrayUpsert == nil {
            let arrays = types.enumerated().map { "$\($0.offset + 1)::\($0.element)" }.joined(separator: ", ")
            arrayUpsert = try connection.prepare(
                "INSERT INTO \(targetClause) (\(quoteIdentifiers(columns))) SELECT * FROM unnest(\(arrays)) "
                    + conflictClause)
        }
        let literals = (0..<columns.count).map { column in
            Value.text(PostgresArray.literal(rows.lazy.map { $0[column] }))
        }
        return try arrayUpsert!.execute(literals)
    }

    /// Plain bulk insert (COPY on PostgreSQL) for an empty table: no conflicts are possible.
    func insert(_ rows: some Sequence<[Value]>) throws -> Int {
        try connection.bulkInsert(into: table, columns: columns, rows: rows)
    }

    /// Bulk-loads rows into a staging table and merges them with one `INSERT … SELECT … ON CONFLICT` — COPY
    /// speed that still upserts, so copy works on a table that already has rows (FM-21).
    func stageAndMerge(_ rows: some Sequence<[Value]>) throws -> Int {
        let staging = stagingTable
        if !stagingCreated {
            switch connection.engine {
            case .postgres:
                try connection.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS \(staging.quoted) (LIKE \(table.quoted) INCLUDING DEFAULTS)")
            case .sqlite:
                try connection.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS \(staging.quoted) AS SELECT * FROM \(table.quoted) WHERE 0")
            }
            stagingCreated = true
        }
        try connection.execute("DELETE FROM \(staging.quoted)")
        _ = try connection.bulkInsert(into: staging, columns: columns, rows: rows)
        let merged = try connection.execute(
            "INSERT INTO \(targetClause) (\(quoteIdentifiers(columns))) SELECT \(quoteIdentifiers(columns)) FROM "
                + "\(staging.quoted) WHERE true " + conflictClause)
        try connection.execute("DELETE FROM \(staging.quoted)")
        return merged
    }

    private var stagingTable: TableName { TableName("tidemark_stage_" + table.name) }

    private func statement(rowCount: Int) throws -> any PreparedStatement {
        if let statement = prepared[rowCount] { return statement }
        var placeholder = 0
        let tuples = (0..<rowCount).map { _ in
            "(" + columns.map { _ in
                placeholder += 1
                return connection.engine.placeholder(placeholder)
            }.joined(separator: ", ") + ")"
        }
        let sql = "INSERT INTO \(targetClause) (\(quoteIdentifiers(columns))) VALUES "
            + tuples.joined(separator: ", ") + " " + conflictClause
        let statement = try connection.prepare(sql)
        if prepared.count > 8 { prepared.removeAll() }
        prepared[rowCount] = statement
        return statement
    }

    /// The table as INSERT names it; PostgreSQL gets an alias so the change predicate can name the old row.
    private var targetClause: String {
        connection.engine == .postgres ? "\(table.quoted) AS \(quoteIdentifier("tidemark_old"))" : table.quoted
    }

    private var conflictClause: String {
        let nonKey = columns.filter { !key.contains($0) }
        guard !nonKey.isEmpty else { return "ON CONFLICT (\(quoteIdentifiers(key))) DO NOTHING" }
        let old = connection.engine == .postgres ? quoteIdentifier("tidemark_old") : quoteIdentifier(table.name)
        let distinct = connection.engine == .postgres ? "IS DISTINCT FROM" : "IS NOT"
        let sets = nonKey.map { "\(quoteIdentifier($0)) = excluded.\(quoteIdentifier($0))" }
        let changed = nonKey.map { "\(old).\(quoteIdentifier($0)) \(distinct) excluded.\(quoteIdentifier($0))" }
        return "ON CONFLICT (\(quoteIdentifiers(key))) DO UPDATE SET " + sets.joined(separator: ", ")
            + " WHERE " + changed.joined(separator: " OR ")
    }

    /// Drops cached statements (after the table was swapped for another one of the same name).
    func forgetPreparedStatements() {
        prepared.removeAll()
        arrayUpsert = nil
        stagingCreated = false
    }

    /// True when the table has no row.
    func isEmpty() throws -> Bool {
        try connection.query("SELECT 1 FROM \(table.quoted) LIMIT 1").isEmpty
    }

    func count() throws -> Int64 {
        try connection.scalar("SELECT count(*) FROM \(table.quoted)")?.int64 ?? 0
    }
}

/// PostgreSQL's array input syntax: `{"v1","v2",NULL,…}`, every element quoted with `"` and `\` escaped, in the
/// text forms PostgreSQL reads for each type.
enum PostgresArray {
    static func literal(_ values: some Sequence<Value>) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        var first = true
        for value in values {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            if value.isNull {
                out.append(contentsOf: "NULL".utf8)
                continue
            }
            out.append(UInt8(ascii: "\""))
            for byte in text(value).utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                out.append(byte)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    private static func text(_ value: Value) -> String {
        switch value {
        case .null: return ""
        case .integer(let i): return String(i)
        case .double(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
            return String(d)
        case .decimal(let d): return d.description
        case .text(let t): return t
        case .bytes(let b): return "\\x" + b.map { String($0 >> 4, radix: 16) + String($0 & 0x0f, radix: 16) }.joined()
        case .boolean(let b): return b ? "t" : "f"
        case .date(let d): return d.description
        case .timestamp(let t): return t.description
        }
    }
}
