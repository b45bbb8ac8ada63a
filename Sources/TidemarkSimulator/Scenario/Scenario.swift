import TidemarkConfig
import TidemarkDatabase

/// A scenario file: fixtures, the damage and changes to apply, the runs under test, and what each policy is
/// expected to make of it.
public struct Scenario: Sendable {
    public let name: String
    public let failureMode: String?
    public let description: String
    public let file: String
    public let fixtures: [FixtureSpec]
    /// Per-table config fields that differ from Fixtures/tables.yml for this scenario, as the `tables.yml` reader
    /// reads them (the fields the scenario does not set are unset).
    public let tableOverrides: [String: TableConfig]
    public let relationships: [ScenarioRelationship]
    public let steps: [LocatedStep]
    public let expectations: [PolicyKind: Expectation]
    /// Source rows no target may hold (a value that does not fit its column): the oracle expects them missing
    /// from the target and reported in `etl_rejected_rows`, and compares everything else.
    public let unloadable: [String: [Int64]]
    /// The backends the scenario can be built on (nil: all).
    public let backends: [Backend]?

    public var summary: ScenarioSummary {
        ScenarioSummary(name: name, failureMode: failureMode, description: description)
    }
}

/// A fixture table and, for the generated ones, its size.
public struct FixtureSpec: Sendable, Equatable {
    public let name: String
    public let rows: Int?
    /// Only these columns of the fixture (its key always kept); nil for all.
    public let columns: [String]?

    public init(name: String, rows: Int?, columns: [String]? = nil) {
        self.name = name
        self.rows = rows
        self.columns = columns
    }
}

/// `child.column → parent.column`, optionally only for child rows matching a filter (dbt's `where`).
public struct ScenarioRelationship: Sendable, Equatable {
    public let childTable: String
    public let childColumn: String
    public let parentTable: String
    public let parentColumn: String
    public let filter: ColumnFilter?

    public var description: String {
        "\(childTable).\(childColumn) → \(parentTable).\(parentColumn)" + (filter.map { " where \($0)" } ?? "")
    }
}

/// `column op literal`, e.g. `MedicationNum != 0`. Rendered with a bound value, never spliced.
public struct ColumnFilter: Sendable, Equatable, CustomStringConvertible {
    public let column: String
    public let op: String
    public let value: ScalarValue

    public static let operators = ["!=", "<>", "<=", ">=", "=", "<", ">"]

    public var description: String { "\(column) \(op) \(value)" }
}

/// A literal from a scenario file, typed by the column it goes into.
public enum ScalarValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case integer(Int64)
    case double(Double)
    case string(String)
    case boolean(Bool)

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return "'\(s)'"
        case .boolean(let b): return String(b)
        }
    }

    /// The value as a column of this type holds it; nil when it cannot (a scenario error).
    func value(for type: ColumnType?) -> Value? {
        switch (self, type) {
        case (.null, _): return .null
        case (.string(let s), .timestamp?): return LocalTimestamp(s).map(Value.timestamp)
        case (.string(let s), .date?): return LocalDate(s).map(Value.date)
        case (.string(let s), .numeric?): return ExactDecimal(s).map(Value.decimal)
        case (.integer(let i), .numeric?): return .decimal(ExactDecimal(i))
        case (.double(let d), .numeric?): return ExactDecimal(String(d)).map(Value.decimal)
        case (.integer(let i), .boolean?): return .boolean(i != 0)
        case (.boolean(let b), .boolean?): return .boolean(b)
        case (.boolean(let b), _): return .integer(b ? 1 : 0)
        case (.integer(let i), _): return .integer(i)
        case (.double(let d), _): return .double(d)
        case (.string(let s), _): return .text(s)
        }
    }
}

/// Which rows of a table a step touches.
public enum RowSelector: Sendable, Equatable {
    case all
    case keys([Int64])
    case exceptKeys([Int64])
    /// Inclusive.
    case keyRange(Int64, Int64)
    /// Keys divisible by n.
    case every(Int64)
}

/// One step of a scenario.
public enum Step: Sendable, Equatable {
    case cleanLoad
    case targetTruncate(table: String)
    case targetDelete(table: String, rows: RowSelector)
    case targetUpdate(table: String, rows: RowSelector, set: [String: ScalarValue])
    case targetInsert(table: String, rows: [[String: ScalarValue]])
    case targetRecreate(table: String)
    case trackingSet(table: String, fields: [String: ScalarValue])
    case trackingDelete(table: String)
    case trackingMarkFailed(table: String)
    case sourceInsert(table: String, rows: [[String: ScalarValue]], generate: Int, set: [String: ScalarValue])
    case sourceUpdate(table: String, rows: RowSelector, set: [String: ScalarValue])
    case sourceDelete(table: String, rows: RowSelector)
    case sourceAddColumn(table: String, column: String, type: ColumnType, value: ScalarValue)
    /// Builds what a target's users build on a table (``UserObjects``); every run after must leave it working.
    case targetUserObjects(table: String, indexedColumn: String)
    /// Shifts the loader's wall clock (only `_loaded_at` may notice: it is never a cursor).
    case clockSkew(seconds: Int)
    /// Fails the next run under test inside its n-th target transaction of each table — batches, checkpoints and
    /// the final status write all count — after its work and before it commits.
    case fault(failInsideCommit: Int)
    /// Runs under test.
    case runs(Int)
}

public struct LocatedStep: Sendable, Equatable {
    public let step: Step
    public let line: Int
}

extension Scenario {
    /// The table's `column_types:` from this scenario's `tables:` (column → logical type name), for the oracle.
    func loadedAs(_ table: String) -> [String: String] {
        Dictionary((tableOverrides[table]?.columnTypes ?? []).map { ($0.column, $0.type.description) },
                   uniquingKeysWith: { a, _ in a })
    }
}
