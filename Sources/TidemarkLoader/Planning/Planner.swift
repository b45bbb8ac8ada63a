import TidemarkConfig
import TidemarkDatabase

/// A table that cannot be loaded as configured: named, with the reason. Maps to exit code 1 in `etl-run`.
public struct LoadError: Error, Sendable, CustomStringConvertible {
    public let table: String
    public let message: String

    public init(table: String, _ message: String) {
        self.table = table
        self.message = message
    }

    public var description: String { "\(table): \(message)" }
}

/// Turns a table's config, the source's columns, the target's table and the tracking row into a ``TablePlan``.
/// It only reads: the changes the target needs (a table to create, columns to add) are part of the plan, and
/// the pipeline applies them.
struct Planner {
    let source: any Connection
    let target: any Connection
    let options: LoadOptions

    func plan(_ config: TableConfig, tracking: TrackingRow?) throws -> TablePlan {
        let name = config.name
        let sourceTable = source.dialect.table(name, schema: options.sourceSchema)
        let targetTable = target.dialect.table(name, schema: options.targetSchema)
        var warnings: [String] = []

        var (columns, overrideNotes) = try applyingColumnTypes(
            config, to: checkedColumns(of: sourceTable, into: targetTable, table: name))
        let byName = Dictionary(columns.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

        let key = config.primaryKey.isEmpty ? try source.primaryKey(of: sourceTable) : config.primaryKey
        guard !key.isEmpty else {
            // TableLoader sends a table without a key to KeylessSync before planning it here.
            throw LoadError(table: name, "no primary key: a table without one is loaded as a multiset of rows")
        }
        for column in key where byName[column] == nil {
            throw LoadError(table: name, "primary_key column \(column) is not in the source table")
        }
        try checkKeyOverrides(config, key: key, columns: columns)
        if Set(key).count < key.count {
            throw LoadError(table: name, "primary_key names a column twice: \(key.joined(separator: ", "))")
        }
        // A composite key is one tuple everywhere (cursor, pages, ranges, repair); the leading column stands for
        // it where one column is named (the default primary incremental column).
        let keyColumn = key[0]
        let keyTypes = key.map { byName[$0]!.type }
        let keyText = RowKey.columnsText(key)

        // Configured cursor columns must exist in the source (FM-5, FM-28); missing ones are dropped loudly.
        var incremental = config.incrementalColumns
        for column in incremental where byName[column] == nil {
            warnings.append("incremental column \(column) is not in the source table; ignoring it")
        }
        incremental.removeAll { byName[$0] == nil }
        if let primary = config.primaryIncrementalColumn, byName[primary] == nil {
            warnings.append("primary_incremental_column \(primary) is not in the source table; using \(keyColumn)")
        }
        let primary = config.primaryIncrementalColumn.flatMap { byName[$0] == nil ? nil : $0 } ?? keyColumn
        var timestampCandidates: [String] = []
        for column in [primary] + incremental
        where !key.contains(column) && !timestampCandidates.contains(column) && byName[column]?.type.isTimestamp == true {
            timestampCandidates.append(column)
        }
        var timestampColumn = timestampCandidates.first
        if timestampCandidates.count > 1 {
            warnings.append("only \(timestampCandidates[0]) is followed as the timestamp cursor; "
                + timestampCandidates.dropFirst().joined(separator: ", ") + " not (one timestamp cursor per table "
                + "so far): rows whose only change is there are found by reconcile's verification, not by none or hybrid")
        }
        let mode = Self.mode(config: config, primary: primary, keyColumns: key, timestampColumn: timestampColumn)
        if mode == .key { timestampColumn = nil }
        if config.incrementalColumns.contains(where: { !key.contains($0) && byName[$0] != nil && byName[$0]?.type.isTimestamp != true }) {
            warnings.append("incremental columns other than the key that are not timestamps are not used as cursors")
        }

        var sync = try TargetSchemaSync(source: columns, key: key, target: target, table: targetTable,
                                    sourceDialect: source.dialect).plan()
        warnings += sync.warnings
        // Values are converted to what the target column holds; the checksum spells the source's the same way.
        columns = columns.map { column in
            sync.convertedTypes[column.name].map {
                ColumnInfo(name: column.name, declaredType: column.declaredType, type: $0, isNullable: column.isNullable)
            } ?? column
        }
        // Earlier versions reloaded through a permanent `tidemark_swap_<table>` and could leave it behind.
        let leftover = TableName("tidemark_swap_" + name, schema: targetTable.schema)
        if try target.tableExists(leftover) {
            sync.changes.insert(.dropLeftover(leftover), at: 0)
            warnings.append("removing \(leftover), left behind by an earlier Tidemark run")
        }

        // The stored cursor counts only if it belongs to the same columns (FM-26) and parses (FM-8).
        var cursor = Cursor.empty
        var fullReason: String? = options.forceFull ? "--full" : nil
        if let tracking {
            if tracking.primaryColumnName != nil, tracking.primaryColumnName != keyText {
                warnings.append("tracking cursor belongs to column \(tracking.primaryColumnName!), not \(keyText); "
                    + "discarding it")
            } else if let text = tracking.lastPrimaryValue {
                if let value = RowKey(text: text, types: keyTypes) {
                    cursor.key = value
                } else {
                    warnings.append("tracking value '\(text)' is not a valid \(keyText); discarding the cursor")
                }
            }
            let legacyInterruptedPass = mode.holdsTimestampDuringPass && tracking.cursorFormat == nil
                && tracking.loadStatus != LoadStatus.success.rawValue && tracking.lastTimestampValue != nil
            if cursor.key != nil, timestampColumn != nil, legacyInterruptedPass {
                // An earlier version stored the highest timestamp read so far even when the pass did not
                // complete, which skips the pass's unread rows below it: read by the key alone this once.
                warnings.append("tracking row from an earlier version of an and_logic run that did not complete "
                    + "(\(tracking.loadStatus ?? "no status")): its timestamp may be past unread rows, so this run "
                    + "reads every row after key \(cursor.key!) and sets the timestamp anew")
            } else if cursor.key != nil, let ts = timestampColumn, let text = tracking.lastTimestampValue {
                if tracking.timestampColumnName != nil, tracking.timestampColumnName != ts {
                    warnings.append("tracking timestamp belongs to \(tracking.timestampColumnName!), not \(ts); discarding it")
                } else if let value = LocalTimestamp(text), value != .zeroDate {
                    cursor.timestamp = value
                    cursor.timestampKey = tracking.lastTimestampKey.flatMap { RowKey(text: $0, types: keyTypes) }
                } else {
                    warnings.append("tracking timestamp '\(text)' is not a timestamp; discarding it")
                }
            }
        }
        // A pass in progress (and_logic): its timestamp so far, which becomes the watermark when it completes.
        if let tracking, cursor.key != nil, let ts = timestampColumn, mode.holdsTimestampDuringPass,
            tracking.timestampColumnName == nil || tracking.timestampColumnName == ts,
            let text = tracking.passTimestampValue, let value = LocalTimestamp(text), value != .zeroDate
        {
            cursor.passTimestamp = value
            cursor.passTimestampKey = tracking.passTimestampKey.flatMap { RowKey(text: $0, types: keyTypes) }
        }
        if cursor.key == nil, fullReason == nil { fullReason = "no usable cursor" }
        if !sync.addedColumns.isEmpty, fullReason == nil {
            fullReason = "columns added to the target: " + sync.addedColumns.joined(separator: ", ")
        }

        let policy = options.policy ?? config.policy ?? .reconcile
        let verifyMode = options.verifyMode(for: config)
        // A configured key the source does not declare may hold duplicates, which upserts would silently collapse
        // into one row each. Checked when this run reads or verifies every row anyway.
        if !config.primaryKey.isEmpty, fullReason != nil || (policy == .reconcile && verifyMode == .full),
           try source.primaryKey(of: sourceTable) != key
        {
            try checkUnique(key, of: sourceTable, table: name)
        }

        return TablePlan(
            table: name, source: sourceTable, target: targetTable, columns: columns, keyColumns: key,
            timestampColumn: timestampColumn, mode: mode, strategy: chooseStrategy(config),
            policy: policy,
            batchSize: max(1, options.batchSize ?? config.batchSize ?? 10_000),
            lookbackSeconds: config.lookbackSeconds ?? 0, verifyMode: verifyMode,
            verifyCycle: config.verifyCycle ?? VerifyMode.defaultCycle, storedCursor: fullReason == nil ? cursor : .empty,
            isFullLoad: fullReason != nil, fullLoadReason: fullReason, schemaChanges: sync.changes, warnings: warnings,
            columnTypeOverrides: overrideNotes)
    }

    /// The columns with `column_types:` applied: each named column takes the override's type (its declaration
    /// stays the source's, so a dialect can tell what its checksum must convert). A column the source does not
    /// have, or a change the loader cannot make and verify, fails the table naming the entry. Names match as the
    /// source compares them (MySQL and SQLite without regard to ASCII case, PostgreSQL exactly). Also returns the
    /// dry run's line per override.
    func applyingColumnTypes(_ config: TableConfig, to columns: [ColumnInfo]) throws -> ([ColumnInfo], [String]) {
        guard !config.columnTypes.isEmpty else { return (columns, []) }
        let dialect = source.dialect
        var result = columns
        var notes: [String] = []
        var claimed: [String: String] = [:]
        for override in config.columnTypes {
            func failure(_ message: String) -> LoadError {
                LoadError(table: config.name, override.located(message, table: config.name))
            }
            let wanted = dialect.identifierKey(override.column)
            guard let index = result.firstIndex(where: { dialect.identifierKey($0.name) == wanted }) else {
                let near = result.first { foldingASCIICase($0.name) == foldingASCIICase(override.column) }
                let hint = near.map { " (it has \($0.name); \(source.engine.displayName) compares column names exactly)" }
                throw failure("column \(override.column) is not in the source table \(config.name)" + (hint ?? ""))
            }
            let column = result[index]
            if let other = claimed[column.name] {
                throw failure("\(override.column) and \(other) are one source column, \(column.name)")
            }
            claimed[column.name] = override.column
            if let refusal = column.type.overrideRefusal(as: override.type) { throw failure(refusal) }
            result[index] = ColumnInfo(name: column.name, declaredType: column.declaredType, type: override.type,
                                       isNullable: column.isNullable)
            notes.append("\(column.name): \(column.declaredType) (\(column.type)) loaded as \(override.type) "
                + "(column_types)")
        }
        return (result, notes)
    }

    /// A key column's type decides how the cursor compares and how ranges are cut: only a change of integer width
    /// keeps both.
    func checkKeyOverrides(_ config: TableConfig, key: [String], columns: [ColumnInfo]) throws {
        let dialect = source.dialect
        for override in config.columnTypes where !override.type.isInteger {
            let wanted = dialect.identifierKey(override.column)
            guard let column = columns.first(where: { dialect.identifierKey($0.name) == wanted }), key.contains(column.name),
                  column.type != dialect.columnType(declared: column.declaredType) else { continue }
            throw LoadError(table: config.name, override.located(
                "\(column.name) is a primary key column: its type can change only between integer widths",
                table: config.name))
        }
    }

    /// The source table's columns, once the names the target would alter or take for one are refused (before
    /// anything is written).
    func checkedColumns(of sourceTable: TableName, into targetTable: TableName, table name: String) throws -> [ColumnInfo] {
        let names = TargetNames(dialect: target.dialect)
        try names.checkTable(targetTable)
        let columns = try source.columns(of: sourceTable)
        guard !columns.isEmpty else { throw LoadError(table: name, "source table \(sourceTable) does not exist") }
        try names.checkColumns(columns.map(\.name), table: name)
        return columns
    }

    /// Throws, naming the key and one duplicated value, when the key `columns` are not unique in the source table.
    func checkUnique(_ columns: [String], of table: TableName, table name: String) throws {
        let key = quoteIdentifiers(columns)
        let duplicate = try source.query("SELECT \(key), count(*) FROM \(table.quoted) GROUP BY \(key) "
            + "HAVING count(*) > 1 LIMIT 1")
        guard let row = duplicate.first else { return }
        let shown = RowKey(Array(row.values[..<columns.count])).description
        let value = shown.count > 80 ? shown.prefix(80) + "…" : shown
        throw LoadError(table: name, "primary_key \(columns.joined(separator: ", ")) is not unique in the source "
            + "table: value \(value) appears \(row[columns.count].int64 ?? 0) times; name a unique column as primary_key")
    }

    /// The seed's routing by size (rows > 1M parallel; MB > 500 copy; > 200 chunked; > 50 streaming), unless
    /// the command line or the config names a strategy.
    func chooseStrategy(_ config: TableConfig) -> StrategyKind {
        if case .fixed(let kind)? = options.strategy { return kind }
        if case .fixed(let kind)? = config.strategy { return kind }
        let rows = config.estimatedRows ?? 0
        let megabytes = config.estimatedSizeMB ?? 0
        if rows > 1_000_000 { return .parallel }
        if megabytes > 500 { return .copy }
        if megabytes > 200 { return .chunked }
        if megabytes > 50 { return .streaming }
        return .standard
    }

    static func mode(config: TableConfig, primary: String, keyColumns: [String], timestampColumn: String?) -> CursorMode {
        guard timestampColumn != nil else { return .key }
        if config.syncProfile == .appendOnly { return .key }
        switch config.incrementalStrategy {
        case .singleColumn?: return keyColumns.contains(primary) ? .key : .timestamp
        case .andLogic?: return .keyAndTimestamp
        case .none?: return .key
        case .orLogic?: return config.syncProfile == .inPlaceUpdates ? .timestamp : .keyOrTimestamp
        case nil: return config.syncProfile == .inPlaceUpdates ? .timestamp : .keyOrTimestamp
        }
    }

    static func keyValue(_ text: String, type: ColumnType) -> Value? {
        switch type {
        case .bigint, .integer, .smallint: return Int64(text).map(Value.integer)
        case .text, .varchar, .character, .uuid, .time, .duration: return .text(text)
        case .timestamp, .timestampWithTimeZone: return LocalTimestamp(text).map(Value.timestamp)
        case .date: return LocalDate(text).map(Value.date)
        case .numeric: return ExactDecimal(text).map(Value.decimal)
        default: return nil
        }
    }
}

/// What the target table needs to match the source's columns: created when missing, new columns added. A table
/// is never dropped to fix drift (FM-4); a removed column or a changed type is reported, not "fixed".
struct TargetSchemaSync {
    let source: [ColumnInfo]
    let key: [String]
    let target: any Connection
    let table: TableName
    /// The source's dialect, which reads each column's own declaration.
    let sourceDialect: any SQLDialect

    struct Outcome {
        var changes: [SchemaChange] = []
        var addedColumns: [String] = []
        var warnings: [String] = []
        /// Source columns whose values are converted to an existing target column's other type, by name.
        var convertedTypes: [String: ColumnType] = [:]
    }

    func plan() throws -> Outcome {
        var outcome = Outcome()
        let existing = try target.columns(of: table)
        let definitions = source.map { ColumnDefinition($0.name, $0.type, nullable: !key.contains($0.name)) }
        if existing.isEmpty {
            outcome.changes.append(.createTable(TableSchema(name: table, columns: definitions, primaryKey: key)))
            return outcome
        }
        // Compared as the target compares names: on SQLite a source column `name` is the target's `Name`.
        let dialect = target.dialect
        let existingByName = Dictionary(existing.map { (dialect.identifierKey($0.name), $0) },
                                        uniquingKeysWith: { a, _ in a })
        for column in source {
            guard let present = existingByName[dialect.identifierKey(column.name)] else { continue }
            // A target table made by someone else may hold a flag as boolean where the source has 0/1 in an
            // integer (the original pipeline decided from the data): converted row by row, 0/1 only.
            if column.type.isInteger, present.type == .boolean {
                outcome.convertedTypes[column.name] = .boolean
                continue
            }
            if !Self.compatible(present.type, column.type) {
                throw LoadError(table: table.name, "column \(column.name) is \(column.type) in the source but "
                    + "\(present.type) in the target; change the target column by hand (Tidemark never drops a table)"
                    + overrideHint(column, into: present))
            }
            // A source column widened since the target was made (varchar(10) → varchar(40), numeric(10,2) →
            // numeric(12,4), int → bigint) widens the target's; it is never narrowed.
            if let wider = present.type.widened(toHold: column.type),
               target.dialect.widenColumn(present.name, of: table, to: wider) != nil {
                outcome.changes.append(.widenColumn(table, present.name, from: present.type, to: wider))
                outcome.warnings.append("widening target column \(present.name) from \(present.type) to \(wider), "
                    + "as the source's is now \(column.type)")
            }
        }
        for definition in definitions where existingByName[dialect.identifierKey(definition.name)] == nil {
            outcome.addedColumns.append(definition.name)
            outcome.changes.append(.addColumn(table, definition))
        }
        let sourceNames = Set(source.map { dialect.identifierKey($0.name) })
        for column in existing where !sourceNames.contains(dialect.identifierKey(column.name)) {
            outcome.warnings.append("target column \(column.name) is no longer in the source; it is kept, "
                + "and new rows leave it NULL")
        }
        return outcome
    }

    /// Where the source column could be loaded as the target's type instead, the `column_types:` entry that does
    /// it (the original pipeline's raw tables keep MySQL's TINYINT(1) flags as smallint).
    func overrideHint(_ column: ColumnInfo, into present: ColumnInfo) -> String {
        let declared = sourceDialect.columnType(declared: column.declaredType)
        guard ColumnType(logicalName: present.type.description) == present.type,
              declared.overrideRefusal(as: present.type) == nil else { return "" }
        return ", or load it as the target's type with `column_types: {\(column.name): \(present.type)}` for the table "
            + "in tables.yml"
    }

    /// Types that hold the same values: text of any length (and what a target without the type keeps as
    /// text), integers of any width, floats of either size, JSON either way.
    static func compatible(_ a: ColumnType, _ b: ColumnType) -> Bool {
        func family(_ t: ColumnType) -> String {
            switch t {
            case .text, .varchar, .character, .foreign: return "text"
            case .bigint, .integer, .smallint: return "integer"
            case .numeric: return "numeric"
            case .real, .double: return "float"
            case .json, .jsonb: return "json"
            default: return t.description
            }
        }
        return family(a) == family(b)
    }
}

/// A change the target needs before a load, planned by the ``Planner`` and applied by the pipeline.
public enum SchemaChange: Sendable, CustomStringConvertible {
    case createTable(TableSchema)
    case addColumn(TableName, ColumnDefinition)
    /// A staging table an earlier run of Tidemark left behind (never a user's table; never with CASCADE).
    case dropLeftover(TableName)
    /// A target column widened to hold what its source column now holds.
    case widenColumn(TableName, String, from: ColumnType, to: ColumnType)

    func apply(on connection: any Connection) throws {
        switch self {
        case .createTable(let schema):
            try connection.createSchemaIfMissing(schema.name.schema)
            try connection.createTable(schema)
        case .addColumn(let table, let column):
            try connection.execute("ALTER TABLE \(table.quoted) ADD COLUMN \(quoteIdentifier(column.name)) "
                + connection.dialect.ddl(column.type))
        case .dropLeftover(let table):
            try connection.execute("DROP TABLE \(table.quoted)")
        case .widenColumn(let table, let column, let from, let to):
            guard let sql = connection.dialect.widenColumn(column, of: table, to: to) else { return }
            do {
                try connection.execute(sql)
            } catch let error as DatabaseError where error.kind == .statement {
                // PostgreSQL refuses while a view or rule uses the column (dbt's staging views do).
                throw LoadError(table: table.name, "cannot widen target column \(column) from \(from) to \(to), "
                    + "which the source now holds: \(error.reason). If views use the column, drop them, run again "
                    + "and recreate them (dbt run); Tidemark never drops a user's objects")
            }
        }
    }

    public var description: String {
        switch self {
        case .createTable(let schema): return "create target table \(schema.name)"
        case .addColumn(let table, let column): return "add column \(column.name) \(column.type) to \(table)"
        case .dropLeftover(let table): return "drop \(table), left behind by an earlier run"
        case .widenColumn(let table, let column, let from, let to): return "widen \(table).\(column) from \(from) to \(to)"
        }
    }
}
