import Yams

/// Maps Yams' errors onto `ConfigError`, keeping the line Yams reports (also for scenario files).
public struct YAMLErrorTranslation {
    let file: String
    let yaml: String

    public init(file: String, yaml: String) {
        self.file = file
        self.yaml = yaml
    }

    public func configError(for error: YamlError) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line))"
            }
            return ConfigError(file: file, line: mark.line, message: message)
        case .reader(let problem, let offset, _, _):
            return ConfigError(file: file, line: offset.flatMap(lineAt(characterOffset:)),
                               message: "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return duplicateKeyError(key: duplicates.first ?? "?", firstMark: context.mark)
        default:
            return ConfigError(file: file, line: nil, message: "invalid YAML: \(error)")
        }
    }

    private func lineAt(characterOffset offset: Int) -> Int? {
        guard let index = yaml.index(yaml.startIndex, offsetBy: offset, limitedBy: yaml.endIndex) else {
            return nil
        }
        return yaml[..<index].reduce(1) { $1.isNewline ? $0 + 1 : $0 }
    }

    // MARK: - Duplicate keys

    /// Yams refuses repeated keys before we see a tree and gives only the first line; recover the repeat's line and
    /// its table from the indentation (flow-style mappings keep Yams' line and a plain message).
    private func duplicateKeyError(key: String, firstMark: Mark) -> ConfigError {
        let lines = yaml.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        let firstIndex = firstMark.line - 1
        let indent = firstMark.column - 1
        guard lines.indices.contains(firstIndex), let written = blockKey(lines[firstIndex]),
              written.indent == indent, written.key == key else {
            return ConfigError(file: file, line: firstMark.line, message: "key '\(key)' appears twice in one mapping")
        }
        let repeatLine = secondOccurrence(of: key, indent: indent, after: firstIndex, in: lines).map { $0 + 1 }
        let line = repeatLine ?? firstMark.line
        let note = repeatLine == nil ? "" : " (first at line \(firstMark.line))"

        // The keys enclosing the duplicate, outermost first: ["tables", "medication"] for a repeated field.
        let path = enclosingKeys(indent: indent, above: firstIndex, in: lines)
        switch path.count {
        case 0:
            return ConfigError(file: file, line: line, message: "top-level key '\(key)' appears twice\(note)")
        case 1 where path[0] == "tables":
            return ConfigError(file: file, line: line, table: key, message: "table appears twice\(note)")
        case 2 where path[0] == "tables":
            return ConfigError(file: file, line: line, table: path[1], field: key,
                               message: "field appears twice\(note)")
        case 3... where path[0] == "tables":
            return ConfigError(file: file, line: line, table: path[1], field: path[2],
                               message: "key '\(key)' appears twice in one mapping\(note)")
        default:
            return ConfigError(file: file, line: line, message: "key '\(key)' appears twice in one mapping\(note)")
        }
    }

    /// The next line holding `key` at `indent` in the same mapping, stopping where the mapping ends.
    private func secondOccurrence(of key: String, indent: Int, after first: Int, in lines: [Substring]) -> Int? {
        for index in lines.indices where index > first {
            guard let lineIndent = contentIndent(lines[index]) else { continue }
            if lineIndent < indent { return nil }
            if lineIndent == indent, let written = blockKey(lines[index]), written.key == key { return index }
        }
        return nil
    }

    private func enclosingKeys(indent: Int, above index: Int, in lines: [Substring]) -> [String] {
        var keys: [String] = []
        var indent = indent
        var cursor = index - 1
        while cursor >= 0, indent > 0 {
            if let written = blockKey(lines[cursor]), written.indent < indent {
                keys.insert(written.key, at: 0)
                indent = written.indent
            }
            cursor -= 1
        }
        return keys
    }

    /// `  name:`, `  name: value` or `  - name: value` as the key's column (0-based) and name.
    private func blockKey(_ line: Substring) -> (indent: Int, key: String)? {
        guard var indent = contentIndent(line) else { return nil }
        var rest = line.dropFirst(indent)
        while rest.hasPrefix("- ") {
            let dropped = rest.dropFirst(2)
            let spaces = dropped.prefix(while: { $0 == " " }).count
            indent += 2 + spaces
            rest = dropped.dropFirst(spaces)
        }
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let after = rest.index(after: colon)
        guard after == rest.endIndex || rest[after] == " " || rest[after] == "\t" else { return nil }
        var key = String(rest[..<colon])
        while key.last == " " { key.removeLast() }
        if key.count >= 2, let quote = key.first, quote == "'" || quote == "\"", key.last == quote {
            key = String(key.dropFirst().dropLast())
        }
        guard !key.isEmpty, !key.hasPrefix("#"), !key.hasPrefix("{"), !key.hasPrefix("[") else { return nil }
        return (indent, key)
    }

    /// Leading spaces of a line with content; `nil` for blank and comment-only lines.
    private func contentIndent(_ line: Substring) -> Int? {
        let indent = line.prefix(while: { $0 == " " }).count
        let rest = line.dropFirst(indent)
        guard let first = rest.first(where: { !$0.isWhitespace }), first != "#" else { return nil }
        return indent
    }
}
