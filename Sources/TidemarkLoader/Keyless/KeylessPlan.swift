import TidemarkConfig
import TidemarkDatabase

/// A table without a primary key (none in tables.yml, none on the source), planned to be loaded as a multiset of
/// rows: without a key nothing tells a new row from another copy of an old one, so no cursor can make a rerun
/// safe. Every run compares the whole table instead and writes exactly the copies that differ (``KeylessSync``).
public struct KeylessPlan: Sendable {
    public let table: String
    public let source: TableName
    public let target: TableName
    public let columns: [ColumnInfo]
    /// The strategy the config or command line chose; it names the run, while the reads are the comparison's.
    public let strategy: StrategyKind
    public let policy: PolicyKind
    public let verifyMode: VerifyMode
    public let batchSize: Int
    /// `--full`: rewrite the table in one transaction even when little differs.
    public let forceFull: Bool
    public let schemaChanges: [SchemaChange]
    public let warnings: [String]
    /// The dry run's line per `column_types:` entry.
    public var columnTypeOverrides: [String] = []

    /// Whether `reconcile` checks the table again after writing.
    public var verify: Bool { verifyMode != .off }

    /// What a run of this table does, for the dry run and the log.
    public var summary: String {
        "no primary key: every run reads the whole table on both sides, compares it as a multiset of rows "
            + "(count and checksum per row-hash bucket, then the rows of differing buckets), and inserts or deletes "
            + "exactly the differing copies in one transaction"
    }

    /// The dry run's cursor column: there is none.
    public static let cursorDescription = "none (no key: compared as a multiset of rows)"
    /// The dry run's cursor mode.
    public static let mode = "multiset"

    /// The reads a run makes, for the dry run.
    public func describeReads() -> [String] {
        ["FROM \(source.quoted) — every row, grouped by row hash into \(HashBuckets.count) buckets; then the rows of the "
            + "buckets that differ from the target"]
    }
}

/// Decides whether a table has no key and, if so, plans it. Only reads, like ``Planner``.
struct KeylessPlanner {
    let source: any Connection
    let target: any Connection
    let options: LoadOptions

    /// The plan when the table has no key; nil when it has one (``Planner`` plans it).
    func plan(_ config: TableConfig) throws -> KeylessPlan? {
        guard config.primaryKey.isEmpty else { return nil }
        let name = config.name
        let sourceTable = source.dialect.table(name, schema: options.sourceSchema)
        let targetTable = target.dialect.table(name, schema: options.targetSchema)
        let planner = Planner(source: source, target: target, options: options)
        var (columns, overrideNotes) = try planner.applyingColumnTypes(
            config, to: planner.checkedColumns(of: sourceTable, into: targetTable, table: name))
        guard try source.primaryKey(of: sourceTable).isEmpty else { return nil }
        guard target.dialect.rowLocator != nil else {
            throw LoadError(table: name, "no primary key, and a \(target.engine.displayName) target cannot tell "
                + "identical copies apart to delete one; declare primary_key in tables.yml")
        }

        var sync = try TargetSchemaSync(source: columns, key: [], target: target, table: targetTable,
                                    sourceDialect: source.dialect).plan()
        columns = columns.map { column in
            sync.convertedTypes[column.name].map {
                ColumnInfo(name: column.name, declaredType: column.declaredType, type: $0, isNullable: true)
            } ?? column
        }
        sync.warnings += Self.unusedSettings(config, options: options, strategy: planner.chooseStrategy(config))
        return KeylessPlan(
            table: name, source: sourceTable, target: targetTable, columns: columns,
            strategy: planner.chooseStrategy(config), policy: options.policy ?? config.policy ?? .reconcile,
            verifyMode: options.verifyMode(for: config), batchSize: max(1, options.batchSize ?? config.batchSize ?? 10_000),
            forceFull: options.forceFull, schemaChanges: sync.changes, warnings: sync.warnings,
            columnTypeOverrides: overrideNotes)
    }

    /// Settings that need a key, named rather than ignored in silence.
    static func unusedSettings(_ config: TableConfig, options: LoadOptions, strategy: StrategyKind) -> [String] {
        var warnings: [String] = []
        let cursorColumns = config.incrementalColumns + (config.primaryIncrementalColumn.map { [$0] } ?? [])
        if !cursorColumns.isEmpty {
            warnings.append("no primary key: incremental columns (\(Array(Set(cursorColumns)).sorted().joined(separator: ", "))) "
                + "are not a cursor — rows at or after a watermark cannot be told apart from copies already loaded, "
                + "so every run compares the whole table instead")
        }
        if (config.lookbackSeconds ?? 0) > 0 {
            warnings.append("no primary key: lookback_seconds is not used (every run compares the whole table)")
        }
        if strategy != .standard {
            warnings.append("no primary key: the \(strategy.rawValue) strategy's key order, pages or key ranges do "
                + "not apply; the table is compared and written in one transaction like every keyless table")
        }
        let policy = options.policy ?? config.policy ?? .reconcile
        if policy != .reconcile {
            warnings.append("no primary key: policy \(policy.rawValue) has no cursor to trust, so the table is "
                + "compared and corrected anyway; only reconcile checks it again after writing (verified)")
        }
        return warnings
    }
}
