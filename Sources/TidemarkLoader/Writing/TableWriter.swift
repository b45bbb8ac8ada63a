import TidemarkDatabase

/// Writes source rows into one target table. Every write is an upsert that leaves unchanged rows alone
/// (FM-23): the UPDATE applies only where some column is distinct from the incoming value, so the counts it
/// returns are rows inserted or changed. How a batch travels is the target dialect's choice.
final class TableWriter {
    let connection: any Connection
    let table: TableName
    /// The loaded columns with their logical types: a dialect sends a batch by a typed route and judges
    /// "changed" by type.
    let definitions: [ColumnDefinition]
    let columns: [String]
    let key: [String]
    private lazy var upserter = connection.dialect.makeUpserter(
        on: connection, table: table, columns: definitions, key: key)
    /// Whether the staging table exists in this session (see ``stage(_:)``).
    private(set) var stagingCreated = false

    init(connection: any Connection, table: TableName, columns: [ColumnDefinition], key: [String]) {
        self.connection = connection
        self.table = table
        self.definitions = columns
        self.columns = columns.map(\.name)
        self.key = key
    }

    /// The key columns' types, so a key is compared as cursors compare it (SQLite timestamps as instants).
    private var keyTypes: [String: ColumnType] {
        Dictionary(definitions.filter { key.contains($0.name) }.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
    }

    /// Upserts rows. Returns rows inserted or changed.
    func upsert(_ rows: [[Value]]) throws -> Int {
        try upserter.upsert(rows)
    }

    /// Plain bulk insert (COPY on PostgreSQL) for an empty table: no conflicts are possible.
    func insert(_ rows: some Sequence<[Value]>) throws -> Int {
        try bulkInsert(into: table, rows)
    }

    /// Bulk-loads rows into a session-private staging table and merges them with one `INSERT … SELECT … ON
    /// CONFLICT` — bulk speed that still upserts, so copy works on a table that already has rows (FM-21).
    func stageAndMerge(_ rows: some Sequence<[Value]>) throws -> Int {
        try stage(rows)
        return try mergeStaged().written
    }

    /// The staging table: temporary, so whatever ends the session — a kill -9 included — removes it.
    /// Its name and its index's are kept within the engine's identifier limit by a hash, not cut by the server
    /// (PostgreSQL would cut both long names to the same 63 bytes, and then skip the index as existing).
    private var staging: TableName {
        connection.dialect.temporaryTable(connection.dialect.derivedIdentifier("tidemark_stage_" + table.name))
    }

    /// Adds rows to the staging table, creating it (with the loaded columns only) on first use in this load.
    func stage(_ rows: some Sequence<[Value]>) throws {
        if !stagingCreated {
            // Made anew: a staging table of an earlier load in this session may have other columns.
            try connection.execute("DROP TABLE IF EXISTS \(staging.quoted)")
            try connection.execute("CREATE TABLE \(staging.quoted) AS SELECT \(quoteIdentifiers(columns)) FROM "
                + "\(table.quoted) WHERE 1 = 0")
            stagingCreated = true
        }
        _ = try bulkInsert(into: staging, rows)
    }

    /// A bulk insert (COPY on PostgreSQL); with the `inside-copy` crash point armed, it is reached with half
    /// the rows sent to the server.
    private func bulkInsert(into target: TableName, _ rows: some Sequence<[Value]>) throws -> Int {
        guard CrashPoint.insideCopy.isArmed else { return try connection.bulkInsert(into: target, columns: columns, rows: rows) }
        let all = Array(rows)
        var failure: (any Error)?
        let written = try connection.bulkInsert(into: target, columns: columns, rows: all.enumerated().lazy.map { index, row in
            if index == all.count / 2 {
                do { try CrashPoint.insideCopy.reach() } catch { failure = error }
            }
            return row
        })
        if let failure { throw failure }
        return written
    }

    /// Forgets the staging table after a rollback that undid its creation.
    func stagingRolledBack() { stagingCreated = false }

    /// Empties the staging table.
    func clearStaged() throws {
        if stagingCreated { try connection.execute("DELETE FROM \(staging.quoted)") }
    }

    /// Upserts the staged rows into the table and empties the staging table. With `deletingOthers`, rows of
    /// the table whose key is not staged are deleted first, so the table ends equal to what was staged in its
    /// loaded columns — an in-place reload that keeps the table itself, its other columns for the rows that
    /// stay, and everything built on it. Run it in a transaction to make it atomic. Returns the rows inserted
    /// or changed, and the rows deleted.
    @discardableResult
    func mergeStaged(deletingOthers: Bool = false) throws -> (written: Int, deleted: Int) {
        guard stagingCreated else { return (0, 0) }
        var deleted = 0
        if deletingOthers {
            // The anti-join below probes the staged keys once per table row: give it an index and statistics
            // (nothing analyzes a temporary table by itself).
            try connection.execute(connection.dialect.createIndex(
                connection.dialect.derivedIdentifier("tidemark_stage_" + table.name + "_key"), on: staging,
                columns: key))
            try connection.execute("ANALYZE \(staging.quoted)")
            let matches = key.map { "s.\(quoteIdentifier($0)) = \(table.quoted).\(quoteIdentifier($0))" }
            deleted = try connection.execute("DELETE FROM \(table.quoted) WHERE NOT EXISTS (SELECT 1 FROM "
                + "\(staging.quoted) AS s WHERE \(matches.joined(separator: " AND ")))")
        }
        // `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint of the SELECT.
        let written = try connection.execute(connection.dialect.upsert(
            into: table, columns: definitions, key: key,
            rows: "SELECT \(quoteIdentifiers(columns)) FROM \(staging.quoted) WHERE true"))
        try clearStaged()
        return (written, deleted)
    }

    /// Deletes the rows with these keys; returns how many there were.
    @discardableResult
    func delete(keys: [RowKey]) throws -> Int {
        var deleted = 0
        for chunk in keys.chunks(of: 500) {
            var builder = SQLBuilder(dialect: connection.dialect, types: keyTypes)
            let condition = builder.render(.keyIn(key, chunk))
            deleted += try connection.execute("DELETE FROM \(table.quoted) WHERE \(condition)", builder.parameters)
        }
        return deleted
    }

    /// True when the table has no row.
    func isEmpty() throws -> Bool {
        try connection.query("SELECT 1 FROM \(table.quoted) LIMIT 1").isEmpty
    }

    func count() throws -> Int64 {
        try connection.scalar("SELECT count(*) FROM \(table.quoted)")?.int64 ?? 0
    }
}
