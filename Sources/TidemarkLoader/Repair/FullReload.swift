import TidemarkDatabase

/// The one place a whole table is reloaded, for the policies that fall back to it. Both routes read every
/// source row; they differ in where the rows land.
struct FullReload {
    let load: TableLoad
    let strategy: any LoadStrategy

    /// Upserts every source row in place, through the strategy and the checkpoint — the seed's HYBRID FIX
    /// fallback. Rows gone from the source stay.
    func upsertEverything() throws {
        try load.read(full: true, with: strategy)
    }

    /// Reloads the whole table into a staging copy and swaps it in with renames in one transaction, so
    /// readers see the old table or the new one, never an empty or half-filled one.
    func replaceThroughStaging() throws {
        let plan = load.plan
        let target = load.writer.connection
        let staging = TableName("tidemark_swap_" + plan.target.name, schema: plan.target.schema)
        let retired = TableName("tidemark_old_" + plan.target.name, schema: plan.target.schema)
        let existing = try target.columns(of: plan.target)
        try target.execute("DROP TABLE IF EXISTS \(staging.quoted)")
        try target.createTable(TableSchema(
            name: staging, columns: existing.map { ColumnDefinition($0.name, $0.type ?? .text, nullable: $0.isNullable) },
            primaryKey: try target.primaryKey(of: plan.target)))
        let stagingWriter = TableWriter(connection: target, table: staging, columns: plan.columnNames, key: [plan.keyColumn])
        let all = load.reader.query(ReadPhase(condition: nil, orderBy: [plan.keyColumn]))
        try load.reader.connection.stream(all.sql, all.parameters, batchSize: plan.batchSize) { batch in
            _ = try load.writer.write(batch.map(\.values), .bulkInsert, into: stagingWriter)
        }
        try target.transaction {
            try target.execute("ALTER TABLE \(plan.target.quoted) RENAME TO \(quoteIdentifier(retired.name))")
            try target.execute("ALTER TABLE \(staging.quoted) RENAME TO \(quoteIdentifier(plan.target.name))")
            try target.execute("DROP TABLE \(retired.quoted)")
        }
        load.writer.table.forgetPreparedStatements()
    }
}
