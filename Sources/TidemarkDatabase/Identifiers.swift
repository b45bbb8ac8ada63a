/// A table, optionally inside a schema (PostgreSQL). SQLite tables have no schema here.
public struct TableName: Sendable, Hashable, CustomStringConvertible {
    public let schema: String?
    public let name: String

    public init(_ name: String, schema: String? = nil) {
        self.name = name
        self.schema = schema
    }

    /// The quoted, schema-qualified name to put in SQL.
    public var quoted: String {
        if let schema { return quoteIdentifier(schema) + "." + quoteIdentifier(name) }
        return quoteIdentifier(name)
    }

    public var description: String {
        if let schema { return schema + "." + name }
        return name
    }
}

/// Quotes an identifier for SQL on both engines: wrapped in double quotes, embedded quotes doubled.
///
/// Every table, column, schema and savepoint name Tidemark puts in SQL goes through here, so tables called
/// `order`, `Mixed Case`, `a"b` or `médication` work, and a name can never end the identifier early.
public func quoteIdentifier(_ identifier: String) -> String {
    "\"" + identifier.replacingAll("\"", with: "\"\"") + "\""
}

/// A comma-separated list of quoted identifiers.
public func quoteIdentifiers(_ identifiers: [String]) -> String {
    identifiers.map(quoteIdentifier).joined(separator: ", ")
}

extension Engine {
    /// The placeholder for the `index`-th bound parameter (1-based): `?1` in SQLite, `$1` in PostgreSQL, a bare
    /// `?` in MySQL.
    ///
    /// MySQL's prepared statements number nothing: the n-th `?` in the text takes the n-th parameter. So SQL
    /// meant for every engine puts its placeholders in the text in index order, each index once; a value needed
    /// twice is bound twice (as the loader's SQL builder does). SQLite and PostgreSQL would accept reuse.
    public func placeholder(_ index: Int) -> String {
        switch self {
        case .sqlite: return "?\(index)"
        case .postgres: return "$\(index)"
        case .mysql: return "?"
        }
    }

    /// ``placeholder(_:)`` for statements with thousands of parameters (multi-row `VALUES` lists), in index
    /// order, each once: a bare `?` wherever the engine numbers by position. SQLite looks each `?NNN` up by a
    /// linear search of the ones before it when it compiles the statement, so a 1000-row upsert of a 30-column
    /// table spent most of its load there; a bare `?` costs nothing.
    public func positionalPlaceholder(_ index: Int) -> String {
        switch self {
        case .sqlite, .mysql: return "?"
        case .postgres: return "$\(index)"
        }
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(count)
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}
