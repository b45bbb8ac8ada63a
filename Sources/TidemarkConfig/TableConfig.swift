/// How several incremental columns combine into one "changed since" predicate.
public enum IncrementalLogic: String, Sendable, Equatable, CaseIterable {
    case singleColumn = "single_column"
    case orLogic = "or_logic"
    case andLogic = "and_logic"
    case none
}

/// Whether source rows are only ever inserted, or also edited where they stand.
public enum SyncProfile: String, Sendable, Equatable, CaseIterable {
    case appendOnly = "append_only"
    case inPlaceUpdates = "in_place_updates"
}

/// How rows move from source to target.
public enum StrategyKind: String, Sendable, CaseIterable, Codable, Equatable {
    case standard
    case streaming
    case chunked
    case copy
    case parallel
}

/// A per-table strategy override: let the loader pick by size, or pin one strategy. Raw values are the
/// spellings of `tables.yml` and `--strategy`, so both read it like any other choice.
public enum StrategyChoice: RawRepresentable, Sendable, Equatable, CaseIterable {
    case auto
    case fixed(StrategyKind)

    public static var allCases: [StrategyChoice] { [.auto] + StrategyKind.allCases.map(StrategyChoice.fixed) }

    /// Accepts `auto` or a ``StrategyKind`` raw value; anything else is `nil`.
    public init?(rawValue: String) {
        if rawValue == "auto" {
            self = .auto
        } else if let kind = StrategyKind(rawValue: rawValue) {
            self = .fixed(kind)
        } else {
            return nil
        }
    }

    public var rawValue: String {
        switch self {
        case .auto: "auto"
        case .fixed(let kind): kind.rawValue
        }
    }
}

/// What the loader does when it finds the target stale.
public enum PolicyKind: String, Sendable, CaseIterable, Codable, Equatable {
    case none
    case hybrid
    case reconcile
}

/// How much of a table `reconcile` compares with the source after a load: `full`, every row every run;
/// `rolling`, the cheap invariants, this run's writes and one slice of the key space, so every row is compared
/// within `verify_cycle` runs; `off`, nothing.
public enum VerifyMode: String, Sendable, Equatable, CaseIterable, Codable {
    case full
    case rolling
    case off

    /// Accepts the earlier spelling `every_run` as `full`, so existing configs keep their meaning.
    public init?(rawValue: String) {
        switch rawValue {
        case "full", "every_run": self = .full
        case "rolling": self = .rolling
        case "off": self = .off
        default: return nil
        }
    }

    /// Runs a rolling verification takes to cover the whole table when `verify_cycle` is not set.
    public static let defaultCycle = 7
}

/// What rejected rows make of a run (dbt-style severity): `error` (the default) fails the table's run, exit 1,
/// while any row is rejected; `warn` only warns. Either way `verified` is false while rows are rejected.
public enum RejectSeverity: String, Sendable, Equatable, CaseIterable {
    case error
    case warn
}

/// A dbt-style child-to-parent link; `filter` exempts child rows such as Open Dental's `0` meaning "none".
public struct Relationship: Sendable, Equatable {
    public var column: String
    public var parentTable: String
    public var parentColumn: String
    public var filter: String?

    public init(column: String, parentTable: String, parentColumn: String, filter: String? = nil) {
        self.column = column
        self.parentTable = parentTable
        self.parentColumn = parentColumn
        self.filter = filter
    }
}

/// One table's settings from `tables.yml`: the seed's fields Tidemark reads plus Tidemark's own overrides.
public struct TableConfig: Sendable, Equatable {
    public var name: String
    /// Empty means unknown; the loader then asks the source for the key.
    public var primaryKey: [String]
    public var incrementalColumns: [String]
    public var incrementalStrategy: IncrementalLogic?
    public var primaryIncrementalColumn: String?
    public var batchSize: Int?
    public var estimatedRows: Int?
    public var estimatedSizeMB: Double?
    public var performanceCategory: String?

    // MARK: - Tidemark's own fields

    public var strategy: StrategyChoice?
    public var policy: PolicyKind?
    public var lookbackSeconds: Int?
    public var syncProfile: SyncProfile?
    public var verify: VerifyMode?
    /// Runs over which `verify: rolling` covers every row (``VerifyMode/defaultCycle`` when nil).
    public var verifyCycle: Int?
    public var onReject: RejectSeverity?
    public var relationships: [Relationship]
    /// `column_types:`: logical types chosen instead of the source declarations' (see ``ColumnTypeOverride``).
    public var columnTypes: [ColumnTypeOverride]

    /// A table with nothing configured, as if it were named only on the command line.
    public init(name: String) {
        self.name = name
        self.primaryKey = []
        self.incrementalColumns = []
        self.incrementalStrategy = nil
        self.primaryIncrementalColumn = nil
        self.batchSize = nil
        self.estimatedRows = nil
        self.estimatedSizeMB = nil
        self.performanceCategory = nil
        self.strategy = nil
        self.policy = nil
        self.lookbackSeconds = nil
        self.syncProfile = nil
        self.verify = nil
        self.verifyCycle = nil
        self.onReject = nil
        self.relationships = []
        self.columnTypes = []
    }

    /// This config with the fields `override` sets laid over it. Unset means nil or an empty list, which is what
    /// the reader leaves for a field that is absent or null, so an override read from YAML replaces exactly the
    /// fields it writes.
    public func merging(_ override: TableConfig) -> TableConfig {
        var merged = self
        if !override.primaryKey.isEmpty { merged.primaryKey = override.primaryKey }
        if !override.incrementalColumns.isEmpty { merged.incrementalColumns = override.incrementalColumns }
        merged.incrementalStrategy = override.incrementalStrategy ?? incrementalStrategy
        merged.primaryIncrementalColumn = override.primaryIncrementalColumn ?? primaryIncrementalColumn
        merged.batchSize = override.batchSize ?? batchSize
        merged.estimatedRows = override.estimatedRows ?? estimatedRows
        merged.estimatedSizeMB = override.estimatedSizeMB ?? estimatedSizeMB
        merged.performanceCategory = override.performanceCategory ?? performanceCategory
        merged.strategy = override.strategy ?? strategy
        merged.policy = override.policy ?? policy
        merged.lookbackSeconds = override.lookbackSeconds ?? lookbackSeconds
        merged.syncProfile = override.syncProfile ?? syncProfile
        merged.verify = override.verify ?? verify
        merged.verifyCycle = override.verifyCycle ?? verifyCycle
        merged.onReject = override.onReject ?? onReject
        if !override.relationships.isEmpty { merged.relationships = override.relationships }
        if !override.columnTypes.isEmpty { merged.columnTypes = override.columnTypes }
        return merged
    }
}
