import TidemarkDatabase

/// A boolean condition over source columns. Rendered with bound parameters only: values never enter the SQL.
indirect enum Predicate: Sendable, Equatable {
    case greater(column: String, than: Value)
    case greaterOrEqual(column: String, than: Value)
    case less(column: String, than: Value)
    case equal(column: String, to: Value)
    /// NULL or Open Dental's zero date: a row the timestamp cursor cannot place.
    case undated(column: String)
    /// `column IN (…)`.
    case oneOf(column: String, values: [Value])
    case and([Predicate])
    case or([Predicate])
    case not(Predicate)

    /// `(c1, c2, …) > (v1, v2, …)` in lexicographic order, spelled without row values so both engines handle it
    /// and with a leading `c1 >= v1` an index on `(c1, c2, …)` can start from: `c1 >= v1 AND (c1 > v1 OR (c2 …))`.
    /// Without that range, each keyset page would walk the index from its first entry.
    static func after(_ columns: [String], _ values: [Value]) -> Predicate {
        precondition(columns.count == values.count && !columns.isEmpty)
        guard columns.count > 1 else { return .greater(column: columns[0], than: values[0]) }
        let rest = after(Array(columns.dropFirst()), Array(values.dropFirst()))
        return .and([.greaterOrEqual(column: columns[0], than: values[0]),
                     .or([.greater(column: columns[0], than: values[0]), rest])])
    }

    /// Joins optional conditions with AND; nil when there is none.
    static func all(_ parts: [Predicate?]) -> Predicate? {
        let present = parts.compactMap { $0 }
        switch present.count {
        case 0: return nil
        case 1: return present[0]
        default: return .and(present)
        }
    }
}

/// Collects bound parameters while SQL text is assembled, numbering placeholders for the engine. Columns whose
/// types it knows are compared as the dialect says (``SQLDialect/comparable(_:type:)``): timestamps as instants,
/// text byte by byte — in conditions and in ORDER BY alike, so a cursor and the order rows come in agree.
struct SQLBuilder {
    let dialect: any SQLDialect
    let types: [String: ColumnType]
    private(set) var parameters: [Value] = []

    init(dialect: any SQLDialect, types: [String: ColumnType] = [:]) {
        self.dialect = dialect
        self.types = types
    }

    /// For a table's columns (their types steer comparisons).
    init(dialect: any SQLDialect, columns: [ColumnInfo]) {
        self.init(dialect: dialect, types: Dictionary(columns.map { ($0.name, $0.type) },
                                                      uniquingKeysWith: { a, _ in a }))
    }

    var engine: Engine { dialect.engine }

    mutating func bind(_ value: Value) -> String {
        parameters.append(value)
        return engine.placeholder(parameters.count)
    }

    /// `column <op> value`, both sides as the dialect compares them, after an index-usable bound when the
    /// dialect needs one (`withBound`).
    private mutating func compare(_ column: String, _ op: String, _ value: Value, withBound: Bool) -> String {
        let type = types[column]
        var bound: String?
        if withBound, let low = dialect.indexableLowerBound(value, type: type) {
            bound = "\(quoteIdentifier(column)) >= \(bind(low))"
        }
        let exact = "\(dialect.comparable(column, type: type)) \(op) \(dialect.comparableParameter(bind(value), type: type))"
        return bound.map { "(\($0) AND \(exact))" } ?? exact
    }

    mutating func render(_ predicate: Predicate) -> String {
        switch predicate {
        case .greater(let c, let v): return compare(c, ">", v, withBound: true)
        case .greaterOrEqual(let c, let v): return compare(c, ">=", v, withBound: true)
        case .less(let c, let v): return compare(c, "<", v, withBound: false)
        case .equal(let c, let v): return compare(c, "=", v, withBound: true)
        case .undated(let c):
            return "(\(quoteIdentifier(c)) IS NULL OR \(compare(c, "=", .timestamp(.zeroDate), withBound: false)))"
        case .oneOf(let c, let values):
            return "\(quoteIdentifier(c)) IN (" + values.map { bind($0) }.joined(separator: ", ") + ")"
        case .and(let parts): return "(" + parts.map { render($0) }.joined(separator: " AND ") + ")"
        case .or(let parts): return "(" + parts.map { render($0) }.joined(separator: " OR ") + ")"
        case .not(let p): return "NOT \(render(p))"
        }
    }

    /// `ORDER BY` columns as the dialect compares them.
    func order(_ columns: [String]) -> String {
        columns.map { dialect.comparable($0, type: types[$0]) }.joined(separator: ", ")
    }
}

/// One SELECT against the source, ready to run.
struct SourceQuery: Sendable {
    let sql: String
    let parameters: [Value]
}

extension SourceQuery {
    /// `SELECT <columns> FROM <table> [WHERE …] ORDER BY … [LIMIT n]`, comparing as `dialect` does for the
    /// source's `types`.
    init(dialect: any SQLDialect, types: [ColumnInfo], table: TableName, columns: [String], where predicate: Predicate?,
         orderBy: [String], limit: Int? = nil) {
        var builder = SQLBuilder(dialect: dialect, columns: types)
        var sql = "SELECT \(quoteIdentifiers(columns)) FROM \(table.quoted)"
        if let predicate { sql += " WHERE " + builder.render(predicate) }
        if !orderBy.isEmpty { sql += " ORDER BY " + builder.order(orderBy) }
        if let limit { sql += " LIMIT \(limit)" }
        self.init(sql: sql, parameters: builder.parameters)
    }
}
