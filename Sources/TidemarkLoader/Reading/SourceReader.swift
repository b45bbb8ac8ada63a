import TidemarkDatabase

/// Reads one table's rows from the source as its plan says: builds each phase's query, runs it, and reads the
/// next batch while the last one is written.
final class SourceReader {
    let plan: TablePlan
    let connection: any Connection
    let usage: MethodUsage
    private let factory: ConnectionFactory?
    /// Whether reading may run on a thread of its own: only when the source is not the target's session.
    private let readsAhead: Bool

    init(plan: TablePlan, source: any Connection, factory: ConnectionFactory?, usage: MethodUsage, readsAhead: Bool) {
        self.plan = plan
        self.connection = source
        self.factory = factory
        self.usage = usage
        self.readsAhead = readsAhead
    }

    /// The query for a phase, optionally continuing after `after` (values of the phase's order columns) and
    /// limited to a range of the leading key column.
    func query(_ phase: ReadPhase, after: [Value]? = nil, keyRange: KeyRange? = nil, limit: Int? = nil) -> SourceQuery {
        let continuation = after.map { Predicate.after(phase.orderBy, $0) }
        let rangeCondition = keyRange.map { $0.predicate(column: plan.keyColumns[0]) }
        return SourceQuery(
            dialect: connection.dialect, types: plan.columns, table: plan.source, columns: plan.columnNames,
            where: Predicate.all([phase.condition, rangeCondition ?? nil, continuation]), orderBy: phase.orderBy,
            limit: limit)
    }

    /// All rows of a query at once.
    func fetch(_ query: SourceQuery) throws -> [Row] {
        try usage.measure("Pipeline.read") { try connection.query(query.sql, query.parameters) }
    }

    /// Runs `read` (which hands over batches of source rows) and `write` so that the next batch is read while
    /// the last is written — on a thread of its own when that is safe, one after the other otherwise.
    func readAhead(_ read: @escaping (_ emit: ([Row]) throws -> Void) throws -> Void,
                   write: ([Row]) throws -> Void) throws {
        if readsAhead {
            try ReadAhead.run(read: read, write: write)
        } else {
            try read(write)
        }
    }

    /// Streams a query's rows in batches of `batch_size` to `write`, reading ahead.
    func stream(_ query: SourceQuery, write: ([Row]) throws -> Void) throws {
        try readAhead({ [connection, plan] emit in
            try connection.stream(query.sql, query.parameters, batchSize: plan.batchSize, emit)
        }, write: write)
    }

    /// A new connection to the source, for a parallel worker; nil without a factory.
    func openWorkerConnection() throws -> (any Connection)? {
        try factory?()
    }
}

/// A half-open range of integer keys, `lower ≤ key < upper` (either side open when nil).
struct KeyRange: Sendable, Equatable {
    let lower: Int64?
    let upper: Int64?

    static let all = KeyRange(lower: nil, upper: nil)

    /// Consecutive ranges of one width covering `low…high`, at most `parts` of them, the last one open above.
    /// Overflow-safe over the whole ±2^63 span: widths and offsets are unsigned distances from `low`.
    static func split(low: Int64, high: Int64, parts: Int) -> [KeyRange] {
        precondition(low <= high && parts >= 1)
        let width = KeyArithmetic.width(low: low, high: high, parts: parts)
        var ranges: [KeyRange] = []
        var offset: UInt64 = 0
        let span = KeyArithmetic.distance(low, high)
        while true {
            let (next, overflow) = offset.addingReportingOverflow(width)
            let last = overflow || next > span
            ranges.append(KeyRange(lower: low &+ Int64(bitPattern: offset), upper: last ? nil : low &+ Int64(bitPattern: next)))
            if last { return ranges }
            offset = next
        }
    }

    func predicate(column: String) -> Predicate? {
        Predicate.all([
            lower.map { .greaterOrEqual(column: column, than: .integer($0)) },
            upper.map { .less(column: column, than: .integer($0)) },
        ])
    }
}

/// Integer key arithmetic that cannot trap: keys span up to 2^64 − 1, more than an Int64 holds, so distances
/// are unsigned.
enum KeyArithmetic {
    /// `high − low` for `low ≤ high`, exactly.
    static func distance(_ low: Int64, _ high: Int64) -> UInt64 { UInt64(bitPattern: high &- low) }

    /// The width that splits `low…high` into at most `parts` ranges: ⌊span / parts⌋ + 1, at least 1.
    static func width(low: Int64, high: Int64, parts: Int) -> UInt64 {
        let (width, overflow) = (distance(low, high) / UInt64(max(1, parts))).addingReportingOverflow(1)
        return overflow ? UInt64.max : width
    }

    /// `base + offset` when it is an Int64, nil when it lies above Int64.max.
    static func offset(_ base: Int64, by offset: UInt64) -> Int64? {
        let headroom = distance(base, Int64.max)
        return offset <= headroom ? base &+ Int64(bitPattern: offset) : nil
    }

}
