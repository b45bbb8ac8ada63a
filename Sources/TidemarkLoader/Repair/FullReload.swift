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

    /// Reloads the whole table in place: every source row goes into a session-private staging table, then one
    /// target transaction deletes the rows the source no longer has and upserts the others (unchanged rows are
    /// left alone). Readers see the old rows or the new ones, never an empty or half-filled table, and the table
    /// stays the user's: its views, grants, indexes, triggers, comments, owner, column types and the columns
    /// only the target has (for the rows that stay) are untouched. No TRUNCATE, so readers are never blocked on
    /// PostgreSQL (DELETE leaves dead rows for autovacuum instead). Returns the rows inserted or changed, and
    /// the rows deleted.
    func replaceInPlace() throws -> (written: Int, deleted: Int) {
        let plan = load.plan
        let table = load.writer.table
        try table.clearStaged()
        let all = load.reader.query(ReadPhase(condition: nil, orderBy: plan.keyColumns))
        try load.reader.stream(all) { batch in
            let outcome = try load.writer.write(batch.map(\.values), .stage)
            load.checkpointer.count(rejected: outcome.rejected)
        }
        try CrashPoint.reloadStaged.reach()
        return try table.connection.transaction {
            let merged = try table.mergeStaged(deletingOthers: true)
            try CrashPoint.reloadMerged.reach()
            return merged
        }
    }
}
