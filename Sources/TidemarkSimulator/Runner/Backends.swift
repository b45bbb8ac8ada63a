import Foundation
import TidemarkDrivers
import TidemarkPostgres

/// The engines a cell can run on: source and target both SQLite, or both PostgreSQL.
public enum Backend: String, Sendable, CaseIterable, Codable {
    case sqlite, postgres
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
    var backend: Backend { .postgres }

    func makeCell(_ id: String) throws -> CellDatabases {
        let suffix = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let sourceSchema = "sim_\(suffix)_src"
        let targetSchema = "sim_\(suffix)_tgt"
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

extension CellDatabases: @unchecked Sendable {}
