/// The column names of a result, shared by all its rows.
public final class ColumnNames: Sendable {
    public let names: [String]
    private let positions: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var positions: [String: Int] = [:]
        for (i, name) in names.enumerated() where positions[name] == nil { positions[name] = i }
        self.positions = positions
    }

    public func index(of name: String) -> Int? { positions[name] }
    public var count: Int { names.count }
}

/// One result row: values in column order, addressable by position or by name.
public struct Row: Sendable {
    public let columns: ColumnNames
    public let values: [Value]

    public init(columns: ColumnNames, values: [Value]) {
        self.columns = columns
        self.values = values
    }

    public subscript(position: Int) -> Value { values[position] }

    /// The value of the named column, or nil when the result has no such column.
    public subscript(name: String) -> Value? {
        columns.index(of: name).map { values[$0] }
    }
}
