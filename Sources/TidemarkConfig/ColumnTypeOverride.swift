import TidemarkDatabase
import Yams

/// One entry of a table's `column_types:`: load `column` as `type` instead of the logical type its source
/// declaration maps to (a MySQL `TINYINT(1)` as smallint rather than boolean). Whether the source has the column
/// and whether the change is one the loader can make are decided when the table is planned, against the source;
/// the entry keeps its place in the file so those errors can name it.
public struct ColumnTypeOverride: Sendable, Equatable {
    public let column: String
    public let type: ColumnType
    public let file: String
    /// 1-based line of the entry.
    public let line: Int?

    public init(column: String, type: ColumnType, file: String = "tables.yml", line: Int? = nil) {
        self.column = column
        self.type = type
        self.file = file
        self.line = line
    }

    /// `file:line: table 't', field 'column_types': message`, for a problem found at plan time.
    public func located(_ message: String, table: String) -> String {
        diagnosticText(file: file, line: line, table: table, field: "column_types", message: message)
    }
}

extension TablesParser {
    /// `column_types:`, a mapping from column name to a logical type name (``ColumnType/logicalNames``). A column
    /// written twice is refused by the YAML reader already.
    func columnTypes(_ node: Node, table: String) throws(ConfigError) -> [ColumnTypeOverride] {
        func failure(_ at: Node, _ message: String) -> ConfigError {
            ConfigError(file: file, line: line(of: at), table: table, field: "column_types", message: message)
        }
        guard let mapping = node.mapping else {
            throw failure(node, "expected a mapping from column name to a logical type (IsHidden: smallint), "
                + "found \(found(node))")
        }
        var overrides: [ColumnTypeOverride] = []
        for (key, value) in mapping {
            guard let column = key.scalar?.string, !isNull(key), !isBlank(column) else {
                throw failure(key, "expected a column name as the key, found \(found(key))")
            }
            guard let name = value.scalar?.string, !isNull(value),
                  let type = ColumnType(logicalName: name) else {
                throw failure(value, "column '\(column)': expected a logical type, one of "
                    + ColumnType.logicalNames.joined(separator: ", ") + "; found \(found(value))")
            }
            overrides.append(ColumnTypeOverride(column: column, type: type, file: file, line: line(of: key)))
        }
        return overrides
    }
}
