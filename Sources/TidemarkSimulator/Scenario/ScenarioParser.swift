import Foundation
import TidemarkConfig
import TidemarkDatabase
import TidemarkLoader
import Yams

/// A scenario file that cannot be used: file, line and reason. `simulate` exits 64 on it.
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let reason: String

    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(reason)" }
}

extension ScenarioError {
    /// A table override the `tables.yml` reader refused, located and worded as that reader words it.
    init(_ error: ConfigError) {
        self.init(file: error.file, line: error.line, reason: error.reason)
    }
}

/// Reads `scenarios/*.yaml`. Walks Yams' node tree so every complaint carries its line.
public enum ScenarioParser {
    public static let fixtureNames = ["medication", "allergydef", "procedurelog", "securitylog", "typezoo", "odtypes", "auditlink", "claimline", "extremekeys"]
    /// tables.yml fields a scenario may set for its own runs (strategy and policy are the matrix's to choose).
    static let overridableFields: Set<String> = [
        "sync_profile", "incremental_strategy", "primary_incremental_column", "lookback_seconds", "batch_size",
        "on_reject", "verify", "column_types",
    ]

    public static func load(path: String) throws -> Scenario {
        let text: String
        do {
            text = try readConfigText(path: path)
        } catch {
            throw ScenarioError(error)
        }
        return try parse(text, file: (path as NSString).lastPathComponent)
    }

    public static func parse(_ yaml: String, file: String) throws -> Scenario {
        let context = Context(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else { throw context.error(nil, "the file is empty") }
            root = node
        } catch let error as ScenarioError {
            throw error
        } catch let error as YamlError {
            throw ScenarioError(YAMLErrorTranslation(file: file, yaml: yaml).configError(for: error))
        }
        let top = try context.mapping(root, "the scenario")
        try context.allowOnly(top, ["name", "failure_mode", "description", "fixtures", "tables", "relationships", "steps",
                                    "expect", "unloadable", "backends"])

        let name = try context.string(try context.require(top, "name", in: root), "name")
        let expectedName = (file as NSString).deletingPathExtension
        if file.hasSuffix(".yaml") || file.hasSuffix(".yml"), name != expectedName {
            throw context.error(top["name"], "name '\(name)' does not match the file name '\(expectedName)'")
        }
        let description = try context.string(try context.require(top, "description", in: root), "description")
        let failureMode = try top["failure_mode"].map { try context.string($0, "failure_mode") }

        var fixtures: [FixtureSpec] = []
        for item in try context.sequence(try context.require(top, "fixtures", in: root), "fixtures") {
            if let fixture = item.scalar?.string {
                fixtures.append(FixtureSpec(name: fixture, rows: nil))
            } else if let map = item.mapping, map.count == 1, let (key, value) = map.first,
                let fixture = key.scalar?.string
            {
                if let fields = value.mapping {
                    // `name: {rows: N, columns: [a, b]}`: a generated table, or only some of a fixture's columns.
                    try context.allowOnly(fields, ["rows", "columns"])
                    let rows = try fields["rows"].map { try context.int($0, "rows of \(fixture)", in: Bounds.generatedRows) }
                    let columns = try fields["columns"].map { node in
                        try context.sequence(node, "columns of \(fixture)").map { try context.string($0, "a column of \(fixture)") }
                    }
                    fixtures.append(FixtureSpec(name: fixture, rows: rows, columns: columns))
                } else {
                    fixtures.append(FixtureSpec(name: fixture, rows: try context.int(value, "rows of \(fixture)", in: Bounds.generatedRows)))
                }
            } else {
                throw context.error(item, "a fixture is a name, `name: rows` for a generated table, or `name: {rows: N, columns: [...]}`")
            }
            guard fixtureNames.contains(fixtures.last!.name) else {
                throw context.error(item, "unknown fixture '\(fixtures.last!.name)'; known: \(fixtureNames.joined(separator: ", "))")
            }
        }
        let fixtureSet = Set(fixtures.map(\.name))
        func table(_ node: Node?, _ what: String) throws -> String {
            let name = try context.string(node, what)
            guard fixtureSet.contains(name) else {
                throw context.error(node, "table '\(name)' is not among this scenario's fixtures")
            }
            return name
        }

        var overrides: [String: TableConfig] = [:]
        if let tables = top["tables"] {
            for (key, value) in try context.mapping(tables, "tables") {
                let name = try table(key, "table name")
                try context.allowOnly(try context.mapping(value, "fields of \(name)"), Self.overridableFields)
                // The allowed fields are all known to the reader, so it has nothing to warn about.
                do {
                    overrides[name] = try TablesFile.parseFields(value, table: name, file: file).config
                } catch {
                    throw ScenarioError(error)
                }
            }
        }

        var relationships: [ScenarioRelationship] = []
        if let list = top["relationships"] {
            for item in try context.sequence(list, "relationships") {
                let map = try context.mapping(item, "a relationship")
                try context.allowOnly(map, ["from", "to", "where"])
                let from = try context.dotted(try context.require(map, "from", in: item), "from")
                let to = try context.dotted(try context.require(map, "to", in: item), "to")
                _ = try table(Node(from.0), "from")
                _ = try table(Node(to.0), "to")
                let filter = try map["where"].map { try context.filter($0) }
                relationships.append(ScenarioRelationship(
                    childTable: from.0, childColumn: from.1, parentTable: to.0, parentColumn: to.1, filter: filter))
            }
        }

        var steps: [LocatedStep] = []
        for item in try context.sequence(try context.require(top, "steps", in: root), "steps") {
            steps.append(LocatedStep(step: try context.step(item, table: table), line: context.line(item) ?? 0))
        }
        guard steps.contains(where: { if case .runs = $0.step { return true } else { return false } }) else {
            throw context.error(top["steps"], "a scenario needs at least one `runs: n` step (the runs under test)")
        }

        var expectations: [PolicyKind: Expectation] = [:]
        for (key, value) in try context.mapping(try context.require(top, "expect", in: root), "expect") {
            let policyName = try context.string(key, "policy")
            guard let policy = PolicyKind(rawValue: policyName) else {
                throw context.error(key, "unknown policy '\(policyName)'; expected none, hybrid or reconcile")
            }
            let map = try context.mapping(value, "the expectation for \(policyName)")
            try context.allowOnly(map, ["recovered", "fallback_runs", "rows_loaded", "idempotent"])
            expectations[policy] = Expectation(
                recovered: try context.bool(try context.require(map, "recovered", in: value), "recovered"),
                fallbackRuns: try context.int(
                    try context.require(map, "fallback_runs", in: value), "fallback_runs", in: Bounds.scenarioCount),
                rowsLoaded: try map["rows_loaded"].map { try context.int($0, "rows_loaded", in: Bounds.scenarioCount) },
                idempotent: try map["idempotent"].map { try context.bool($0, "idempotent") } ?? true)
        }
        for policy in PolicyKind.allCases where expectations[policy] == nil {
            throw context.error(top["expect"], "no expectation for policy \(policy.rawValue)")
        }
        var unloadable: [String: [Int64]] = [:]
        if let list = top["unloadable"] {
            for item in try context.sequence(list, "unloadable") {
                let map = try context.mapping(item, "an unloadable entry")
                try context.allowOnly(map, ["table", "keys"])
                let name = try table(try context.require(map, "table", in: item), "table")
                unloadable[name, default: []] += try context.keys(try context.require(map, "keys", in: item), "keys")
            }
        }
        var backends: [Backend]?
        if let list = top["backends"] {
            backends = try context.sequence(list, "backends").map { node in
                let text = try context.string(node, "backend")
                guard let backend = Backend(rawValue: text) else {
                    throw context.error(node, "unknown backend '\(text)'; expected sqlite or postgres")
                }
                return backend
            }
        }
        return Scenario(
            name: name, failureMode: failureMode, description: description, file: file, fixtures: fixtures,
            tableOverrides: overrides, relationships: relationships, steps: steps, expectations: expectations,
            unloadable: unloadable, backends: backends)
    }
}

/// Typed reads of YAML nodes that fail with file, line and reason.
private struct Context {
    let file: String

    func line(_ node: Node?) -> Int? { node?.mark.map { $0.line } }

    func error(_ node: Node?, _ reason: String) -> ScenarioError {
        ScenarioError(file: file, line: line(node), reason: reason)
    }

    func require(_ map: Node.Mapping, _ key: String, in parent: Node) throws -> Node {
        guard let value = map[key] else { throw error(parent, "missing '\(key)'") }
        return value
    }

    func allowOnly(_ map: Node.Mapping, _ keys: Set<String>) throws {
        for key in map.keys {
            guard let name = key.scalar?.string, keys.contains(name) else {
                throw error(key, "unknown field '\(key.scalar?.string ?? "?")'; expected one of \(keys.sorted().joined(separator: ", "))")
            }
        }
    }

    func mapping(_ node: Node?, _ what: String) throws -> Node.Mapping {
        guard let map = node?.mapping else { throw error(node, "\(what) must be a mapping") }
        return map
    }

    func sequence(_ node: Node?, _ what: String) throws -> Node.Sequence {
        guard let list = node?.sequence else { throw error(node, "\(what) must be a list") }
        return list
    }

    func string(_ node: Node?, _ what: String) throws -> String {
        guard let text = node?.scalar?.string, !text.isEmpty else { throw error(node, "\(what) must be text") }
        return text
    }

    func int(_ node: Node?, _ what: String, in range: ClosedRange<Int>) throws -> Int {
        guard let text = node?.scalar?.string, let value = Int(text), range.contains(value) else {
            throw error(node, "\(what) must be an integer \(Bounds.describe(range)), found '\(node?.scalar?.string ?? "?")'")
        }
        return value
    }

    func bool(_ node: Node?, _ what: String) throws -> Bool {
        guard let text = node?.scalar?.string, let value = Bool(text) else {
            throw error(node, "\(what) must be true or false, found '\(node?.scalar?.string ?? "?")'")
        }
        return value
    }

    func keys(_ node: Node?, _ what: String) throws -> [Int64] {
        try sequence(node, what).map { item in
            guard let text = item.scalar?.string, let key = Int64(text) else {
                throw error(item, "\(what) must be a list of integer keys")
            }
            return key
        }
    }

    func scalar(_ node: Node) throws -> ScalarValue {
        guard let scalar = node.scalar else { throw error(node, "expected a single value") }
        if scalar.style == .plain {
            if scalar.string == "~" || scalar.string == "null" { return .null }
            if let i = Int64(scalar.string) { return .integer(i) }
            if let b = Bool(scalar.string) { return .boolean(b) }
            if let d = Double(scalar.string), scalar.string.contains(".") { return .double(d) }
        }
        return .string(scalar.string)
    }

    func dotted(_ node: Node, _ what: String) throws -> (String, String) {
        let text = try string(node, what)
        let parts = text.split(separator: ".")
        guard parts.count == 2 else { throw error(node, "\(what) must be table.column, found '\(text)'") }
        return (String(parts[0]), String(parts[1]))
    }

    func filter(_ node: Node) throws -> ColumnFilter {
        let text = try string(node, "where")
        for op in ColumnFilter.operators {
            if let range = text.range(of: " \(op) ") {
                let column = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
                let literal = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
                guard !column.isEmpty, !literal.isEmpty else { break }
                let value: ScalarValue
                if let i = Int64(literal) {
                    value = .integer(i)
                } else if literal.hasPrefix("'"), literal.hasSuffix("'"), literal.count >= 2 {
                    value = .string(String(literal.dropFirst().dropLast()))
                } else {
                    throw error(node, "where: '\(literal)' must be an integer or a 'quoted' string")
                }
                return ColumnFilter(column: column, op: op, value: value)
            }
        }
        throw error(node, "where must read `column op value` with op one of \(ColumnFilter.operators.joined(separator: " "))")
    }

    func selector(_ map: Node.Mapping, _ parent: Node) throws -> RowSelector {
        let options = ["keys", "except_keys", "key_range", "every", "all"].filter { map[$0] != nil }
        guard options.count <= 1 else { throw error(parent, "choose one of keys, except_keys, key_range, every, all") }
        switch options.first {
        case "keys": return .keys(try keys(map["keys"], "keys"))
        case "except_keys": return .exceptKeys(try keys(map["except_keys"], "except_keys"))
        case "key_range":
            let bounds = try keys(map["key_range"], "key_range")
            guard bounds.count == 2, bounds[0] <= bounds[1] else { throw error(map["key_range"], "key_range is [low, high]") }
            return .keyRange(bounds[0], bounds[1])
        case "every":
            return .every(Int64(try int(map["every"], "every", in: 1...Bounds.scenarioCount.upperBound)))
        case "all": return .all
        default: throw error(parent, "say which rows: keys, except_keys, key_range, every or all")
        }
    }

    func values(_ node: Node?, _ what: String) throws -> [String: ScalarValue] {
        var result: [String: ScalarValue] = [:]
        for (key, value) in try mapping(node, what) { result[try string(key, "column")] = try scalar(value) }
        return result
    }

    func step(_ node: Node, table: (Node?, String) throws -> String) throws -> Step {
        if let name = node.scalar?.string {
            guard name == "clean_load" else { throw error(node, "unknown step '\(name)'") }
            return .cleanLoad
        }
        let map = try mapping(node, "a step")
        guard map.count == 1, let (keyNode, body) = map.first, let kind = keyNode.scalar?.string else {
            throw error(node, "a step is one `kind: {…}` entry")
        }
        func fields(_ allowed: Set<String>) throws -> Node.Mapping {
            let fields = try mapping(body, kind)
            try allowOnly(fields, allowed.union(["table"]))
            return fields
        }
        func tableName(_ fields: Node.Mapping) throws -> String { try table(try require(fields, "table", in: body), "table") }
        let selectorKeys: Set<String> = ["keys", "except_keys", "key_range", "every", "all"]
        switch kind {
        case "runs": return .runs(try int(body, "runs", in: Bounds.runs))
        case "clock_skew": return .clockSkew(seconds: try int(body, "clock_skew", in: Bounds.clockSkewSeconds))
        case "fault":
            let f = try mapping(body, kind)
            try allowOnly(f, ["fail_inside_commit"])
            let commit = try require(f, "fail_inside_commit", in: body)
            return .fault(failInsideCommit: try int(commit, "fail_inside_commit", in: 1...Bounds.scenarioCount.upperBound))
        case "target_truncate": return .targetTruncate(table: try tableName(try fields([])))
        case "target_recreate": return .targetRecreate(table: try tableName(try fields([])))
        case "tracking_delete": return .trackingDelete(table: try tableName(try fields([])))
        case "tracking_mark_failed": return .trackingMarkFailed(table: try tableName(try fields([])))
        case "target_delete":
            let f = try fields(selectorKeys)
            return .targetDelete(table: try tableName(f), rows: try selector(f, body))
        case "source_delete":
            let f = try fields(selectorKeys)
            return .sourceDelete(table: try tableName(f), rows: try selector(f, body))
        case "target_update":
            let f = try fields(selectorKeys.union(["set"]))
            return .targetUpdate(table: try tableName(f), rows: try selector(f, body), set: try values(try require(f, "set", in: body), "set"))
        case "source_update":
            let f = try fields(selectorKeys.union(["set"]))
            return .sourceUpdate(table: try tableName(f), rows: try selector(f, body), set: try values(try require(f, "set", in: body), "set"))
        case "target_insert":
            let f = try fields(["rows"])
            let rows = try sequence(try require(f, "rows", in: body), "rows").map { try values($0, "a row") }
            return .targetInsert(table: try tableName(f), rows: rows)
        case "source_insert":
            let f = try fields(["rows", "generate", "set"])
            let rows = try f["rows"].map { try sequence($0, "rows").map { try values($0, "a row") } } ?? []
            let generate = try f["generate"].map { try int($0, "generate", in: Bounds.generatedRows) } ?? 0
            guard !rows.isEmpty || generate > 0 else { throw error(body, "source_insert needs rows or generate: n") }
            return .sourceInsert(table: try tableName(f), rows: rows, generate: generate,
                                 set: try f["set"].map { try values($0, "set") } ?? [:])
        case "tracking_set":
            let f = try fields(Set(trackingColumnNames).subtracting(["table_name"]))
            var fieldValues = try values(body, kind)
            fieldValues["table"] = nil
            return .trackingSet(table: try table(try require(f, "table", in: body), "table"), fields: fieldValues)
        case "target_user_objects":
            let f = try fields(["indexed_column"])
            return .targetUserObjects(table: try tableName(f),
                                      indexedColumn: try string(try require(f, "indexed_column", in: body), "indexed_column"))
        case "source_add_column":
            let f = try fields(["column", "type", "value"])
            let typeText = try string(try require(f, "type", in: body), "type")
            guard let type = ColumnType(standard: DeclaredType(typeText)) else {
                throw error(f["type"], "unknown column type '\(typeText)'")
            }
            return .sourceAddColumn(table: try tableName(f), column: try string(try require(f, "column", in: body), "column"),
                                    type: type, value: try f["value"].map(scalar) ?? .null)
        default:
            throw error(keyNode, "unknown step '\(kind)'")
        }
    }
}
