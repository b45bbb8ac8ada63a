import TidemarkDatabase

/// What a target's users build on a loaded table, installed by the simulator and checked after the runs: a
/// dbt-style staging view and a view on that view, an analyst's index, a trigger, a column only the target has
/// (filled for the rows present), and on PostgreSQL a grant to a reader role and a table comment. A full
/// reload, a repair or a fallback must leave every one of them working, and the table's own columns, types and
/// index names as they were.
public struct UserObjects: Sendable {
    public let table: TableName
    let key: String
    let indexedColumn: String
    /// The table's columns (name and declared type) and index names when the objects were installed.
    private let columnsBefore: [String]
    private let indexesBefore: [String]

    public static let keptColumn = "analyst_note"
    static let readerRole = "tidemark_reader"

    var stagingView: TableName { TableName("stg_" + table.name, schema: table.schema) }
    var viewOfView: TableName { TableName(table.name + "_ids", schema: table.schema) }
    var index: String { "analyst_" + table.name + "_idx" }
    var trigger: String { "analyst_" + table.name + "_trg" }

    /// MySQL is a source engine only: no target, so no user objects.
    private static let notATarget = DatabaseError(
        engine: .mysql, kind: .usage, code: "",
        message: "MySQL is not a target: the simulator installs no user objects there")

    /// Installs the objects on `db` over `table`, whose primary key is `key`; `indexedColumn` gets the index.
    public static func install(on db: any Connection, table: TableName, key: String,
                               indexedColumn: String) throws -> UserObjects {
        let t = table.quoted, k = quoteIdentifier(key), note = quoteIdentifier(keptColumn)
        let partial = UserObjects(table: table, key: key, indexedColumn: indexedColumn, columnsBefore: [],
                                  indexesBefore: [])
        try db.execute("CREATE VIEW \(partial.stagingView.quoted) AS SELECT \(k) AS \(quoteIdentifier(table.name + "_id")), * FROM \(t)")
        try db.execute("CREATE VIEW \(partial.viewOfView.quoted) AS SELECT \(quoteIdentifier(table.name + "_id")) FROM "
            + partial.stagingView.quoted)
        try db.execute("CREATE INDEX \(quoteIdentifier(partial.index)) ON \(t) (\(quoteIdentifier(indexedColumn)))")
        try db.execute("ALTER TABLE \(t) ADD COLUMN \(note) TEXT")
        try db.execute("UPDATE \(t) SET \(note) = 'kept ' || \(k)")
        // Test objects in each engine's own syntax; the loader under test never sees this code.
        switch db.engine {
        case .sqlite:
            try db.execute("CREATE TRIGGER \(quoteIdentifier(partial.trigger)) AFTER INSERT ON \(t) BEGIN SELECT 1; END")
        case .postgres:
            let function = TableName(partial.trigger + "_fn", schema: table.schema).quoted
            try db.execute("CREATE FUNCTION \(function)() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")
            try db.execute("CREATE TRIGGER \(quoteIdentifier(partial.trigger)) BEFORE INSERT ON \(t) FOR EACH ROW "
                + "EXECUTE FUNCTION \(function)()")
            // Roles are cluster-wide and cells run side by side: create it once, whoever comes first.
            try db.execute("""
                DO $$ BEGIN CREATE ROLE \(quoteIdentifier(readerRole)); \
                EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$
                """)
            try db.execute("GRANT SELECT ON \(t) TO \(quoteIdentifier(readerRole))")
            try db.execute("COMMENT ON TABLE \(t) IS 'analytics copy'")
        case .mysql:
            throw notATarget
        }
        return UserObjects(table: table, key: key, indexedColumn: indexedColumn,
                           columnsBefore: try columnsDescribed(db, table), indexesBefore: try indexNames(db, table))
    }

    /// What no longer works, or is no longer as it was; empty when everything survived.
    public func problems(on db: any Connection) throws -> [String] {
        var problems: [String] = []
        let count = try db.scalar("SELECT count(*) FROM \(table.quoted)")?.int64
        for view in [stagingView, viewOfView] {
            do {
                let viewed = try db.scalar("SELECT count(*) FROM \(view.quoted)")?.int64
                if viewed != count { problems.append("view \(view) shows \(viewed ?? -1) rows, the table has \(count ?? -1)") }
            } catch {
                problems.append("view \(view) is broken: \(error)")
            }
        }
        let columns = try Self.columnsDescribed(db, table)
        if columns != columnsBefore {
            problems.append("columns changed from \(columnsBefore.joined(separator: ", ")) to \(columns.joined(separator: ", "))")
        }
        let indexes = try Self.indexNames(db, table)
        if indexes != indexesBefore {
            problems.append("indexes changed from \(indexesBefore.joined(separator: ", ")) to \(indexes.joined(separator: ", "))")
        }
        if columns.contains(where: { $0.hasPrefix(Self.keptColumn + " ") }) {
            let note = quoteIdentifier(Self.keptColumn)
            let kept = try db.scalar("SELECT count(*) FROM \(table.quoted) WHERE \(note) = 'kept ' || \(quoteIdentifier(key))")
            let wrong = try db.scalar("SELECT count(*) FROM \(table.quoted) WHERE \(note) <> 'kept ' || \(quoteIdentifier(key))")
            if kept == .integer(0) { problems.append("every value of the kept column \(Self.keptColumn) is gone") }
            if wrong != .integer(0) { problems.append("\(wrong?.int64 ?? -1) values of \(Self.keptColumn) changed") }
        }
        switch db.engine {
        case .sqlite:
            if try db.scalar("SELECT count(*) FROM sqlite_schema WHERE type = 'trigger' AND name = ?1",
                             [.text(trigger)]) != .integer(1) {
                problems.append("trigger \(trigger) is gone")
            }
        case .postgres:
            let regclass = Value.text(table.quoted)
            if try db.scalar("SELECT count(*) FROM pg_trigger WHERE tgrelid = $1::regclass AND tgname = $2",
                             [regclass, .text(trigger)]) != .integer(1) {
                problems.append("trigger \(trigger) is gone")
            }
            if try db.scalar("SELECT has_table_privilege($1, $2::regclass, 'SELECT')",
                             [.text(Self.readerRole), regclass]) != .boolean(true) {
                problems.append("the grant of SELECT to \(Self.readerRole) is gone")
            }
            if try db.scalar("SELECT obj_description($1::regclass, 'pg_class')", [regclass]) != .text("analytics copy") {
                problems.append("the table's comment is gone")
            }
        case .mysql:
            throw Self.notATarget
        }
        return problems
    }

    private static func columnsDescribed(_ db: any Connection, _ table: TableName) throws -> [String] {
        try db.columns(of: table).map { "\($0.name) \($0.declaredType)" }
    }

    private static func indexNames(_ db: any Connection, _ table: TableName) throws -> [String] {
        switch db.engine {
        case .sqlite:
            return try db.query("SELECT name FROM pragma_index_list(?1) ORDER BY name", [.text(table.name)])
                .compactMap { $0[0].string }
        case .postgres:
            return try db.query("SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = $1::regclass ORDER BY 1",
                                [.text(table.quoted)]).compactMap { $0[0].string }
        case .mysql:
            throw notATarget
        }
    }
}
