import Foundation
import TidemarkDatabase

/// `load_status` values of the tracking contract.
public enum LoadStatus: String, Sendable {
    case pending, success, failed
}

/// One row of `etl_load_status`, the tracking contract users and their dbt models read.
public struct TrackingRow: Sendable, Equatable {
    public var tableName: String
    public var lastPrimaryValue: String?
    public var primaryColumnName: String?
    public var lastTimestampValue: String?
    public var rowsLoaded: Int64
    public var loadStatus: String?
    public var loadedAt: LocalTimestamp?
    // Tidemark's own columns.
    public var timestampColumnName: String?
    public var lastTimestampKey: String?
    public var lastError: String?
    /// The run that last wrote the row (`--json`'s run id, in `method_usage.json` too).
    public var runID: String?
    /// Grows by one with every run that takes the table: a write carrying a smaller fence than the row's is
    /// refused, so a run that lost its lock can never overwrite a newer run's cursor.
    public var fence: Int64?
    /// When the table last finished a load with success (wall clock, like `_loaded_at`).
    public var lastSuccessAt: LocalTimestamp?
    /// `and_logic`: the highest timestamp (and its key) read by a pass not yet completed (see
    /// `Cursor.passTimestamp`); NULL when no pass is in progress.
    public var passTimestampValue: String?
    public var passTimestampKey: String?
    /// How the cursor columns are to be read: ``TrackingRow/currentCursorFormat`` for rows this version wrote,
    /// NULL for rows of earlier versions and of the original pipeline.
    public var cursorFormat: Int64?

    /// 2: `last_timestamp_value` of an `and_logic` table is the watermark of the last completed pass, and a pass
    /// in progress keeps its own in `pass_timestamp_value`. (Before, it was the highest timestamp read so far,
    /// even by a pass that was interrupted.)
    public static let currentCursorFormat: Int64 = 2

    // `verify: rolling`'s place in its cycle (see ``RollingVerification``).
    /// The slice the next rolling verification checks, 0-based; NULL before the first one.
    public var verifySlice: Int64?
    /// The `verify_cycle` that slice counts in: a changed cycle starts over at slice 0.
    public var verifyCycle: Int64?
    /// The leading key where the next slice starts; NULL for the first slice (open below).
    public var verifyPosition: Int64?
    /// When a verification of every row of the table (`full`, or `rolling` widened to full) last ended clean
    /// or repaired (wall clock, like `_loaded_at`).
    public var lastFullVerifyAt: LocalTimestamp?
}

/// The columns of `etl_load_status` Tidemark creates, for code outside the loader that names them (a scenario's
/// `tracking_set` step).
public let trackingColumnNames = LoadStatusTable.contractColumns.map(\.name)

/// Reads and writes `etl_load_status` in the target. Checkpoints are written by the caller inside the same
/// target transaction as the rows they cover; nothing here opens a transaction of its own.
struct LoadStatusTable {
    static let name = "etl_load_status"

    let connection: any Connection
    let table: TableName
    /// Columns of a tracking table the original pipeline created that mean the same as `_loaded_at`, filled with
    /// it (found by ``ensureExists()``): `last_loaded`, which its older schema required.
    private(set) var loadedAtAliases: [String] = []
    static let knownLoadedAtAliases = ["last_loaded"]

    /// The table in `schema` where the target has schemas.
    init(connection: any Connection, schema: String?) {
        self.connection = connection
        self.table = connection.dialect.table(Self.name, schema: schema)
    }

    static let contractColumns: [ColumnDefinition] = [
        ColumnDefinition("table_name", .varchar(length: 255), nullable: false),
        ColumnDefinition("last_primary_value", .text),
        ColumnDefinition("primary_column_name", .varchar(length: 255)),
        ColumnDefinition("last_timestamp_value", .text),
        ColumnDefinition("rows_loaded", .bigint),
        ColumnDefinition("load_status", .varchar(length: 50)),
        ColumnDefinition("_loaded_at", .timestamp),
        ColumnDefinition("timestamp_column_name", .varchar(length: 255)),
        ColumnDefinition("last_timestamp_key", .text),
        ColumnDefinition("last_error", .text),
        ColumnDefinition("run_id", .varchar(length: 64)),
        ColumnDefinition("fence", .bigint),
        ColumnDefinition("last_success_at", .timestamp),
        ColumnDefinition("pass_timestamp_value", .text),
        ColumnDefinition("pass_timestamp_key", .text),
        ColumnDefinition("cursor_format", .bigint),
        ColumnDefinition("verify_slice", .bigint),
        ColumnDefinition("verify_cycle", .bigint),
        ColumnDefinition("verify_position", .bigint),
        ColumnDefinition("last_full_verify_at", .timestamp),
    ]

    /// Creates the table, or completes one that exists: the original pipeline's own table (an `id` key, a unique
    /// `table_name`, `last_loaded`, its indexes) is kept as it is, with Tidemark's columns added.
    mutating func ensureExists() throws {
        try connection.createSchemaIfMissing(table.schema)
        let existing = try connection.columns(of: table)
        if existing.isEmpty {
            try connection.createTable(TableSchema(name: table, columns: Self.contractColumns, primaryKey: ["table_name"]))
            return
        }
        // An older or hand-made tracking table: add what is missing, never drop anything.
        let present = Set(existing.map(\.name))
        loadedAtAliases = Self.knownLoadedAtAliases.filter(present.contains)
        for column in Self.contractColumns where !present.contains(column.name) {
            try connection.execute(
                "ALTER TABLE \(table.quoted) ADD COLUMN \(quoteIdentifier(column.name)) \(connection.dialect.ddl(column.type))")
        }
    }

    /// Every table with a tracking row.
    func tableNames() throws -> [String] {
        try connection.query("SELECT \(quoteIdentifier("table_name")) FROM \(table.quoted)").compactMap { $0[0].string }
    }

    func read(_ tableName: String) throws -> TrackingRow? {
        let names = Self.contractColumns.map(\.name)
        let rows = try connection.query(
            "SELECT \(quoteIdentifiers(names)) FROM \(table.quoted) WHERE \(quoteIdentifier("table_name")) = \(connection.engine.placeholder(1))",
            [.text(tableName)])
        guard let row = rows.first else { return nil }
        func text(_ name: String) -> String? {
            switch row[name] {
            case .text(let s)?: return s
            case .integer(let i)?: return String(i)
            case .timestamp(let t)?: return t.description
            case .decimal(let d)?: return d.description
            default: return nil
            }
        }
        func timestamp(_ name: String) -> LocalTimestamp? {
            switch row[name] {
            case .timestamp(let t)?: return t
            case .text(let text)?: return LocalTimestamp(text)
            default: return nil
            }
        }
        return TrackingRow(
            tableName: tableName, lastPrimaryValue: text("last_primary_value"),
            primaryColumnName: text("primary_column_name"), lastTimestampValue: text("last_timestamp_value"),
            rowsLoaded: row["rows_loaded"]?.int64 ?? 0, loadStatus: text("load_status"), loadedAt: timestamp("_loaded_at"),
            timestampColumnName: text("timestamp_column_name"), lastTimestampKey: text("last_timestamp_key"),
            lastError: text("last_error"), runID: text("run_id"), fence: row["fence"]?.int64,
            lastSuccessAt: timestamp("last_success_at"), passTimestampValue: text("pass_timestamp_value"),
            passTimestampKey: text("pass_timestamp_key"), cursorFormat: row["cursor_format"]?.int64,
            verifySlice: row["verify_slice"]?.int64, verifyCycle: row["verify_cycle"]?.int64,
            verifyPosition: row["verify_position"]?.int64, lastFullVerifyAt: timestamp("last_full_verify_at"))
    }

    /// Writes the whole row (insert or update) unless the stored row carries a larger fence: then a newer run
    /// owns the table and this write is refused.
    func write(_ row: TrackingRow) throws {
        let values: [Value] = [
            .text(row.tableName), row.lastPrimaryValue.map(Value.text) ?? .null,
            row.primaryColumnName.map(Value.text) ?? .null, row.lastTimestampValue.map(Value.text) ?? .null,
            .integer(row.rowsLoaded), row.loadStatus.map(Value.text) ?? .null,
            row.loadedAt.map(Value.timestamp) ?? .null, row.timestampColumnName.map(Value.text) ?? .null,
            row.lastTimestampKey.map(Value.text) ?? .null, row.lastError.map(Value.text) ?? .null,
            row.runID.map(Value.text) ?? .null, row.fence.map(Value.integer) ?? .null,
            row.lastSuccessAt.map(Value.timestamp) ?? .null,
            row.passTimestampValue.map(Value.text) ?? .null, row.passTimestampKey.map(Value.text) ?? .null,
            row.cursorFormat.map(Value.integer) ?? .null,
            row.verifySlice.map(Value.integer) ?? .null, row.verifyCycle.map(Value.integer) ?? .null,
            row.verifyPosition.map(Value.integer) ?? .null, row.lastFullVerifyAt.map(Value.timestamp) ?? .null,
        ] + loadedAtAliases.map { _ in row.loadedAt.map(Value.timestamp) ?? .null }
        let names = Self.contractColumns.map(\.name) + loadedAtAliases
        let placeholders = (1...names.count).map(connection.engine.placeholder).joined(separator: ", ")
        let updates = names.dropFirst().map { "\(quoteIdentifier($0)) = excluded.\(quoteIdentifier($0))" }
        let stored = quoteIdentifier(table.name) + "." + quoteIdentifier("fence")
        let written = try connection.execute(
            "INSERT INTO \(table.quoted) (\(quoteIdentifiers(names))) VALUES (\(placeholders)) "
                + "ON CONFLICT (\(quoteIdentifier("table_name"))) DO UPDATE SET " + updates.joined(separator: ", ")
                + " WHERE \(stored) IS NULL OR \(stored) <= excluded.\(quoteIdentifier("fence"))",
            values)
        guard written > 0 else {
            throw LoadError(table: row.tableName, "a newer run has taken over this table (its fence is above "
                + "\(row.fence ?? 0)); this run stops without writing")
        }
    }

    /// The wall clock, for `_loaded_at` only: informational, never a cursor.
    static func now(skew: Int = 0) -> LocalTimestamp {
        let seconds = Date().timeIntervalSince1970 + Double(skew)
        return LocalTimestamp(microsecondsSinceEpoch: Int64((seconds * 1_000_000).rounded(.down)))
    }
}

extension TrackingRow {
    /// The row's cursor values written as the contract's text columns.
    /// Keys as ``RowKey/text`` spells them: a single key as before, a composite one as a JSON array of texts.
    mutating func store(_ cursor: Cursor, keyColumns: [String], timestampColumn: String?) {
        lastPrimaryValue = cursor.key?.text
        primaryColumnName = RowKey.columnsText(keyColumns)
        lastTimestampValue = cursor.timestamp?.description
        timestampColumnName = timestampColumn
        lastTimestampKey = cursor.timestampKey?.text
        passTimestampValue = cursor.passTimestamp?.description
        passTimestampKey = cursor.passTimestampKey?.text
        cursorFormat = Self.currentCursorFormat
    }

    static func text(_ value: Value) -> String {
        switch value {
        case .text(let s): return s
        case .integer(let i): return String(i)
        case .decimal(let d): return d.description
        case .timestamp(let t): return t.description
        case .date(let d): return d.description
        default: return value.description
        }
    }
}
