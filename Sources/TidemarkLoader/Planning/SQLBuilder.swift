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

/// Collects bound parameters while SQL text is assembled, numbering placeholders for the engine.
struct SQLBuilder {
    let engine: Engine
    private(set) var parameters: [Value] = []

    init(engine: Engine) { self.engine = engine }

    mutating func bind(_ value: Value) -> String {
        parameters.append(value)
        return engine.placeholder(parameters.count)
    }

    mutating func render(_ predicate: Predicate) -> String {
        switch predicate {
        case .greater(let c, let v): return "\(quoteIdentifier(c)) > \(bind(v))"
        case .greaterOrEqual(let c, let v): return "\(quoteIdentifier(c)) >= \(bind(v))"
        case .less(let c, let v): return "\(quoteIdentifier(c)) < \(bind(v))"
        case .equal(let c, let v): return "\(quoteIdentifier(c)) = \(bind(v))"
        case .undated(let c):
            return "(\(quoteIdentifier(c)) IS NULL OR \(quoteIdentifier(c)) = \(bind(.timestamp(.zeroDate))))"
        case .oneOf(let c, let values):
            return "\(quoteIdentifier(c)) IN (" + values.map { bind($0) }.joined(separator: ", ") + ")"
        case .and(let parts): return "(" + parts.map { render($0) }.joined(separator: " AND ") + ")"
        case .or(let parts): return "(" + parts.map { render($0) }.joined(separator: " OR ") + ")"
        case .not(let p): return "NOT \(render(p))"
        }
    }
}

/// One SELECT against the source, ready to run.
struct SourceQuery: Sendable {
    let sql: String
    let parameters: [Value]
}

extension SourceQuery {
    /// `SELECT <columns> FROM <table> [WHERE …] ORDER BY … [LIMIT n]`.
    init(engine: Engine, table: TableName, columns: [String], where predicate: Predicate?, orderBy: [String],
         limit: Int? = nil) {
        var builder = SQLBuilder(engine: engine)
        var sql = "SELECT \(quoteIdentifiers(columns)) FROM \(table.quoted)"
        if let predicate { sql += " WHERE " + builder.render(predicate) }
        if !orderBy.isEmpty { sql += " ORDER BY " + quoteIdentifiers(orderBy) }
        if let limit { sql += " LIMIT \(limit)" }
        self.init(sql: sql, parameters: builder.parameters)
    }
}
