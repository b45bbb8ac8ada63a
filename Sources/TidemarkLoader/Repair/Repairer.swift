import TidemarkDatabase

/// Applies what the ``Verifier`` found, leaf by leaf: the source's version of missing and changed rows is
/// upserted through the load's batch writer (so a row that does not fit is rejected as in any load), and rows
/// gone from the source are deleted — one target transaction per leaf.
struct Repairer {
    let load: TableLoad

    func repair(_ difference: LeafDifference) throws {
        let plan = load.plan
        let source = load.reader.connection
        let target = load.writer.connection
        try target.transaction {
            for chunk in (difference.missing + difference.changed).chunks(of: 500) {
                var builder = SQLBuilder(dialect: source.dialect, columns: plan.columns)
                let condition = builder.render(.keyIn(plan.keyColumns, chunk))
                let rows = try source.query(
                    "SELECT \(quoteIdentifiers(plan.columnNames)) FROM \(plan.source.quoted) WHERE \(condition)",
                    builder.parameters)
                let outcome = try load.writer.write(rows.map(\.values), .upsert)
                load.checkpointer.count(rejected: outcome.rejected)
            }
            try load.writer.table.delete(keys: difference.extra)
        }
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements, as arrays.
    func chunks(of size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
