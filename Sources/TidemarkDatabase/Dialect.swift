import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// What differs between engines in the SQL Tidemark writes. Each driver owns its dialect and hands it out as
/// ``Connection/dialect``, so the loader and the simulator never ask which engine they talk to: adding an engine
/// means writing one more dialect, not one more branch in every caller.
public protocol SQLDialect: Sendable {
    /// The engine, for error messages and reports only.
    var engine: Engine { get }

    /// Whether tables live in schemas. Without them (SQLite) a table is always unqualified.
    var hasSchemas: Bool { get }

    /// The logical type of a column declared `declared` in this engine (its spelling as introspection reports
    /// it): the engine's own names and storage rules first, then standard SQL, and a ``ColumnType/foreign(name:engine:)``
    /// for anything else, so a column never blocks its table.
    func columnType(declared: String) -> ColumnType

    /// The column's type in a CREATE TABLE or ADD COLUMN.
    func ddl(_ type: ColumnType) -> String

    /// The type of a primary key column in a CREATE TABLE: ``ddl(_:)`` where the engine can index any value of
    /// the type.
    func keyDDL(_ type: ColumnType) -> String

    /// `ALTER TABLE … ALTER COLUMN … TYPE …` widening a column to `type`; nil when the engine does not enforce
    /// declared types (SQLite), so there is nothing to change.
    func widenColumn(_ column: String, of table: TableName, to type: ColumnType) -> String?

    /// `CREATE SCHEMA IF NOT EXISTS …`, or nil when the engine has no schemas.
    func createSchema(_ schema: String) -> String?

    /// The qualified name of a session-private table: it is gone when the connection closes, however it ends,
    /// and the qualification keeps a DROP of it from ever reaching a user's table of the same name.
    func temporaryTable(_ name: String) -> TableName

    /// `CREATE INDEX IF NOT EXISTS name ON table (columns)`, the index in the table's schema (engines disagree on
    /// where that schema is written).
    func createIndex(_ name: String, on table: TableName, columns: [String]) -> String

    /// `INSERT … <rows> ON CONFLICT (key) DO UPDATE … WHERE <some column changed>`: `rows` is a VALUES list or
    /// a SELECT. Unchanged rows are left alone, so the count it returns is rows inserted or changed; "changed"
    /// is judged by each column's type as a checksum sees it (`1.5` → `1.50` is a change).
    func upsert(into table: TableName, columns: [ColumnDefinition], key: [String], rows: String) -> String

    /// A writer that upserts batches of rows into one table by this engine's fastest route.
    func makeUpserter(on connection: any Connection, table: TableName, columns: [ColumnDefinition],
                      key: [String]) -> any RowUpserter

    /// Takes the lock named `name` for this process, shared by every process that loads into the same
    /// database: nil when another holder has it and `waitSeconds` passed. The lock is released by
    /// ``HeldLock/release()`` and, whatever happens, when the holder's connection or process ends.
    func lock(_ name: String, on connection: any Connection, waitSeconds: Double) throws -> (any HeldLock)?

    // MARK: Names

    /// The longest identifier the engine keeps, in bytes; nil when it keeps any length or refuses a longer one.
    /// PostgreSQL cuts a longer name to 63 bytes (NAMEDATALEN − 1) without an error, so two long names can
    /// become one.
    var maxIdentifierBytes: Int? { get }

    /// The form in which the engine compares a quoted identifier (as Tidemark always writes them): two names
    /// with equal keys name one table or column. SQLite folds ASCII letters to lower case; PostgreSQL keeps the
    /// name's case and cuts it to ``maxIdentifierBytes``.
    func identifierKey(_ name: String) -> String

    // MARK: Verification

    /// The SQL expression of a row's canonical text: PostgreSQL's `ROW(c1, …)::text` spelling, byte for byte
    /// the same on every engine for the same values (doubles by bit pattern, -0.0 as 0.0).
    func canonicalRow(_ columns: [ColumnInfo]) -> String

    /// The SQL expression of a row's 64-bit hash by `function` (one of ``rowHashFunctions(on:)``) over its
    /// canonical text.
    func rowHash(_ columns: [ColumnInfo], using function: RowHashFunction) -> String

    /// Whether checksums of many key ranges are best computed by one grouped scan (a hash aggregate) rather
    /// than one indexed range scan per range (SQLite would sort every row into a temporary b-tree to group).
    var groupsRangesInOneScan: Bool { get }

    /// The number of whole `width`s from `lower` to `key` (all three integer expressions), rounded down: the
    /// key's bucket in a grouped checksum scan. `exact` when `key − lower` may not fit in 64 bits, so the
    /// arithmetic must be done in decimals.
    func bucketNumber(of key: String, from lower: String, width: String, exact: Bool) -> String

    /// The hash functions this connection computes exactly as ``RowHashFunction/hash(_:)`` does, in order of
    /// preference: a server hashes text in its own encoding and byte order, so each is probed, not assumed.
    func rowHashFunctions(on connection: any Connection) throws -> [RowHashFunction]

    // MARK: Tables without a key

    /// How one stored row of a table is named, so a table without a key can delete one of several identical
    /// copies (SQLite `rowid`, PostgreSQL `ctid`); nil when the engine has none Tidemark writes.
    var rowLocator: RowLocator? { get }

    // MARK: Ordering

    /// The column as cursor predicates and ORDER BY compare it, so that every engine orders a column's values the
    /// same way: timestamps as instants (not as text that spells them), text byte by byte (UTF-8, as PostgreSQL's
    /// `COLLATE "C"` and SQLite's BINARY do). Plain `"column"` where the engine's own comparison already does.
    func comparable(_ column: String, type: ColumnType?) -> String

    /// A bound value as it is compared with ``comparable(_:type:)`` of a column of `type`.
    func comparableParameter(_ placeholder: String, type: ColumnType?) -> String

    /// For a comparison `column ≥ value` (or `>`, `=`) that ``comparable(_:type:)`` rewrites into an expression no
    /// index can serve: a value `low` such that the comparison implies `"column" >= low` on the bare column, which
    /// an index on the column can start a range scan from. Nil when none is needed.
    func indexableLowerBound(_ value: Value, type: ColumnType?) -> Value?
}

extension SQLDialect {
    public func keyDDL(_ type: ColumnType) -> String { ddl(type) }

    /// Integer division truncates in PostgreSQL and SQLite; keys at or above `lower` make that a floor.
    public func bucketNumber(of key: String, from lower: String, width: String, exact: Bool) -> String {
        exact ? "FLOOR((CAST(\(key) AS NUMERIC) - \(lower)) / CAST(\(width) AS NUMERIC))" : "(\(key) - \(lower)) / \(width)"
    }

    public var rowLocator: RowLocator? { nil }
    public func comparable(_ column: String, type: ColumnType?) -> String { quoteIdentifier(column) }
    public func comparableParameter(_ placeholder: String, type: ColumnType?) -> String { placeholder }
    public func indexableLowerBound(_ value: Value, type: ColumnType?) -> Value? { nil }
}

extension SQLDialect {
    /// `name` as the engine stores it: cut at a character boundary to ``maxIdentifierBytes``, as PostgreSQL
    /// does.
    public func storedIdentifier(_ name: String) -> String {
        guard let limit = maxIdentifierBytes, name.utf8.count > limit else { return name }
        return utf8Prefix(name, bytes: limit)
    }

    /// A name Tidemark derives (a staging table, its index): `name` itself when the engine keeps it whole,
    /// otherwise its first bytes, `_` and 8 hex digits of the whole name's hash — within the limit, and as
    /// distinct as the full names, where the server's own cut would make two long names one.
    public func derivedIdentifier(_ name: String) -> String {
        guard let limit = maxIdentifierBytes, name.utf8.count > limit else { return name }
        let hash = String(UInt64(bitPattern: TextHash.hash(name)) & 0xffff_ffff, radix: 16)
        let suffix = "_" + String(repeating: "0", count: 8 - hash.count) + hash
        return utf8Prefix(name, bytes: limit - suffix.utf8.count) + suffix
    }
}

/// Names one stored row of a table: ``select`` reads it as text, ``match(_:)`` is the condition on the row whose
/// locator is the bound text in the placeholder given.
public struct RowLocator: Sendable {
    public let select: String
    public let match: @Sendable (_ placeholder: String) -> String

    public init(select: String, match: @escaping @Sendable (_ placeholder: String) -> String) {
        self.select = select
        self.match = match
    }
}

/// The longest prefix of `name` of at most `bytes` UTF-8 bytes that ends at a character boundary.
private func utf8Prefix(_ name: String, bytes limit: Int) -> String {
    var kept = String.UnicodeScalarView()
    var bytes = 0
    for scalar in name.unicodeScalars {
        bytes += scalar.utf8.count
        if bytes > limit { break }
        kept.append(scalar)
    }
    return String(kept)
}

/// `name` with ASCII letters folded to lower case, as SQLite compares identifiers (other letters keep their case).
public func foldingASCIICase(_ name: String) -> String {
    var folded = String.UnicodeScalarView()
    for scalar in name.unicodeScalars {
        folded.append(("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar)
    }
    return String(folded)
}

/// A lock taken by ``SQLDialect/lock(_:on:waitSeconds:)``.
public protocol HeldLock: AnyObject {
    func release()
}

/// A lock a database session holds until it releases it or ends (the server then releases it).
public final class SessionLock: HeldLock {
    private weak var connection: (any Connection)?
    private let releaseSQL: String
    private let key: Value
    private var held = true

    /// `releaseSQL`, run with `key` as its one parameter, releases the lock.
    public init(connection: any Connection, key: Value, releaseSQL: String) {
        self.connection = connection
        self.key = key
        self.releaseSQL = releaseSQL
    }

    /// A failure to unlock (the session is gone) leaves nothing to release: the server already did.
    public func release() {
        guard held else { return }
        held = false
        _ = try? connection?.execute(releaseSQL, [key])
    }

    deinit { release() }
}

extension SQLDialect {
    /// Tries `attempt` every 50 ms until it succeeds or `waitSeconds` have passed.
    public func polling<L>(waitSeconds: Double, _ attempt: () throws -> L?) throws -> L? {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, min(waitSeconds, 86_400)) * 1e9)
        while true {
            if let held = try attempt() { return held }
            if DispatchTime.now().uptimeNanoseconds >= deadline { return nil }
            usleep(50_000)
        }
    }
}

/// Writes batches of rows into one table as upserts; created by ``SQLDialect/makeUpserter(on:table:columns:key:types:)``.
public protocol RowUpserter: AnyObject {
    /// Upserts the rows; returns how many were inserted or changed.
    func upsert(_ rows: [[Value]]) throws -> Int
}

extension SQLDialect {
    /// The spelling standard SQL gives a type, where every engine accepts it; nil for the types each dialect
    /// spells its own way.
    public func standardDDL(_ type: ColumnType) -> String? {
        switch type {
        case .bigint: return "BIGINT"
        case .integer: return "INTEGER"
        case .smallint: return "SMALLINT"
        case .boolean: return "BOOLEAN"
        case .text: return "TEXT"
        case .varchar(let n): return "VARCHAR(\(n))"
        case .character(let n): return "CHAR(\(n))"
        case .date: return "DATE"
        case .real: return "REAL"
        default: return nil
        }
    }

    /// The table's name in this engine: in `schema` where the engine has schemas, unqualified otherwise.
    public func table(_ name: String, schema: String?) -> TableName {
        TableName(name, schema: hasSchemas ? schema : nil)
    }

    /// The upsert statement both dialects write, with their spellings of the pieces that differ: how the
    /// INSERT names its table, how the change predicate names the existing row, and how it tells that a column's
    /// existing value (first argument) differs from the incoming one (second) for the column's type.
    public func upsertStatement(into table: TableName, columns: [ColumnDefinition], key: [String], rows: String,
                                tableClause: String, existingRow: String,
                                differs: (ColumnType, String, String) -> String) -> String {
        let insert = "INSERT INTO \(tableClause) (\(quoteIdentifiers(columns.map(\.name)))) \(rows) "
        let nonKey = columns.filter { !key.contains($0.name) }
        guard !nonKey.isEmpty else { return insert + "ON CONFLICT (\(quoteIdentifiers(key))) DO NOTHING" }
        let sets = nonKey.map { "\(quoteIdentifier($0.name)) = excluded.\(quoteIdentifier($0.name))" }
        let changed = nonKey.map {
            differs($0.type, "\(existingRow).\(quoteIdentifier($0.name))", "excluded.\(quoteIdentifier($0.name))")
        }
        return insert + "ON CONFLICT (\(quoteIdentifiers(key))) DO UPDATE SET " + sets.joined(separator: ", ")
            + " WHERE " + changed.joined(separator: " OR ")
    }
}

/// Upserts with multi-row `VALUES` lists, one prepared statement per list length: the route every engine
/// has.
public final class ValuesUpserter: RowUpserter {
    private let connection: any Connection
    private let table: TableName
    private let columns: [ColumnDefinition]
    private let key: [String]
    private var prepared: [Int: any PreparedStatement] = [:]

    public init(connection: any Connection, table: TableName, columns: [ColumnDefinition], key: [String]) {
        self.connection = connection
        self.table = table
        self.columns = columns
        self.key = key
    }

    /// Rows per statement: as many as the engines' parameter limits allow, at most 1000.
    private var rowsPerStatement: Int { max(1, min(1000, 30_000 / max(columns.count, 1))) }

    public func upsert(_ rows: [[Value]]) throws -> Int {
        var changed = 0
        var start = rows.startIndex
        while start != rows.endIndex {
            let end = min(start + rowsPerStatement, rows.endIndex)
            let chunk = rows[start..<end]
            changed += try statement(rowCount: chunk.count).execute(chunk.flatMap { $0 })
            start = end
        }
        return changed
    }

    private func statement(rowCount: Int) throws -> any PreparedStatement {
        if let statement = prepared[rowCount] { return statement }
        let engine = connection.engine
        var placeholder = 0
        let tuples = (0..<rowCount).map { _ in
            "(" + columns.map { _ in
                placeholder += 1
                return engine.positionalPlaceholder(placeholder)
            }.joined(separator: ", ") + ")"
        }
        let sql = connection.dialect.upsert(into: table, columns: columns, key: key,
                                            rows: "VALUES " + tuples.joined(separator: ", "))
        let statement = try connection.prepare(sql)
        if prepared.count > 8 { prepared.removeAll() }
        prepared[rowCount] = statement
        return statement
    }
}
