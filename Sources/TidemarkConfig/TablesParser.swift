import Yams

/// Walks Yams' `Node` tree rather than decoding, so every complaint can carry its line.
struct TablesParser {
    let file: String
    private(set) var warnings: [ConfigWarning] = []

    init(file: String) {
        self.file = file
    }

    /// Seed fields Tidemark accepts and does not read.
    static let ignoredSeedFields: Set<String> = [
        "extraction_strategy", "is_modeled", "dbt_model_types", "processing_priority", "time_gap_threshold_days",
        "estimated_processing_time_minutes", "memory_requirements_mb", "monitoring", "schema_hash",
        "last_analyzed", "replicator_watermark_column", "column_names",
    ]

    // MARK: - Document

    mutating func parse(_ yaml: String) throws(ConfigError) -> [TableConfig] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw YAMLErrorTranslation(file: file, yaml: yaml).configError(for: error)
        } catch {
            throw ConfigError(file: file, line: nil, message: "cannot parse YAML: \(error)")
        }
        guard let root, !isNull(root) else {
            throw ConfigError(
                file: file, line: nil, message: "the file is empty; expected a top-level 'tables:' mapping")
        }
        guard let top = root.mapping else {
            throw ConfigError(
                file: file, line: line(of: root),
                message: "expected a mapping at the top level with a 'tables' key, found \(found(root))")
        }
        guard let (tablesKey, tablesNode) = top.first(where: { $0.key.scalar?.string == "tables" }) else {
            throw ConfigError(file: file, line: line(of: root), message: "missing the top-level 'tables:' mapping")
        }
        guard let tables = tablesNode.mapping else {
            throw ConfigError(
                file: file, line: line(of: tablesNode) ?? line(of: tablesKey), field: "tables",
                message: "expected a mapping from table name to its fields, found \(found(tablesNode))")
        }

        guard !tables.isEmpty else {
            throw ConfigError(
                file: file, line: line(of: tablesNode) ?? line(of: tablesKey), field: "tables",
                message: "no tables to load: the mapping is empty")
        }
        var result: [TableConfig] = []
        var firstLine: [String: Int] = [:]
        for (key, value) in tables {
            guard kind(of: key) != .merge else {
                throw ConfigError(
                    file: file, line: line(of: key), field: "tables",
                    message: "a merge key ('<<') is allowed inside a table's fields, not among the tables")
            }
            guard let name = key.scalar?.string, !isNull(key),
                  !isBlank(name) else {
                throw ConfigError(
                    file: file, line: line(of: key), field: "tables",
                    message: "expected a table name as the key, found \(found(key))")
            }
            if let first = firstLine[name] {
                throw ConfigError(
                    file: file, line: line(of: key), table: name,
                    message: "table appears twice (first at line \(first))")
            }
            firstLine[name] = line(of: key) ?? 0
            result.append(try parseTable(name: name, key: key, value: value))
        }
        return result
    }

    // MARK: - One table

    /// Reads the fields under a table's name; `key` (the name as written) locates the error when they are not
    /// a mapping, or the fields themselves when there is none.
    mutating func parseTable(name: String, key: Node?, value: Node) throws(ConfigError) -> TableConfig {
        guard let fields = value.mapping else {
            throw ConfigError(
                file: file, line: key.flatMap(line(of:)) ?? line(of: value), table: name,
                message: "expected a mapping of fields, found \(found(value))")
        }
        var config = TableConfig(name: name)
        var firstLine: [String: Int] = [:]
        var merged: [(Node, Node)] = []
        for (fieldKey, fieldValue) in fields {
            if kind(of: fieldKey) == .merge {
                merged += try mergedFields(fieldValue, table: name)
                continue
            }
            let field = try fieldName(fieldKey, table: name)
            if let first = firstLine[field] {
                throw ConfigError(
                    file: file, line: line(of: fieldKey), table: name, field: field,
                    message: "field appears twice (first at line \(first))")
            }
            firstLine[field] = line(of: fieldKey) ?? 0
            if isNull(fieldValue) { continue }
            try read(field, fieldKey, fieldValue, into: &config)
        }
        // Fields written in the table win over merged ones, and an earlier merge source over a later one.
        for (fieldKey, fieldValue) in merged {
            let field = try fieldName(fieldKey, table: name)
            guard firstLine[field] == nil else { continue }
            firstLine[field] = line(of: fieldKey) ?? 0
            if isNull(fieldValue) { continue }
            try read(field, fieldKey, fieldValue, into: &config)
        }
        return config
    }

    private func fieldName(_ key: Node, table: String) throws(ConfigError) -> String {
        guard let field = key.scalar?.string, !isNull(key) else {
            throw ConfigError(
                file: file, line: line(of: key), table: table,
                message: "expected a field name as the key, found \(found(key))")
        }
        return field
    }

    /// The pairs a YAML merge key (`<<: *defaults` or `<<: [*a, *b]`) brings in, nearest first.
    private func mergedFields(_ node: Node, table: String) throws(ConfigError) -> [(Node, Node)] {
        if let sequence = node.sequence {
            var pairs: [(Node, Node)] = []
            for item in sequence {
                guard item.mapping != nil else {
                    throw ConfigError(
                        file: file, line: line(of: item), table: table, field: "<<",
                        message: "expected a mapping to merge, found \(found(item))")
                }
                pairs += try mergedFields(item, table: table)
            }
            return pairs
        }
        guard let mapping = node.mapping else {
            throw ConfigError(
                file: file, line: line(of: node), table: table, field: "<<",
                message: "expected a mapping or a list of mappings to merge, found \(found(node))")
        }
        var own: [(Node, Node)] = []
        var inherited: [(Node, Node)] = []
        for (key, value) in mapping {
            if kind(of: key) == .merge {
                inherited += try mergedFields(value, table: table)
            } else {
                own.append((key, value))
            }
        }
        return own + inherited
    }

    private mutating func read(_ field: String, _ key: Node, _ value: Node, into config: inout TableConfig)
        throws(ConfigError) {
        let reader = FieldReader(file: file, table: config.name, field: field)
        switch field {
        case "table_name":
            let written = try reader.text(value)
            guard written == config.name else {
                throw reader.error(value, "'\(written)' does not match the table's key '\(config.name)'")
            }
        case "primary_key":
            config.primaryKey = try reader.columnNames(value, allowSingle: true)
        case "incremental_columns":
            config.incrementalColumns = try reader.columnNames(value, allowSingle: false)
        case "incremental_strategy":
            config.incrementalStrategy = try reader.choice(value, of: IncrementalLogic.self)
        case "primary_incremental_column":
            config.primaryIncrementalColumn = try reader.columnName(value)
        case "batch_size":
            config.batchSize = try reader.integer(value, in: Bounds.batchSize)
        case "estimated_rows":
            config.estimatedRows = try reader.integer(value, in: Bounds.estimatedRows)
        case "estimated_size_mb":
            config.estimatedSizeMB = try reader.number(value, in: Bounds.estimatedSizeMB)
        case "performance_category":
            config.performanceCategory = try reader.text(value)
        case "strategy":
            config.strategy = try reader.choice(value, of: StrategyChoice.self)
        case "policy":
            config.policy = try reader.choice(value, of: PolicyKind.self)
        case "lookback_seconds":
            config.lookbackSeconds = try reader.integer(value, in: Bounds.lookbackSeconds)
        case "sync_profile":
            config.syncProfile = try reader.choice(value, of: SyncProfile.self)
        case "verify":
            config.verify = try reader.choice(value, of: VerifyMode.self)
        case "verify_cycle":
            config.verifyCycle = try reader.integer(value, in: Bounds.verifyCycle)
        case "on_reject":
            config.onReject = try reader.choice(value, of: RejectSeverity.self)
        case "relationships":
            config.relationships = try reader.relationships(value)
        case "column_types":
            config.columnTypes = try columnTypes(value, table: config.name)
        case "lookback_resync":
            // The seed re-upserts rows whose business dates fall in a window; Tidemark does not, and says so.
            if value["enabled"]?.bool == true {
                warnings.append(ConfigWarning(
                    file: file, line: line(of: key), table: config.name, field: field,
                    message: "lookback_resync is not implemented (Tidemark does not re-read a business-date window); "
                        + "under reconcile, verification finds rows edited without a cursor bump, under none and "
                        + "hybrid they stay stale"))
            }
        case _ where Self.ignoredSeedFields.contains(field):
            break
        default:
            warnings.append(ConfigWarning(
                file: file, line: line(of: key), table: config.name, field: field,
                message: "unknown field, ignored"))
        }
    }
}

// MARK: - Field values

/// Reads one field's value, building errors that name the file, table and field.
private struct FieldReader {
    let file: String
    let table: String
    let field: String

    func error(_ node: Node, _ message: String) -> ConfigError {
        ConfigError(file: file, line: line(of: node), table: table, field: field, message: message)
    }

    /// Any non-null scalar, as written (so `verify: off` stays the text `off`, not a boolean).
    func text(_ node: Node) throws(ConfigError) -> String {
        guard let scalar = node.scalar, !isNull(node) else {
            throw error(node, "expected a text value, found \(found(node))")
        }
        return scalar.string
    }

    func columnName(_ node: Node) throws(ConfigError) -> String {
        guard let scalar = node.scalar, !isNull(node), !isBlank(scalar.string) else {
            throw error(node, "expected a column name, found \(found(node))")
        }
        return scalar.string
    }

    /// A list of column names; with `allowSingle`, a lone name is a one-column list.
    func columnNames(_ node: Node, allowSingle: Bool) throws(ConfigError) -> [String] {
        if allowSingle, node.scalar != nil {
            return [try columnName(node)]
        }
        guard let sequence = node.sequence else {
            let expected = allowSingle ? "a column name or a list of column names" : "a list of column names"
            throw error(node, "expected \(expected), found \(found(node))")
        }
        var names: [String] = []
        for item in sequence {
            let name = try columnName(item)
            guard !names.contains(name) else {
                throw error(item, "column '\(name)' is listed twice")
            }
            names.append(name)
        }
        return names
    }

    func integer(_ node: Node, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let scalar = node.scalar, kind(of: node) == .int, let value = Int.construct(from: scalar),
              range.contains(value) else {
            throw error(node, "expected an integer \(Bounds.describe(range)), found \(found(node))")
        }
        return value
    }

    /// Integers are accepted too, since a generator may write `0` rather than `0.0`.
    func number(_ node: Node, in range: ClosedRange<Double>) throws(ConfigError) -> Double {
        let value: Double?
        switch (node.scalar, kind(of: node)) {
        case (let scalar?, .int): value = Int.construct(from: scalar).map(Double.init)
        case (let scalar?, .float): value = Double.construct(from: scalar)
        default: value = nil
        }
        guard let value, range.contains(value) else {
            throw error(node, "expected a number \(Bounds.describe(range)), found \(found(node))")
        }
        return value
    }

    func choice<E: RawRepresentable & CaseIterable>(_ node: Node, of _: E.Type) throws(ConfigError) -> E
    where E.RawValue == String {
        let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
        guard let scalar = node.scalar, !isNull(node), let value = E(rawValue: scalar.string) else {
            throw error(node, "expected one of \(allowed), found \(found(node))")
        }
        return value
    }

    // MARK: Relationships

    func relationships(_ node: Node) throws(ConfigError) -> [Relationship] {
        guard let sequence = node.sequence else {
            throw error(node, "expected a list of relationships, found \(found(node))")
        }
        var result: [Relationship] = []
        for item in sequence {
            result.append(try relationship(item))
        }
        return result
    }

    private func relationship(_ node: Node) throws(ConfigError) -> Relationship {
        guard let mapping = node.mapping else {
            throw error(node, "expected a mapping with 'column' and 'references', found \(found(node))")
        }
        var column: String?
        var references: (table: String, column: String)?
        var filter: String?
        var seen: Set<String> = []
        for (key, value) in mapping {
            let name = key.scalar?.string ?? ""
            guard seen.insert(name).inserted else {
                throw error(key, "'\(name)' appears twice in one relationship")
            }
            switch name {
            case "column":
                column = try columnName(value)
            case "references":
                references = try reference(value)
            case "where":
                if !isNull(value) {
                    let text = try self.text(value)
                    guard !isBlank(text) else {
                        throw error(value, "expected a SQL condition for 'where', found an empty string")
                    }
                    filter = text
                }
            default:
                // A typo here (say `were:`) would silently widen the check, so it is an error, not a warning.
                throw error(key, "unknown key \(found(key)) in a relationship; expected column, references, where")
            }
        }
        guard let column else {
            throw error(node, "a relationship needs 'column'")
        }
        guard let references else {
            throw error(node, "a relationship needs 'references' (table.column)")
        }
        return Relationship(column: column, parentTable: references.table, parentColumn: references.column,
                            filter: filter)
    }

    private func reference(_ node: Node) throws(ConfigError) -> (table: String, column: String) {
        let expected = "expected 'references' as table.column"
        guard let scalar = node.scalar, !isNull(node) else {
            throw error(node, "\(expected), found \(found(node))")
        }
        let parts = scalar.string.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
            throw error(node, "\(expected), found \(found(node))")
        }
        return (String(parts[0]), String(parts[1]))
    }
}

// MARK: - Node helpers

func line(of node: Node) -> Int? {
    node.mark?.line
}

func isNull(_ node: Node) -> Bool {
    node.scalar != nil && kind(of: node) == .null
}

/// The resolved tag (`int`, `float`, `null`, `str`, …); quoted scalars resolve to `str`.
func kind(of node: Node) -> Tag.Name {
    Tag.Name(rawValue: node.tag.rawValue)
}

/// How a value looks in an error message: scalars quoted as written, containers by kind.
func found(_ node: Node) -> String {
    switch node {
    case .scalar(let scalar):
        if isNull(node) { return "nothing (null)" }
        let text = scalar.string.count > 60 ? String(scalar.string.prefix(57)) + "..." : scalar.string
        return "'\(text)'"
    case .mapping: return "a mapping"
    case .sequence: return "a list"
    case .alias: return "an alias"
    }
}

func isBlank(_ text: some StringProtocol) -> Bool {
    text.allSatisfy(\.isWhitespace)
}
