import Foundation
import TidemarkDatabase

/// A row's primary key: one value per key column, in the key's column order. A single-column key is the
/// one-element case, so every part of the pipeline has one code path for both.
public struct RowKey: Sendable, Hashable, CustomStringConvertible {
    public let values: [Value]

    public init(_ values: [Value]) {
        precondition(!values.isEmpty)
        self.values = values
    }

    /// Tuple order, `(a, b) > (x, y)`: the first component that differs decides, each compared as cursors
    /// compare (``Value/isAfter(_:)``).
    func isAfter(_ other: RowKey) -> Bool {
        for (mine, theirs) in zip(values, other.values) {
            if mine.isAfter(theirs) { return true }
            if theirs.isAfter(mine) { return false }
        }
        return values.count > other.values.count
    }

    /// `2` for a single key, `(2, 'Codeine')` for a tuple.
    public var description: String {
        values.count == 1 ? values[0].description : "(" + values.map(\.description).joined(separator: ", ") + ")"
    }

    /// The key as the text columns of `etl_load_status` and `etl_rejected_rows` hold it: a single key as its
    /// value's text, exactly as earlier versions wrote it; a composite key as a JSON array of its components'
    /// texts (`["2","Codeine"]`), which any text in any component round-trips through unambiguously.
    var text: String {
        guard values.count > 1 else { return TrackingRow.text(values[0]) }
        return Self.encode(values.map(TrackingRow.text))
    }

    /// A key read back from ``text`` for key columns of `types`; nil when it does not parse as one.
    init?(text: String, types: [ColumnType]) {
        guard let parts = Self.components(text, count: types.count) else { return nil }
        var values: [Value] = []
        for (part, type) in zip(parts, types) {
            guard let value = Planner.keyValue(part, type: type) else { return nil }
            values.append(value)
        }
        self.init(values)
    }

    /// A key as `etl_rejected_rows` recorded it: a component of another type than its column (a REAL or a text
    /// in a SQLite INTEGER key) is looked up as what it is, so its rejection is recognised rather than verified
    /// as missing on every run.
    init?(recorded text: String, types: [ColumnType]) {
        guard let parts = Self.components(text, count: types.count) else { return nil }
        self.init(zip(parts, types).map { part, type in
            Planner.keyValue(part, type: type) ?? Double(part).map(Value.double) ?? .text(part)
        })
    }

    /// The component texts of ``text`` for a key of `count` columns.
    private static func components(_ text: String, count: Int) -> [String]? {
        guard count > 1 else { return [text] }
        guard let decoded = try? JSONDecoder().decode([String].self, from: Data(text.utf8)), decoded.count == count
        else { return nil }
        return decoded
    }

    /// Key column names as `primary_column_name` holds them: one name as it is, several as a JSON array.
    static func columnsText(_ columns: [String]) -> String {
        columns.count == 1 ? columns[0] : encode(columns)
    }

    private static func encode(_ texts: [String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(texts)) ?? Data("[]".utf8), as: UTF8.self)
    }
}

extension Predicate {
    /// Rows whose key is one of `keys`: `"k" IN (…)` for a single key; for a composite key, `("a" = … AND
    /// "b" = …) OR …` grouped as a balanced tree, so a long list stays within SQLite's expression depth.
    static func keyIn(_ columns: [String], _ keys: [RowKey]) -> Predicate {
        if columns.count == 1 { return .oneOf(column: columns[0], values: keys.map { $0.values[0] }) }
        func tree(_ slice: ArraySlice<RowKey>) -> Predicate {
            if slice.count == 1 {
                return .and(zip(columns, slice.first!.values).map { .equal(column: $0, to: $1) })
            }
            let middle = slice.startIndex + slice.count / 2
            return .or([tree(slice[..<middle]), tree(slice[middle...])])
        }
        return tree(keys[...])
    }
}
