import TidemarkDatabase

/// MySQL's and MariaDB's spellings. MySQL is a source engine for now; what only a target needs is written to
/// work but not yet relied on (see each member).
///
/// - No schemas: a MySQL "schema" is a database, and a table is named in the connection's current database.
/// - Identifiers in double quotes: the session runs with ANSI_QUOTES (see ``MySQLConnection``).
/// - An unconstrained numeric has no MySQL type: it becomes `DECIMAL(65,30)`, which keeps every digit of
///   Tidemark's decimals but pads their scale to 30.
public struct MySQLDialect: SQLDialect {
    public init() {}

    public var engine: Engine { .mysql }
    public var hasSchemas: Bool { false }

    /// `column_type` as information_schema spells it. `tinyint(1)` (what BOOLEAN creates) is a boolean; an
    /// unsigned integer takes the next wider type, `bigint unsigned` a numeric(20,0); `char(n)` is a varchar,
    /// since MySQL strips its padding; ENUM and SET are their labels' text, YEAR a smallint.
    public func columnType(declared: String) -> ColumnType {
        let d = DeclaredType(declared)
        switch d.base {
        case "tinyint" where d.arguments == [1] && !d.isUnsigned: return .boolean
        case "tinyint": return .smallint
        case "smallint": return d.isUnsigned ? .integer : .smallint
        case "mediumint": return .integer
        case "int", "integer": return d.isUnsigned ? .bigint : .integer
        case "bigint": return d.isUnsigned ? .numeric(precision: 20, scale: 0) : .bigint
        case "float": return .real
        case "real": return .double
        case "char", "character", "nchar": return d.arguments.first.map { .varchar(length: $0) } ?? .text
        case "year": return .smallint
        case "time": return .duration
        case "enum", "set": return .text
        case "bit": return .bytes
        default: return ColumnType(standard: d) ?? .foreign(name: declared, engine: .mysql)
        }
    }

    public func ddl(_ type: ColumnType) -> String {
        switch type {
        case .integer: return "INT"
        case .numeric(0, _): return "DECIMAL(65,30)"
        case .numeric(let p, let s): return "DECIMAL(\(p),\(s))"
        case .real: return "FLOAT"
        case .double: return "DOUBLE"
        // LONGTEXT and LONGBLOB: TEXT and BLOB stop at 64 KB.
        case .text, .foreign: return "LONGTEXT"
        case .time, .duration: return "TIME(6)"
        case .timestamp, .timestampWithTimeZone: return "DATETIME(6)"
        case .bytes: return "LONGBLOB"
        case .uuid: return "CHAR(36)"
        case .json, .jsonb: return "JSON"
        default: return standardDDL(type)!
        }
    }

    /// MySQL indexes no unbounded TEXT or BLOB: a key column of one is created VARCHAR(191) (VARBINARY(767)), whose
    /// 764 bytes in utf8mb4 fit MyISAM's 1000-byte key as well as InnoDB's.
    public func keyDDL(_ type: ColumnType) -> String {
        switch type {
        case .text, .json, .jsonb, .foreign: return "VARCHAR(191)"
        case .bytes: return "VARBINARY(767)"
        default: return ddl(type)
        }
    }

    public func createSchema(_ schema: String) -> String? { nil }

    public func widenColumn(_ column: String, of table: TableName, to type: ColumnType) -> String? {
        "ALTER TABLE \(table.quoted) MODIFY \(quoteIdentifier(column)) \(ddl(type))"
    }

    /// MySQL has no schema that makes a table temporary (`CREATE TEMPORARY TABLE` does): the name is returned
    /// unqualified, and the writer's staging table needs that spelling before MySQL can be a target.
    public func temporaryTable(_ name: String) -> TableName { TableName(name) }

    /// MySQL refuses an identifier over 64 characters rather than cutting it.
    public var maxIdentifierBytes: Int? { nil }

    /// Column names compare without regard to case (table names do too where `lower_case_table_names` is set).
    public func identifierKey(_ name: String) -> String { foldingASCIICase(name) }

    /// MariaDB's spelling (MySQL itself has no IF NOT EXISTS here).
    public func createIndex(_ name: String, on table: TableName, columns: [String]) -> String {
        "CREATE INDEX IF NOT EXISTS \(quoteIdentifier(name)) ON \(table.quoted) (\(quoteIdentifiers(columns)))"
    }

    /// A named lock of the session (`GET_LOCK`), released by the server when the session ends. Names are at most
    /// 64 characters, so the lock is named by the name's hash.
    public func lock(_ name: String, on connection: any Connection, waitSeconds: Double) throws -> (any HeldLock)? {
        let key = Value.text("tidemark-" + String(UInt64(bitPattern: TextHash.hash(name)), radix: 36))
        return try polling(waitSeconds: waitSeconds) {
            try connection.scalar("SELECT GET_LOCK(?, 0)", [key]) == .integer(1) ? SessionLock(connection: connection, key: key, releaseSQL: "SELECT RELEASE_LOCK(?)")
                : nil
        }
    }

    /// `INSERT … ON DUPLICATE KEY UPDATE c = VALUES(c), …` (MariaDB has no `AS new` row alias). There is no
    /// change predicate to write: MySQL leaves a row whose new values equal the old ones untouched and does not
    /// count it. It does count an updated row twice (MySQL's affected rows: 1 inserted, 2 updated, 0
    /// unchanged), so the count is not yet "inserted or changed" — to settle before MySQL is a target.
    public func upsert(into table: TableName, columns: [ColumnDefinition], key: [String], rows: String) -> String {
        let insert = "INSERT INTO \(table.quoted) (\(quoteIdentifiers(columns.map(\.name)))) \(rows) ON DUPLICATE KEY UPDATE "
        let nonKey = columns.map(\.name).filter { !key.contains($0) }
        // Without non-key columns, setting the first key column to itself makes a duplicate a no-op.
        let sets = (nonKey.isEmpty ? [key[0]] : nonKey).map {
            "\(quoteIdentifier($0)) = VALUES(\(quoteIdentifier($0)))"
        }
        return insert + sets.joined(separator: ", ")
    }

    public func makeUpserter(on connection: any Connection, table: TableName, columns: [ColumnDefinition],
                             key: [String]) -> any RowUpserter {
        ValuesUpserter(connection: connection, table: table, columns: columns, key: key)
    }

    // MARK: Verification

    /// PostgreSQL's `ROW(…)::text` rebuilt with CONCAT: `(v1,v2,…)`, NULL as nothing, a value in double quotes
    /// (`"` and `\` doubled) when it is empty or holds `"` `\` `(` `)` `,` or white space; doubles by bit
    /// pattern, zero dates as `0001-01-01` (like the values the driver reads), text converted to utf8mb4 first
    /// whatever its column's character set.
    public func canonicalRow(_ columns: [ColumnInfo]) -> String {
        "CONCAT('(', " + columns.map { "COALESCE(\(fieldText($0)), '')" }.joined(separator: ", ',', ") + ", ')')"
    }

    /// MySQL has no lookup3 (and a stored function would need rights on the source): MD5 only.
    public func rowHash(_ columns: [ColumnInfo], using function: RowHashFunction) -> String {
        precondition(function == .md5, "MySQL computes md5 row hashes only")
        return md5(canonicalRow(columns))
    }

    /// The first 16 hex digits of the MD5, read as a signed 64-bit integer.
    private func md5(_ text: String) -> String { "CAST(CONV(LEFT(MD5(\(text)), 16), 16, -10) AS SIGNED)" }

    public var groupsRangesInOneScan: Bool { true }

    /// MySQL's `/` divides exactly (a decimal): `DIV` truncates. Its NUMERIC in a CAST is `DECIMAL(65,0)`.
    public func bucketNumber(of key: String, from lower: String, width: String, exact: Bool) -> String {
        exact ? "FLOOR((CAST(\(key) AS DECIMAL(65,0)) - \(lower)) / CAST(\(width) AS DECIMAL(65,0)))"
            : "(\(key) - \(lower)) DIV \(width)"
    }

    public func rowHashFunctions(on connection: any Connection) throws -> [RowHashFunction] {
        let server = try connection.scalar("SELECT " + md5("CONVERT(? USING utf8mb4)"), [.text(RowHashFunction.probe)])
        return server == .integer(RowHashFunction.md5.hash(RowHashFunction.probe)) ? [.md5] : []
    }

    /// One value of the row text, or NULL.
    private func fieldText(_ column: ColumnInfo) -> String {
        let c = quoteIdentifier(column.name)
        if let converted = convertedText(c, column) { return converted }
        switch column.type {
        case .bigint, .integer, .smallint, .numeric: return "CAST(\(c) AS CHAR)"
        case .boolean: return "CASE WHEN \(c) THEN 't' WHEN NOT \(c) THEN 'f' END"  // NULL stays NULL
        case .double, .real: return doubleBits(c)
        // bytea's hex output `\x…`, quoted for its backslash, which is doubled.
        case .bytes: return "CONCAT('\"\\\\x', LOWER(HEX(\(c))), '\"')"
        case .date: return "IF(\(c) = '0000-00-00', '0001-01-01', DATE_FORMAT(\(c), '%Y-%m-%d'))"
        case .timestamp, .timestampWithTimeZone:
            // Quoted for its space; the fraction without trailing zeros, as PostgreSQL prints it.
            let fraction = "IF(MICROSECOND(\(c)) = 0, '', "
                + "TRIM(TRAILING '0' FROM CONCAT('.', LPAD(MICROSECOND(\(c)), 6, '0'))))"
            return "IF(\(c) = '0000-00-00 00:00:00', '\"0001-01-01 00:00:00\"', "
                + "CONCAT('\"', DATE_FORMAT(\(c), '%Y-%m-%d %H:%i:%s'), \(fraction), '\"'))"
        // TIME(p) prints all p digits; PostgreSQL drops the fraction's trailing zeros.
        case .time, .duration: return "TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM IF(\(c) LIKE '%.%', CAST(\(c) AS CHAR), CONCAT(CAST(\(c) AS CHAR), '.'))))"
        case .text, .varchar, .character, .uuid, .json, .jsonb, .foreign:
            let text = "CONVERT(\(c) USING utf8mb4)"
            // NO_BACKSLASH_ESCAPES: '\' is one backslash. The class lists C's white space: \t \n \v \f \r.
            let quoted = "CONCAT('\"', REPLACE(REPLACE(\(text), '\\', '\\\\'), '\"', '\"\"'), '\"')"
            return "IF(\(text) = '' OR \(text) REGEXP '[\"\\\\(), \\t\\n\\x0b\\f\\r]', \(quoted), \(text))"
        }
    }

    /// A column loaded as another type than its declaration's (by `column_types:`) where the loaded type's
    /// spelling of the stored value differs from the one below: a decimal as a whole number or at another scale,
    /// text as a whole number. A value the load rejects may spell anything, since a rejected row is left out of
    /// verification. (A TINYINT(1) as smallint, an integer as boolean, TIME as time need nothing: MySQL stores
    /// them as the loaded type spells them.)
    private func convertedText(_ c: String, _ column: ColumnInfo) -> String? {
        let declared = columnType(declared: column.declaredType)
        guard declared != column.type else { return nil }
        switch (declared, column.type) {
        case (.numeric, let to) where to.isInteger:
            return "IF(\(c) = TRUNCATE(\(c), 0), CAST(CAST(\(c) AS DECIMAL(65,0)) AS CHAR), CAST(\(c) AS CHAR))"
        case (.text, let to) where to.isInteger, (.varchar, let to) where to.isInteger:
            return "IF(\(c) REGEXP '^ *[-+]?[0-9]+ *$', CAST(CAST(TRIM(\(c)) AS DECIMAL(65,0)) AS CHAR), "
                + "CONVERT(\(c) USING utf8mb4))"
        // MySQL's DECIMAL holds at most 30 digits after the point.
        case (_, .numeric(let precision, let scale)) where precision > 0:
            return "CAST(CAST(\(c) AS DECIMAL(65,\(min(scale, 30)))) AS CHAR)"
        default: return nil
        }
    }

    /// A double's IEEE 754 bit pattern in 16 hex digits, as PostgreSQL's `float8send` spells it, computed
    /// arithmetically (SQL cannot reach a double's bytes): the exponent from LOG2 corrected by one where
    /// rounding put it off, the fraction by an exact division by a power of two. MySQL stores no NaN or
    /// infinity, and -0.0 is spelled as 0.0 like everywhere.
    private func doubleBits(_ c: String) -> String {
        let a = "ABS(\(c))"
        // LOG2 of the largest doubles rounds up to 1024.
        let guess = "LEAST(FLOOR(LOG2(\(a))), 1023)"
        // Never POW(2, 1024): MySQL refuses a result out of range instead of returning infinity.
        let exponent = "(\(guess) - (POW(2, \(guess)) > \(a)) + (\(a) / POW(2, \(guess)) >= 2))"
        let normal = "(((\(exponent) + 1023) << 52) | CAST((\(a) / POW(2, \(exponent)) - 1) * 4503599627370496 AS UNSIGNED))"
        let subnormal = "CAST(\(a) / POW(2, -1074) AS UNSIGNED)"
        let bits = "(((\(c) < 0) << 63) | IF(\(a) < 2.2250738585072014e-308, \(subnormal), \(normal)))"
        return "IF(\(c) = 0, '0000000000000000', LPAD(LOWER(HEX(\(bits))), 16, '0'))"
    }
}
