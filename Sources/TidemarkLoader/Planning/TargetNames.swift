import TidemarkConfig
import TidemarkDatabase

/// Names as the target engine will see them, checked before anything is written: a name the engine would alter
/// (PostgreSQL cuts identifiers to 63 bytes without an error) or two names the engine would take for one (SQLite
/// compares them without regard to ASCII case) are refused, naming both sources, rather than loading one table's
/// rows into another's. Names Tidemark derives itself are kept within the limit by
/// ``SQLDialect/derivedIdentifier(_:)`` instead.
struct TargetNames {
    let dialect: any SQLDialect

    /// Why the engine would take `a` and `b` for one name.
    private func sameness(_ a: String, _ b: String) -> String {
        if let limit = dialect.maxIdentifierBytes, a.utf8.count > limit || b.utf8.count > limit {
            return "\(dialect.engine.displayName) keeps only the first \(limit) bytes of a name"
        }
        return "\(dialect.engine.displayName) compares names without regard to case"
    }

    /// Throws when the engine would store `name` altered.
    func checkLength(_ name: String, _ what: String, table: String) throws {
        guard let limit = dialect.maxIdentifierBytes, name.utf8.count > limit else { return }
        throw LoadError(table: table, "\(what) \(name) is \(name.utf8.count) bytes long; "
            + "\(dialect.engine.displayName) keeps \(limit) and would silently cut it to "
            + "\(dialect.storedIdentifier(name)); rename it in the source")
    }

    /// The table's target name and schema: each kept whole.
    func checkTable(_ table: TableName) throws {
        if let schema = table.schema { try checkLength(schema, "target schema", table: table.name) }
        try checkLength(table.name, "table name", table: table.name)
    }

    /// The columns of one table: each kept whole, no two taken for one.
    func checkColumns(_ columns: [String], table: String) throws {
        var seen: [String: String] = [:]
        for column in columns {
            try checkLength(column, "column name", table: table)
            let key = dialect.identifierKey(column)
            if let other = seen[key] {
                throw LoadError(table: table, "source columns \(other) and \(column) would be one column \(key) in "
                    + "the target: \(sameness(other, column)); rename one in the source")
            }
            seen[key] = column
        }
    }

    /// What a whole run's tables would be called in the target: an error for every table whose target name the
    /// engine would alter or share with another table of the run (each names both source tables and the target
    /// name), and a warning for tables whose names differ only in case where the engine keeps them apart (on
    /// PostgreSQL, SQL that leaves the name unquoted reaches only the lower-case one).
    func conflicts(_ tables: [String], schema: String?) -> RunNames {
        var errors: [String: LoadError] = [:]
        var warnings: [String: [String]] = [:]
        var byKey: [String: [String]] = [:]
        var seen = Set<String>()
        for table in tables where seen.insert(table).inserted {
            do { try checkTable(dialect.table(table, schema: schema)) } catch let error as LoadError {
                errors[table] = error
            } catch {}
            byKey[dialect.identifierKey(table), default: []].append(table)
        }
        for (key, group) in byKey where group.count > 1 {
            for table in group {
                let others = group.filter { $0 != table }.joined(separator: ", ")
                errors[table] = LoadError(table: table, "source tables \(table) and \(others) would load into one "
                    + "target table, \(key) (\(sameness(table, group.first { $0 != table }!))); none of them is "
                    + "loaded: load them into different targets or schemas")
            }
        }
        var byCase: [String: [String]] = [:]
        for table in seen where errors[table] == nil {
            byCase[foldingASCIICase(table), default: []].append(table)
        }
        for group in byCase.values where group.count > 1 {
            for table in group {
                warnings[table, default: []].append("target tables \(group.sorted().joined(separator: " and ")) "
                    + "differ only in case: \(dialect.engine.displayName) keeps them apart, but SQL that leaves a name "
                    + "unquoted reaches only the lower-case one")
            }
        }
        return RunNames(errors: errors, warnings: warnings)
    }
}

/// A table whose target name is another tracked table's (see ``TableLoader``): refused without writing anything.
struct TargetNameConflict: Error, CustomStringConvertible {
    let table: String
    let message: String

    init(table: String, _ message: String) {
        self.table = table
        self.message = message
    }

    var description: String { "\(table): \(message)" }
}

/// The target names of a whole run's tables, checked together before any table is loaded (see
/// ``TableLoader/checkNames(_:)``): tables refused, with the reason, and warnings per table.
public struct RunNames: Sendable {
    public let errors: [String: LoadError]
    public let warnings: [String: [String]]

    /// No table refused, no warning.
    public static let unchecked = RunNames(errors: [:], warnings: [:])
}

extension TableLoader {
    /// Checks the target names of all the tables of a run at once, before any is written: tables whose names
    /// the target would alter or take for another's are refused. See ``TargetNames``.
    public func checkNames(_ configs: [TableConfig]) -> RunNames {
        TargetNames(dialect: target.dialect).conflicts(configs.map(\.name), schema: options.targetSchema)
    }

    /// Loads one table of a run whose names were checked. A refused table is not loaded and nothing is written
    /// for it, not even its tracking row (which could be the other table's); the result carries the reason.
    public func load(_ config: TableConfig, names: RunNames) -> LoadResult {
        if let refusal = names.errors[config.name] {
            logger.error("Refusing \(config.name): \(refusal.message)")
            return .failed(config.name, refusal)
        }
        var result = load(config)
        for warning in names.warnings[config.name] ?? [] {
            logger.warning("\(config.name): \(warning)")
            result.warnings.append(warning)
        }
        return result
    }
}

extension Engine {
    /// The engine's name as its users write it, for messages.
    var displayName: String {
        switch self {
        case .sqlite: return "SQLite"
        case .postgres: return "PostgreSQL"
        case .mysql: return "MySQL"
        }
    }
}
