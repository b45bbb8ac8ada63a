import TidemarkDatabase

/// The `extremekeys` fixture: the type zoo with its keys moved to both ends of the 64-bit range — odd ids to
/// `Int64.min + id`, even ids to `Int64.max - 10000 - id` — so key arithmetic (parallel ranges, bisection, cursor
/// comparisons) meets ±2⁶³. The top leaves room for generated rows above the highest key.
enum ExtremeKeys {
    static let headroom: Int64 = 10_000

    static func key(_ id: Int64) -> Int64 { id % 2 == 1 ? Int64.min + id : Int64.max - headroom - id }

    /// Moves the ids of a freshly installed table (1…n) to their extreme keys, with the simulator's own SQL.
    static func spread(_ db: any Connection, _ table: TableName) throws {
        let id = quoteIdentifier("id")
        let p = db.engine.placeholder
        try db.execute("UPDATE \(table.quoted) SET \(id) = CASE WHEN \(id) % 2 = 1 THEN \(p(1)) + \(id) "
            + "ELSE \(p(2)) - \(id) END", [.integer(Int64.min), .integer(Int64.max - headroom)])
    }
}
