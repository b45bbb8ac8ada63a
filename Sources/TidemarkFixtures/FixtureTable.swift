import TidemarkDatabase

/// One fixture table: its schema and a deterministic, replayable stream of its rows.
///
/// Each call to ``rows()`` starts the stream again from the beginning and yields exactly the same rows, in
/// primary-key order, with the values in the schema's column order. The large generated tables build each row
/// as it is requested, so a table of millions of rows costs no memory until it is read, and then only one row
/// at a time.
public struct FixtureTable: Sendable {
    /// The table's name (unqualified unless ``withName(_:)`` gave it a schema), columns and primary key.
    public let schema: TableSchema
    /// How many rows ``rows()`` yields.
    public let rowCount: Int
    /// Secondary indexes (column lists) the source table carries, as the production table would: reads in
    /// timestamp order need one, or every keyset page scans the table.
    public let indexes: [[String]]
    /// The columns' declarations as another tool would write them, per engine (in column order); without one,
    /// the table is created from ``schema`` in the engine's own spelling.
    public let declaredTypes: [Engine: [String]]
    private let makeRows: @Sendable () -> AnySequence<[Value]>

    init(schema: TableSchema, rowCount: Int, indexes: [[String]] = [], declaredTypes: [Engine: [String]] = [:],
         rows: @escaping @Sendable () -> AnySequence<[Value]>) {
        self.schema = schema
        self.rowCount = rowCount
        self.indexes = indexes
        self.declaredTypes = declaredTypes
        self.makeRows = rows
    }

    /// A table whose rows are held in an array (the small hand-made fixtures).
    init(schema: TableSchema, storedRows: [[Value]]) {
        self.init(schema: schema, rowCount: storedRows.count) { AnySequence(storedRows) }
    }

    /// The rows, generated lazily and identically on every call, in primary-key order.
    public func rows() -> AnySequence<[Value]> {
        makeRows()
    }

    /// The same columns, key and rows under another table name (which may carry a schema).
    public func withName(_ name: TableName) -> FixtureTable {
        FixtureTable(
            schema: TableSchema(name: name, columns: schema.columns, primaryKey: schema.primaryKey),
            rowCount: rowCount, indexes: indexes, declaredTypes: declaredTypes, rows: makeRows)
    }

    /// The column names in order.
    public var columnNames: [String] { schema.columns.map(\.name) }

    /// The same table with only `columns` (in the table's order; its key columns are always kept), their
    /// declarations and values; indexes over a dropped column are dropped. Nil when a name is not a column.
    public func projected(onto columns: [String]) -> FixtureTable? {
        let wanted = Set(columns).union(schema.primaryKey)
        guard wanted.isSubset(of: columnNames) else { return nil }
        let kept = columnNames.indices.filter { wanted.contains(columnNames[$0]) }
        let makeRows = self.makeRows
        return FixtureTable(
            schema: TableSchema(name: schema.name, columns: kept.map { schema.columns[$0] }, primaryKey: schema.primaryKey),
            rowCount: rowCount, indexes: indexes.filter { Set($0).isSubset(of: wanted) },
            declaredTypes: declaredTypes.mapValues { declared in kept.map { declared[$0] } },
            rows: { AnySequence(makeRows().lazy.map { row in kept.map { row[$0] } }) })
    }
}

/// A fixture could not be installed as described.
public struct FixtureError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Builds the rows of a generated table one at a time, in primary-key order.
protocol RowGenerator {
    /// The row at 1-based `position`; called for positions 1, 2, 3, … in order, exactly once each.
    mutating func row(at position: Int) -> [Value]
}

/// The rows of a generator, replayed from a fresh copy of its initial state on each iteration.
struct GeneratedRows<Generator: RowGenerator>: Sequence {
    let count: Int
    let initial: Generator

    struct Iterator: IteratorProtocol {
        var generator: Generator
        var position = 0
        let count: Int

        mutating func next() -> [Value]? {
            guard position < count else { return nil }
            position += 1
            return generator.row(at: position)
        }
    }

    func makeIterator() -> Iterator {
        Iterator(generator: initial, count: count)
    }

    var underestimatedCount: Int { count }
}
