import TidemarkDatabase

/// Writes source rows into one target table. Every write is an upsert that leaves unchanged rows alone
/// (FM-23): the UPDATE applies only where some column is distinct from the incoming value, so the counts it
/// returns are rows inserted or changed. How a batch travels is the target dialect's choice.
final class TableWriter {
    let connection: any Connection
    let table: TableName
    let columns: [String]
    let key: [String]
    private let types: [ColumnType?]
    private lazy var upserter = connection.dialect.makeUpserter(
        on: connection, table: table, columns: columns, key: key, types: types)
    private var stagingCreated = false

    /// `types` are the columns' portable types where known: they let a dialect send a batch by a typed route.
    init(connection: any Connection, table: TableName, columns: [String], key: [String], types: [ColumnType?] = []) {
        self.connection = connection
        self.table = table
        self.columns = columns
        self.key = key
        self.types = types
    }

    /// Upserts rows. Returns rows inserted or changed.
    func upsert(_ rows: [[Value]]) throws -> Int {
        try upserter.upsert(rows)
    }

    /// Plain bulk insert (COPY on PostgreSQL) for an empty table: no conflicts are possible.
    func insert(_ rows: some Sequence<[Value]>) throws -> Int {
        try connection.bulkInsert(into: table, columns: columns, rows: rows)
    }

    /// Bulk-loads rows into a session-private staging table and merges them with one `INSERT … SELECT … ON
    /// CONFLICT` — bulk speed that still upserts, so copy works on a table that already has rows (FM-21).
    func stageAndMerge(_ rows: some Sequence<[Value]>) throws -> Int {
        let staging = TableName("tidemark_stage_" + table.name)
        if !stagingCreated {
            try connection.execute(connection.dialect.createStagingTable(staging, like: table))
            stagingCreated = true
        }
        try connection.execute("DELETE FROM \(staging.quoted)")
        _ = try connection.bulkInsert(into: staging, columns: columns, rows: rows)
        // `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint of the SELECT.
        let merged = try connection.execute(connection.dialect.upsert(
            into: table, columns: columns, key: key,
            rows: "SELECT \(quoteIdentifiers(columns)) FROM \(staging.quoted) WHERE true"))
        try connection.execute("DELETE FROM \(staging.quoted)")
        return merged
    }

    /// Drops cached statements (after the table was swapped for another one of the same name).
    func forgetPreparedStatements() {
        upserter = connection.dialect.makeUpserter(on: connection, table: table, columns: columns, key: key, types: types)
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
