import TidemarkDatabase

/// PostgreSQL's spellings: schemas, exact numerics, `ROW(…)::text` as the canonical row, and upserts that
/// send a whole batch as one array per column.
public struct PostgresDialect: SQLDialect {
    public init() {}

    public var engine: Engine { .postgres }
    public var hasSchemas: Bool { true }

    /// `declared` is `format_type`'s spelling, with domains already resolved to their base type and enums to
    /// text (see ``PostgresConnection/columns(of:)``). Arrays, intervals, network addresses, money and the
    /// rest keep their type on a PostgreSQL target and travel as their text output.
    public func columnType(declared: String) -> ColumnType {
        let d = DeclaredType(declared)
        // The interval Tidemark creates for a duration; any other interval (days, months) is foreign.
        if declared.hasPrefix("interval hour to second") { return .duration }
        guard !d.isArray, let type = ColumnType(standard: d) else { return .foreign(name: declared, engine: .postgres) }
        return type
    }

    public func ddl(_ type: ColumnType) -> String {
        switch type {
        // Precision 0 stands for an unconstrained numeric.
        case .numeric(0, _): return "NUMERIC"
        case .numeric(let p, let s): return "NUMERIC(\(p),\(s))"
        case .double: return "DOUBLE PRECISION"
        case .time: return "TIME WITHOUT TIME ZONE"
        case .duration: return "INTERVAL HOUR TO SECOND(6)"
        case .timestamp: return "TIMESTAMP(6) WITHOUT TIME ZONE"
        case .timestampWithTimeZone: return "TIMESTAMP(6) WITH TIME ZONE"
        case .bytes: return "BYTEA"
        case .uuid: return "UUID"
        case .json: return "JSON"
        case .jsonb: return "JSONB"
        case .foreign(let name, .postgres): return name
        case .foreign: return "TEXT"
        default: return standardDDL(type)!
        }
    }

    /// Rewrites the column; values keep their meaning (a numeric gains trailing zeros, never loses a digit).
    public func widenColumn(_ column: String, of table: TableName, to type: ColumnType) -> String? {
        "ALTER TABLE \(table.quoted) ALTER COLUMN \(quoteIdentifier(column)) TYPE \(ddl(type))"
    }

    public func createSchema(_ schema: String) -> String? {
        "CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(schema))"
    }

    public func temporaryTable(_ name: String) -> TableName { TableName(name, schema: "pg_temp") }

    /// NAMEDATALEN − 1: PostgreSQL cuts a longer identifier, quoted or not, with only a NOTICE.
    public var maxIdentifierBytes: Int? { 63 }

    /// Quoted names keep their case; a long one is cut.
    public func identifierKey(_ name: String) -> String { storedIdentifier(name) }

    /// PostgreSQL puts an index in its table's schema; the index name takes none.
    public func createIndex(_ name: String, on table: TableName, columns: [String]) -> String {
        "CREATE INDEX IF NOT EXISTS \(quoteIdentifier(name)) ON \(table.quoted) (\(quoteIdentifiers(columns)))"
    }

    public func upsert(into table: TableName, columns: [ColumnDefinition], key: [String], rows: String) -> String {
        // An alias lets the change predicate name the existing row whatever schema the table is in.
        let old = quoteIdentifier("tidemark_old")
        return upsertStatement(into: table, columns: columns, key: key, rows: rows,
                               tableClause: "\(table.quoted) AS \(old)", existingRow: old) { type, existing, incoming in
            switch type {
            // Compared as checksums see them: a numeric's scale counts (`1.5` is not `1.50`), and json and
            // foreign types may have no equality operator at all.
            // `'24:00:00'::interval = '1 day'` is true: intervals compare as spelled.
            case .numeric, .json, .foreign, .duration: return "\(existing)::text IS DISTINCT FROM \(incoming)::text"
            default: return "\(existing) IS DISTINCT FROM \(incoming)"
            }
        }
    }

    public func makeUpserter(on connection: any Connection, table: TableName, columns: [ColumnDefinition],
                             key: [String]) -> any RowUpserter {
        guard !columns.isEmpty else { return ValuesUpserter(connection: connection, table: table, columns: columns, key: key) }
        return ArrayUpserter(connection: connection, table: table, columns: columns, key: key, dialect: self)
    }

    /// `ROW(…)::text`; doubles and reals by bit pattern (their text differs between engines), and + 0.0 turns
    /// -0.0 into 0.0, since SQLite cannot store the sign of zero.
    public func canonicalRow(_ columns: [ColumnInfo]) -> String {
        "ROW(" + columns.map { column in
            let c = quoteIdentifier(column.name)
            switch column.type {
            case .double, .real: return "encode(float8send(\(c)::float8 + 0.0::float8), 'hex')"
            default: return converted(c, column) ?? c
            }
        }.joined(separator: ", ") + ")::text"
    }

    /// A column loaded as another type than its declaration's (into an existing boolean column, or by
    /// `column_types:`), spelled as the loaded type spells it; nil when the declaration's spelling is that already.
    /// A value the load rejects may spell anything here, since a rejected row is left out of verification — but
    /// never fail the query, so text becomes a number only when it is one.
    private func converted(_ c: String, _ column: ColumnInfo) -> String? {
        let declared = columnType(declared: column.declaredType)
        guard declared != column.type else { return nil }
        switch (declared, column.type) {
        case (let from, .boolean) where from.isInteger: return "(\(c) <> 0)"
        case (.boolean, let to) where to.isInteger: return "\(c)::int"
        case (.numeric, let to) where to.isInteger: return "trim_scale(\(c))"
        case (.text, let to) where to.isInteger, (.varchar, let to) where to.isInteger,
             (.character, let to) where to.isInteger:
            return "CASE WHEN \(c) ~ '^ *[-+]?[0-9]+ *$' THEN btrim(\(c))::numeric::text ELSE \(c)::text END"
        case (_, .numeric(0, _)): return "\(c)::numeric"
        case (_, .numeric(_, let scale)): return "round(\(c)::numeric, \(scale))"
        case (.time, .duration): return "\(c)::interval"
        case (.duration, .time): return "\(c)::time"
        case (_, .text), (_, .varchar): return "\(c)::text"
        default: return nil
        }
    }

    public func rowHash(_ columns: [ColumnInfo], using function: RowHashFunction) -> String {
        hash(canonicalRow(columns), using: function)
    }

    /// `text` hashed byte-wise (hence `COLLATE "C"`); md5's first 16 hex digits read as a signed bigint.
    private func hash(_ text: String, using function: RowHashFunction) -> String {
        switch function {
        case .lookup3: return "hashtextextended(\(text) COLLATE \"C\", 0)"
        case .md5: return "('x' || left(md5(\(text)), 16))::bit(64)::bigint"
        }
    }

    public var groupsRangesInOneScan: Bool { true }

    /// The row version's physical place: stable while the deleting transaction holds the row it read.
    public var rowLocator: RowLocator? {
        RowLocator(select: "ctid::text") { "ctid = CAST(\($0) AS tid)" }
    }

    /// Text compares byte by byte (`COLLATE "C"`, SQLite's order and Tidemark's own) whatever the column's or
    /// the database's collation: under `en_US` or `es_ES`, `'Ábaco'` sorts before `'dátil'`, so a cursor kept in
    /// one order and a read in another would skip rows. An index built with another collation cannot serve
    /// these comparisons; declare the key `COLLATE "C"` (or add such an index) on a large text-keyed source.
    public func comparable(_ column: String, type: ColumnType?) -> String {
        switch type {
        case .text?, .varchar?, .character?: return "\(quoteIdentifier(column)) COLLATE \"C\""
        default: return quoteIdentifier(column)
        }
    }

    /// Both, where the database's text is UTF-8 (a LATIN1 database hashes other bytes for non-ASCII text).
    public func rowHashFunctions(on connection: any Connection) throws -> [RowHashFunction] {
        try RowHashFunction.allCases.filter { function in
            let server = try connection.scalar("SELECT " + hash("$1::text", using: function), [.text(RowHashFunction.probe)])
            return server == .integer(function.hash(RowHashFunction.probe))
        }
    }
}

/// A batch as one array per column, `INSERT … SELECT … FROM unnest($1::T1[], …)`: as many parameters as
/// columns instead of one per value, parsed by the server's array input in C, and one statement whatever the
/// batch size — several times faster than a multi-row VALUES list. A column whose type is itself an array (or
/// any foreign type) travels as `text[]` and is cast per element, since unnest would flatten an array of arrays.
final class ArrayUpserter: RowUpserter {
    private let connection: any Connection
    private let columnCount: Int
    private let sql: String
    private var statement: (any PreparedStatement)?

    init(connection: any Connection, table: TableName, columns: [ColumnDefinition], key: [String],
         dialect: PostgresDialect) {
        self.connection = connection
        self.columnCount = columns.count
        var arrays: [String] = []
        var selected: [String] = []
        for (index, column) in columns.enumerated() {
            let element = "u\(index + 1)"
            if case .foreign = column.type {
                arrays.append("$\(index + 1)::text[]")
                selected.append("\(element)::\(dialect.ddl(column.type))")
            } else {
                arrays.append("$\(index + 1)::\(dialect.ddl(column.type))[]")
                selected.append(element)
            }
        }
        let names = (1...columns.count).map { "u\($0)" }.joined(separator: ", ")
        self.sql = dialect.upsert(into: table, columns: columns, key: key, rows:
            "SELECT \(selected.joined(separator: ", ")) FROM unnest(\(arrays.joined(separator: ", "))) AS u(\(names))")
    }

    func upsert(_ rows: [[Value]]) throws -> Int {
        guard !rows.isEmpty else { return 0 }
        if statement == nil { statement = try connection.prepare(sql) }
        let arrays = (0..<columnCount).map { column in Value.text(PostgresText.arrayLiteral(rows.lazy.map { $0[column] })) }
        return try statement!.execute(arrays)
    }
}

extension PostgresDialect {
    /// A session-level advisory lock keyed by the name's 64-bit hash: the server releases it when the session
    /// ends, however it ends.
    public func lock(_ name: String, on connection: any Connection, waitSeconds: Double) throws -> (any HeldLock)? {
        let key = Value.integer(TextHash.hash("tidemark lock " + name))
        return try polling(waitSeconds: waitSeconds) {
            try connection.scalar("SELECT pg_try_advisory_lock($1)", [key]) == .boolean(true)
                ? SessionLock(connection: connection, key: key, releaseSQL: "SELECT pg_advisory_unlock($1)") : nil
        }
    }
}
