import TidemarkDatabase

/// A table without a primary key, shaped like the original pipeline's link tables and audit logs: `GroupNum`
/// 1…120, each group 1 to 4 identical copies of one row (302 rows in all, two of them NULL in every column), with
/// NULLs, empty text, quotes, commas, Unicode, decimals and Open Dental's zero date among the values. Scenario
/// steps select rows by `GroupNum` (every copy of the group).
enum AuditLinkFixture {
    static let schema = TableSchema(name: TableName("auditlink"), columns: [
        ColumnDefinition("GroupNum", .bigint), ColumnDefinition("PatNum", .bigint),
        ColumnDefinition("Action", .varchar(length: 50)), ColumnDefinition("Amount", .numeric(precision: 10, scale: 2)),
        ColumnDefinition("LoggedAt", .timestamp),
    ], primaryKey: [])

    static let actions = ["viewed", "edited", "", "O'Brien \"quoted\"", "Ärzte, café", "printed (2)"]

    static let rows: [[Value]] = (1...120).flatMap { g -> [[Value]] in
        let n = Int64(g)
        let row: [Value] = [
            .integer(n),
            g % 10 == 0 ? .null : .integer(n * 10),
            .text(actions[g % actions.count]),
            g % 7 == 0 ? .null : .decimal(ExactDecimal("\(g).\(g % 4 == 0 ? "00" : "25")")!),
            g % 11 == 0 ? .null : g % 9 == 0 ? .timestamp(.zeroDate)
                : .timestamp(LocalTimestamp(year: 2025, month: 1 + g % 12, day: 1 + g % 28, hour: 8, minute: g % 60)),
        ]
        return Array(repeating: row, count: 1 + g % 4)
    } + Array(repeating: [.null, .null, .null, .null, .null], count: 2)

    static var table: FixtureTable { FixtureTable(schema: schema, storedRows: rows) }
}
