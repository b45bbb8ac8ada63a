import TidemarkDatabase

/// Converts each value to its column's logical type before anything is written (``ColumnType/convert(_:)``:
/// a SQLite REAL in a DECIMAL column becomes the decimal, `'true'` in a BOOLEAN column the boolean), and
/// rejects a row with a reason when one of its values cannot be held exactly — instead of failing the whole
/// batch, or landing as garbage in analytics.
struct RowFilter: Sendable {
    let columns: [ColumnInfo]
    let keyIndices: [Int]
    /// The columns' types by position: every value of every row is converted, so no per-value lookups.
    private let types: [ColumnType]

    init(columns: [ColumnInfo], keyIndices: [Int]) {
        self.columns = columns
        self.keyIndices = keyIndices
        self.types = columns.map(\.type)
    }

    func key(of row: [Value]) -> RowKey { RowKey(keyIndices.map { row[$0] }) }

    struct Rejection: Sendable {
        let key: RowKey
        let reason: String
        let rowHash: String
    }

    /// The rows converted to their columns' types with the index of each in `rows`, and a rejection for each
    /// row that does not convert.
    func split(_ rows: [[Value]]) -> (accepted: [[Value]], origins: [Int], rejected: [Rejection]) {
        var accepted: [[Value]] = []
        accepted.reserveCapacity(rows.count)
        var origins: [Int] = []
        origins.reserveCapacity(rows.count)
        var rejected: [Rejection] = []
        for (index, row) in rows.enumerated() {
            switch convert(row) {
            case .success(let converted):
                accepted.append(converted)
                origins.append(index)
            case .failure(let problem):
                rejected.append(Rejection(key: key(of: row), reason: problem.reason, rowHash: Self.hash(row)))
            }
        }
        return (accepted, origins, rejected)
    }

    struct Problem: Error {
        let reason: String
    }

    private func convert(_ row: [Value]) -> Result<[Value], Problem> {
        var converted = row
        for index in 0..<min(row.count, types.count) {
            let value = row[index]
            if value.isNull {
                if keyIndices.contains(index) { return .failure(Problem(reason: "\(columns[index].name) is NULL (it is the primary key)")) }
                continue
            }
            switch types[index].conversion(of: value) {
            case .asIs: continue
            case .converted(let v): converted[index] = v
            case .refused(let failure): return .failure(Problem(reason: "\(columns[index].name): \(failure)"))
            }
        }
        return .success(converted)
    }

    /// A fingerprint of the source row, so a rejected row is retried once it changes.
    static func hash(_ row: [Value]) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for item in row {
            for byte in (item.kindName + ":" + item.description).utf8 {
                value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
            value = (value ^ 0xff) &* 0x0000_0100_0000_01b3
        }
        return String(value, radix: 16)
    }
}

/// `etl_rejected_rows` in the target: one row per (table, key) the loader could not write, with the reason and
/// the source row's fingerprint; `key_value` is ``RowKey/text`` (a composite key as a JSON array). Written in the same transaction as the batch it belongs to.
struct RejectedRowsTable {
    static let name = "etl_rejected_rows"
    let connection: any Connection
    let table: TableName

    init(connection: any Connection, schema: String?) {
        self.connection = connection
        self.table = TableName(Self.name, schema: schema)
    }

    func ensureExists() throws {
        try connection.createTable(TableSchema(name: table, columns: [
            ColumnDefinition("table_name", .varchar(length: 255), nullable: false),
            ColumnDefinition("key_value", .text, nullable: false), ColumnDefinition("reason", .text),
            ColumnDefinition("row_hash", .text), ColumnDefinition("rejected_at", .timestamp),
        ], primaryKey: ["table_name", "key_value"]))
    }

    func record(_ rejections: [RowFilter.Rejection], for tableName: String, at time: LocalTimestamp) throws {
        let e = connection.engine
        for rejection in rejections {
            try connection.execute(
                "INSERT INTO \(table.quoted) (table_name, key_value, reason, row_hash, rejected_at) VALUES "
                    + "(\(e.placeholder(1)), \(e.placeholder(2)), \(e.placeholder(3)), \(e.placeholder(4)), \(e.placeholder(5))) "
                    + "ON CONFLICT (table_name, key_value) DO UPDATE SET reason = excluded.reason, "
                    + "row_hash = excluded.row_hash, rejected_at = excluded.rejected_at",
                [.text(tableName), .text(rejection.key.text), .text(rejection.reason),
                 .text(rejection.rowHash), .timestamp(time)])
        }
    }

    /// Forgets rejections of keys that have now been written.
    func clear(_ keys: [RowKey], for tableName: String) throws {
        let e = connection.engine
        for start in stride(from: 0, to: keys.count, by: 500) {
            let chunk = keys[start..<min(start + 500, keys.count)]
            let placeholders = (2...(chunk.count + 1)).map(e.placeholder).joined(separator: ", ")
            try connection.execute(
                "DELETE FROM \(table.quoted) WHERE table_name = \(e.placeholder(1)) AND key_value IN (\(placeholders))",
                [.text(tableName)] + chunk.map { .text($0.text) })
        }
    }

    /// How many rows of a table are rejected, and the first few keys (in key text order), for the warning every
    /// run repeats while any are outstanding.
    func outstanding(for tableName: String, examples: Int = 5) throws -> (count: Int, firstKeys: [String]) {
        let p = connection.engine.placeholder(1)
        let count = try connection.scalar("SELECT count(*) FROM \(table.quoted) WHERE table_name = \(p)",
                                          [.text(tableName)])?.int64 ?? 0
        guard count > 0, examples > 0 else { return (Int(count), []) }
        let keys = try connection.query(
            "SELECT key_value FROM \(table.quoted) WHERE table_name = \(p) ORDER BY key_value LIMIT \(examples)",
            [.text(tableName)]).compactMap { $0[0].string }
        return (Int(count), keys)
    }

    /// Rejected keys of a table with the fingerprints of the rows as they were rejected.
    func rejected(for tableName: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for row in try connection.query(
            "SELECT key_value, row_hash FROM \(table.quoted) WHERE table_name = \(connection.engine.placeholder(1))",
            [.text(tableName)])
        {
            result[row[0].string ?? ""] = row[1].string ?? ""
        }
        return result
    }
}
