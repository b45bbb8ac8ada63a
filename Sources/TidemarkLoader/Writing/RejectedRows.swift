import TidemarkDatabase

/// Checks that each value fits its column's portable type before anything is written, so a value the target
/// should not hold (text in an integer column of a SQLite source, an integer out of range, text longer than its
/// varchar) is rejected with a reason instead of failing the whole batch — or landing as garbage in analytics.
struct RowFilter: Sendable {
    let columns: [ColumnInfo]
    let keyIndex: Int
    /// The columns' types by position: every value of every row is checked, so no per-value lookups.
    private let types: [ColumnType?]

    init(columns: [ColumnInfo], keyIndex: Int) {
        self.columns = columns
        self.keyIndex = keyIndex
        self.types = columns.map(\.type)
    }

    struct Rejection: Sendable {
        let key: Value
        let reason: String
        let rowHash: String
    }

    /// The rows that fit, and a rejection for each one that does not.
    func split(_ rows: [[Value]]) -> (accepted: [[Value]], rejected: [Rejection]) {
        var accepted: [[Value]] = []
        accepted.reserveCapacity(rows.count)
        var rejected: [Rejection] = []
        for row in rows {
            if let reason = problem(row) {
                rejected.append(Rejection(key: row[keyIndex], reason: reason, rowHash: Self.hash(row)))
            } else {
                accepted.append(row)
            }
        }
        return (accepted, rejected)
    }

    private func problem(_ row: [Value]) -> String? {
        for index in 0..<min(row.count, types.count) {
            guard let type = types[index] else { continue }
            let value = row[index]
            if value.isNull {
                if index == keyIndex { return "\(columns[index].name) is NULL (it is the primary key)" }
                continue
            }
            if !Self.fits(value, type) {
                return "\(columns[index].name): \(value.kindName) \(String(value.description.prefix(80))) does not fit \(type)"
            }
        }
        return nil
    }

    static func fits(_ value: Value, _ type: ColumnType) -> Bool {
        switch (type, value) {
        case (.bigint, .integer): return true
        case (.integer, .integer(let i)): return Int64(Int32.min)...Int64(Int32.max) ~= i
        case (.smallint, .integer(let i)): return Int64(Int16.min)...Int64(Int16.max) ~= i
        case (.boolean, .boolean): return true
        case (.numeric, .decimal): return true
        case (.double, .double), (.double, .integer): return true
        case (.text, .text): return true
        case (.varchar(let n), .text(let s)): return s.utf8.count <= n || s.unicodeScalars.count <= n
        case (.date, .date), (.timestamp, .timestamp), (.bytes, .bytes): return true
        default: return false
        }
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
/// the source row's fingerprint. Written in the same transaction as the batch it belongs to.
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
                [.text(tableName), .text(TrackingRow.text(rejection.key)), .text(rejection.reason),
                 .text(rejection.rowHash), .timestamp(time)])
        }
    }

    /// Forgets rejections of keys that have now been written.
    func clear(_ keys: [Value], for tableName: String) throws {
        let e = connection.engine
        for start in stride(from: 0, to: keys.count, by: 500) {
            let chunk = keys[start..<min(start + 500, keys.count)]
            let placeholders = (2...(chunk.count + 1)).map(e.placeholder).joined(separator: ", ")
            try connection.execute(
                "DELETE FROM \(table.quoted) WHERE table_name = \(e.placeholder(1)) AND key_value IN (\(placeholders))",
                [.text(tableName)] + chunk.map { .text(TrackingRow.text($0)) })
        }
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
