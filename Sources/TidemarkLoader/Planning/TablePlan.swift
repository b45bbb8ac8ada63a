import TidemarkConfig
import TidemarkDatabase

/// How rows are selected for an incremental read, decided once per table from its config and source columns.
public enum CursorMode: String, Sendable, Equatable {
    /// Append-only: `key > W` in key order.
    case key
    /// The seed's `or_logic`, made tie-safe: `key > W OR ts > W_ts OR (ts = W_ts AND key > W_tk)` in key order.
    /// (`key` is a tuple for a composite key, compared as one: `(a, b) > (x, y)`, and `(ts, a, b) > …`.)
    case keyOrTimestamp = "key_or_timestamp"
    /// The seed's `and_logic`: `key > W AND ts > W_ts` (loses edits to old rows by design; honoured when asked).
    /// The timestamp watermark moves only when a pass completes (see ``Cursor/passTimestamp``).
    case keyAndTimestamp = "key_and_timestamp"
    /// In-place updates: undated rows by key, then `(ts, key) > (W_ts, W_tk)` in `(ts, key)` order.
    case timestamp
}

extension CursorMode {
    /// Whether a read pass keeps its starting timestamp watermark until it completes: a read in key order under
    /// a condition that needs the timestamp too (`and_logic`) would otherwise skip the pass's unread rows whose
    /// timestamps lie below one already read.
    var holdsTimestampDuringPass: Bool { self == .keyAndTimestamp }
}

/// One ordered read of the source: a condition and the order the rows come in. The cursor may be
/// checkpointed after any prefix of a phase, because the order and the condition agree.
struct ReadPhase: Sendable, Equatable {
    let condition: Predicate?
    let orderBy: [String]
}

/// Everything the pipeline decided about one table before reading a row.
public struct TablePlan: Sendable {
    public let table: String
    public let source: TableName
    public let target: TableName
    public let columns: [ColumnInfo]
    /// The primary key's columns in the key's order (the constraint's, or `primary_key` in tables.yml); one
    /// column is the one-element case.
    public let keyColumns: [String]
    public let timestampColumn: String?
    public let mode: CursorMode
    public let strategy: StrategyKind
    public let policy: PolicyKind
    public let batchSize: Int
    public let lookbackSeconds: Int
    /// How much `reconcile` verifies of this table (`verify:` in tables.yml, `--verify`).
    public let verifyMode: VerifyMode
    /// Runs over which `verify: rolling` covers every row.
    public let verifyCycle: Int
    /// The cursor from the tracking row, after validation (empty when there is none or it was discarded).
    public let storedCursor: Cursor
    /// True when this run reads everything: `--full`, no usable cursor, or a re-synchronisation after drift.
    public let isFullLoad: Bool
    /// Why the load is full, for logs and reports.
    public let fullLoadReason: String?
    /// What the target table needs before the load (applied by the pipeline, only described by a dry run).
    public let schemaChanges: [SchemaChange]
    public let warnings: [String]
    /// The dry run's line per `column_types:` entry.
    public var columnTypeOverrides: [String] = []

    /// Whether `reconcile` verifies this table at all.
    public var verify: Bool { verifyMode != .off }

    var columnNames: [String] { columns.map(\.name) }
    var keyIndices: [Int] { keyColumns.map { key in columns.firstIndex { $0.name == key }! } }
    var keyTypes: [ColumnType] { keyIndices.map { columns[$0].type } }
    /// The leading key column's type: parallel splits and verification ranges cut on that column.
    var leadingKeyType: ColumnType { keyTypes[0] }

    /// The key of a row of this table's columns.
    func key(of row: [Value]) -> RowKey { RowKey(keyIndices.map { row[$0] }) }

    /// A row's key when every component holds a value of its column's type: a key of another type (a REAL in a
    /// SQLite INTEGER key) is a rejected row, and must not become a cursor no later run could read back.
    func cursorKey(of row: [Value]) -> RowKey? {
        let key = key(of: row)
        return zip(key.values, keyTypes).allSatisfy { $1.holds($0) } ? key : nil
    }
    var timestampIndex: Int? { timestampColumn.flatMap { ts in columns.firstIndex { $0.name == ts } } }

    /// The phases of this run's read: incremental from the stored cursor, or everything.
    func phases(full: Bool) -> [ReadPhase] {
        let cursor = full ? Cursor.empty : storedCursor
        let key = keyColumns
        let keyAfter = cursor.key.map { Predicate.after(key, $0.values) }
        guard let ts = timestampColumn, mode != .key else {
            return [ReadPhase(condition: keyAfter, orderBy: key)]
        }
        let tsFrom = cursor.timestamp.map { watermark -> LocalTimestamp in
            lookbackSeconds > 0 ? watermark.adding(seconds: -lookbackSeconds) : watermark
        }
        // After the watermark, with the tie-breaker; a lookback re-reads a window behind it instead.
        let tsAfter: Predicate? = cursor.timestamp.map { watermark in
            if lookbackSeconds > 0 { return .greaterOrEqual(column: ts, than: .timestamp(tsFrom!)) }
            if let tieKey = cursor.timestampKey {
                return .after([ts] + key, [.timestamp(watermark)] + tieKey.values)
            }
            return .greater(column: ts, than: .timestamp(watermark))
        }
        switch mode {
        case .key:
            return [ReadPhase(condition: keyAfter, orderBy: key)]
        case .keyOrTimestamp:
            // No key cursor means nothing was read yet: everything. No timestamp yet means only undated rows
            // were seen: the key alone.
            guard let keyAfter else { return [ReadPhase(condition: nil, orderBy: key)] }
            return [ReadPhase(condition: tsAfter.map { .or([keyAfter, $0]) } ?? keyAfter, orderBy: key)]
        case .keyAndTimestamp:
            return [ReadPhase(condition: Predicate.all([keyAfter, tsAfter]), orderBy: key)]
        case .timestamp:
            let undated = ReadPhase(condition: Predicate.all([.undated(column: ts), keyAfter]), orderBy: key)
            let dated = ReadPhase(condition: Predicate.all([.not(.undated(column: ts)), tsAfter]), orderBy: [ts] + key)
            return [undated, dated]
        }
    }
}

extension TablePlan {
    /// Each read of this run as SQL with its bound values listed after it (for `--dry-run` and logs).
    public func describeReads(dialect: any SQLDialect) -> [String] {
        phases(full: isFullLoad).map { phase in
            let query = SourceQuery(dialect: dialect, types: columns, table: source, columns: ["…"],
                                    where: phase.condition, orderBy: phase.orderBy)
            let clause = query.sql.range(of: " FROM ").map { "FROM " + String(query.sql[$0.upperBound...]) } ?? query.sql
            return query.parameters.isEmpty ? clause : clause + "  -- " + query.parameters.map(\.description).joined(separator: ", ")
        }
    }
}
