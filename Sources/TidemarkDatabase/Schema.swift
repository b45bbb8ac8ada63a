/// A column as introspection reports it.
public struct ColumnInfo: Sendable, Hashable {
    public let name: String
    /// The engine's own spelling of the type.
    public let declaredType: String
    /// The logical type the driver mapped the declaration to (see ``SQLDialect/columnType(declared:)``).
    public let type: ColumnType
    public let isNullable: Bool

    public init(name: String, declaredType: String, type: ColumnType, isNullable: Bool) {
        self.name = name
        self.declaredType = declaredType
        self.type = type
        self.isNullable = isNullable
    }
}

/// A column to create.
public struct ColumnDefinition: Sendable, Hashable {
    public let name: String
    public let type: ColumnType
    public let isNullable: Bool

    public init(_ name: String, _ type: ColumnType, nullable: Bool = true) {
        self.name = name
        self.type = type
        self.isNullable = nullable
    }
}

/// A table to create: columns in order and the primary key columns in key order.
public struct TableSchema: Sendable, Hashable {
    public let name: TableName
    public let columns: [ColumnDefinition]
    public let primaryKey: [String]

    public init(name: TableName, columns: [ColumnDefinition], primaryKey: [String]) {
        self.name = name
        self.columns = columns
        self.primaryKey = primaryKey
    }

    /// `CREATE TABLE IF NOT EXISTS …` in the dialect.
    public func createStatement(_ dialect: any SQLDialect) -> String {
        var parts = columns.map { column in
            let type = primaryKey.contains(column.name) ? dialect.keyDDL(column.type) : dialect.ddl(column.type)
            return quoteIdentifier(column.name) + " " + type + (column.isNullable ? "" : " NOT NULL")
        }
        if !primaryKey.isEmpty { parts.append("PRIMARY KEY (" + quoteIdentifiers(primaryKey) + ")") }
        return "CREATE TABLE IF NOT EXISTS \(name.quoted) (" + parts.joined(separator: ", ") + ")"
    }
}
