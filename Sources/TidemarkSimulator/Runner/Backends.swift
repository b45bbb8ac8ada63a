import Foundation
import TidemarkDrivers
import TidemarkPostgres

/// The engines a cell runs on: source and target both SQLite or both PostgreSQL; or the original pipeline's
/// shape, a MariaDB source (its tables MyISAM, as Open Dental's are) into PostgreSQL, and a MariaDB source
/// (InnoDB) into SQLite.
public enum Backend: String, Sendable, CaseIterable, Codable {
    case sqlite, postgres
    case mysql
    case mysqlToSQLite = "mysql-sqlite"
}

/// A fresh source and target for one cell, closed and removed by `close()`.
final class CellDatabases {
    let source: any Connection
    let target: any Connection
    let sourceURL: DatabaseURL
    let targetURL: DatabaseURL
    let sourceSchema: String?
    let targetSchema: String?
    private let cleanup: () -> Void

    init(source: any Connection, target: any Connection, sourceURL: DatabaseURL, targetURL: DatabaseURL,
         sourceSchema: String?, targetSchema: String?, cleanup: @escaping () -> Void) {
        self.source = source
        self.target = target
        self.sourceURL = sourceURL
        self.targetURL = targetURL
        self.sourceSchema = sourceSchema
        self.targetSchema = targetSchema
        self.cleanup = cleanup
    }

    func sourceTable(_ name: String) -> TableName { TableName(name, schema: sourceSchema) }
    func targetTable(_ name: String) -> TableName { TableName(name, schema: targetSchema) }
    var trackingTable: TableName { TableName("etl_load_status", schema: targetSchema) }

    func close() {
        source.close()
        target.close()
        cleanup()
    }
}

/// Makes fresh databases per cell: temp SQLite files, or a pair of schemas in one PostgreSQL database, so
/// cells can run side by side.
protocol CellEnvironment: Sendable {
    var backend: Backend { get }
    func makeCell(_ id: String) throws -> CellDatabases
}

struct SQLiteEnvironment: CellEnvironment {
    var backend: Backend { .sqlite }

    func makeCell(_ id: String) throws -> CellDatabases {
        var template = Array((NSTemporaryDirectory() + "/tidemark-sim-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw ScenarioError(file: "simulate", line: nil, reason: "no temp dir") }
        let directory = String(cString: made)
        let sourceURL = DatabaseURL.sqlite(path: directory + "/source.sqlite")
        let targetURL = DatabaseURL.sqlite(path: directory + "/target.sqlite")
        let source = try openConnection(sourceURL)
        let target = try openConnection(targetURL)
        // Throwaway files: no fsync per commit (the simulator tests the loader, not SQLite's durability). WAL is
        // kept in the file, so the parallel workers' own connections get it too.
        for db in [source, target] { try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF") }
        return CellDatabases(
            source: source, target: target, sourceURL: sourceURL,
            targetURL: targetURL, sourceSchema: nil, targetSchema: nil,
            cleanup: { try? FileManager.default.removeItem(atPath: directory) })
    }
}

struct PostgresEnvironment: CellEnvironment {
    let server: DatabaseURL
    /// The run's token in its schema names (see ``SchemaOwnership``).
    let run: String
    var backend: Backend { .postgres }

    func makeCell(_ id: String) throws -> CellDatabases {
        let suffix = randomHex(12)
        let sourceSchema = "sim_\(run)_\(suffix)_src"
        let targetSchema = "sim_\(run)_\(suffix)_tgt"
        let admin = try openConnection(server)
        try admin.execute("CREATE SCHEMA \(quoteIdentifier(sourceSchema)); CREATE SCHEMA \(quoteIdentifier(targetSchema))")
        let server = self.server
        return CellDatabases(
            source: try openConnection(server), target: try openConnection(server), sourceURL: server, targetURL: server,
            sourceSchema: sourceSchema, targetSchema: targetSchema,
            cleanup: {
                _ = try? admin.execute(
                    "DROP SCHEMA \(quoteIdentifier(sourceSchema)) CASCADE; DROP SCHEMA \(quoteIdentifier(targetSchema)) CASCADE")
                admin.close()
            })
    }
}

/// A MariaDB source database per cell (`sim_<run>_<cell>`, tables created in `storageEngine`), and the
/// target of another environment's cell.
struct MySQLEnvironment: CellEnvironment {
    let backend: Backend
    let server: DatabaseURL
    let run: String
    let storageEngine: String
    let targets: any CellEnvironment

    func makeCell(_ id: String) throws -> CellDatabases {
        guard case .mysql(let parameters) = server else { throw ScenarioError(file: "simulate", line: nil, reason: "not a MySQL server") }
        let database = "sim_\(run)_\(randomHex(12))"
        let admin = try openConnection(server)
        try admin.execute("CREATE DATABASE \(quoteIdentifier(database))")
        let sourceURL = DatabaseURL.mysql(parameters: parameters.filter { $0.keyword != "database" }
            + [ConnectionParameter("database", database)])
        let source = try openConnection(sourceURL)
        // The fixtures are created on this session.
        try source.execute("SET SESSION default_storage_engine = \(storageEngine)")
        let targetCell = try targets.makeCell(id)
        return CellDatabases(
            source: source, target: targetCell.target, sourceURL: sourceURL, targetURL: targetCell.targetURL,
            sourceSchema: nil, targetSchema: targetCell.targetSchema,
            cleanup: {
                targetCell.close()
                _ = try? admin.execute("DROP DATABASE \(quoteIdentifier(database))")
                admin.close()
            })
    }
}

extension CellDatabases: @unchecked Sendable {}

/// Lets a run's cell schemas be cleaned up even when the run cannot do it itself (killed, or its server restarted).
///
/// Cell schemas are named `sim_<run>_<cell>_src|tgt`, and a run holds a session advisory lock on its `<run>` token,
/// on a connection of its own, from before it creates any schema until it ends. PostgreSQL releases that lock
/// when the session ends, however it ends; so when a run starts, every `sim_<run>_…` schema whose token's lock it
/// can take belongs to no live run, and is dropped. A cell still drops its own schemas when it finishes.
final class SchemaOwnership: @unchecked Sendable {
    let run = randomHex(8)
    private let connection: any Connection
    static let pattern = "^sim_([0-9a-f]{8})_[0-9a-f]{12}_(src|tgt)$"

    init(server: DatabaseURL) throws {
        connection = try openConnection(server)
        try connection.execute("SELECT pg_advisory_lock(\(Self.lockKey))", [.text(run)])
        try removeLeftovers()
    }

    /// The advisory lock of a run token, in a key space of the simulator's own.
    private static let lockKey = "hashtextextended('tidemark-simulate ' || $1, 0)"

    /// Drops the schemas of runs whose lock no session holds.
    func removeLeftovers() throws {
        let schemas = try connection.query(
            "SELECT nspname::text, substring(nspname from $1) FROM pg_namespace WHERE nspname ~ $1 ORDER BY 1",
            [.text(Self.pattern)])
        var byRun: [String: [String]] = [:]
        for row in schemas {
            if let schema = row[0].string, let token = row[1].string { byRun[token, default: []].append(schema) }
        }
        for (token, schemas) in byRun where token != run {
            guard try connection.scalar("SELECT pg_try_advisory_lock(\(Self.lockKey))", [.text(token)]) == .boolean(true)
            else { continue }
            defer { _ = try? connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))", [.text(token)]) }
            for schema in schemas { try connection.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(schema)) CASCADE") }
        }
    }

    /// Ends the session, and with it the lock.
    func close() { connection.close() }
}

/// ``SchemaOwnership`` for MariaDB: cell databases are `sim_<run>_<cell>`, and a run holds the named lock of its
/// token (`GET_LOCK`, released by the server when the session ends), so a run drops the databases of runs that
/// hold no lock any more.
final class MySQLDatabaseOwnership: @unchecked Sendable {
    let run = randomHex(8)
    private let connection: any Connection

    init(server: DatabaseURL) throws {
        connection = try openConnection(server)
        guard try connection.scalar("SELECT GET_LOCK(?, 0)", [.text(Self.lockName(run))]) == .integer(1) else {
            throw ScenarioError(file: "simulate", line: nil, reason: "could not take the run's lock on MariaDB")
        }
        // Matched here, not by LIKE: whether `\` escapes `_` there depends on the session's sql_mode.
        let names = try connection.query("SELECT schema_name FROM information_schema.schemata").compactMap { $0[0].string }
        for name in names {
            let parts = name.split(separator: "_", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "sim", parts[1].count == 8, parts[2].count == 12,
                (parts[1] + parts[2]).allSatisfy(\.isHexDigit), String(parts[1]) != run
            else { continue }
            let lock = Self.lockName(String(parts[1]))
            guard try connection.scalar("SELECT GET_LOCK(?, 0)", [.text(lock)]) == .integer(1) else { continue }
            defer { _ = try? connection.execute("SELECT RELEASE_LOCK(?)", [.text(lock)]) }
            try connection.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(name))")
        }
    }

    private static func lockName(_ token: String) -> String { "tidemark-simulate " + token }

    /// Ends the session, and with it the lock.
    func close() { connection.close() }
}

private func randomHex(_ count: Int) -> String {
    String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(count).lowercased())
}
