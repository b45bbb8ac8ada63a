import Testing
import TidemarkDrivers
import TidemarkTestSupport
@testable import TidemarkSimulator

/// A run killed mid-way leaves its `sim_*` schemas; the next run drops them, and never those of a live run.
@Suite(.serialized) struct SchemaOwnershipTests {
    func schemaExists(_ name: String, on connection: any Connection) throws -> Bool {
        try connection.scalar("SELECT count(*) FROM pg_namespace WHERE nspname = $1", [.text(name)]) == .integer(1)
    }

    @Test func `a new run drops what dead runs left and keeps what live runs own`() throws {
        let server = try TestDatabases.postgresServer()
        let admin = try openConnection(server)
        defer { admin.close() }
        let live = try SchemaOwnership(server: server)
        defer { live.close() }
        let dead = "sim_0badc0de_000000000001_src"
        let owned = "sim_\(live.run)_000000000001_tgt"
        let foreign = "sim_not_ours"
        for schema in [dead, owned, foreign] { try admin.execute("CREATE SCHEMA IF NOT EXISTS \(quoteIdentifier(schema))") }
        defer { _ = try? admin.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(owned)), \(quoteIdentifier(foreign))") }

        let next = try SchemaOwnership(server: server)
        next.close()
        #expect(try !schemaExists(dead, on: admin))
        #expect(try schemaExists(owned, on: admin))
        #expect(try schemaExists(foreign, on: admin))
    }
}

/// The same on MariaDB, where a cell's source is a database `sim_<run>_<cell>` and a run holds a named lock.
@Suite(.serialized) struct MySQLDatabaseOwnershipTests {
    func databaseExists(_ name: String, on connection: any Connection) throws -> Bool {
        try connection.scalar("SELECT count(*) FROM information_schema.schemata WHERE schema_name = ?", [.text(name)])
            == .integer(1)
    }

    @Test func `a new run drops the databases dead runs left and keeps what live runs own`() throws {
        let server = try TestDatabases.mysqlServer()
        let admin = try openConnection(server)
        defer { admin.close() }
        let live = try MySQLDatabaseOwnership(server: server)
        defer { live.close() }
        let dead = "sim_0badc0de_000000000001"
        let owned = "sim_\(live.run)_000000000001"
        let foreign = "sim_not_ours"
        for name in [dead, owned, foreign] { try admin.execute("CREATE DATABASE IF NOT EXISTS \(quoteIdentifier(name))") }
        defer {
            for name in [owned, foreign] { _ = try? admin.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(name))") }
        }

        let next = try MySQLDatabaseOwnership(server: server)
        next.close()
        #expect(try !databaseExists(dead, on: admin))
        #expect(try databaseExists(owned, on: admin))
        #expect(try databaseExists(foreign, on: admin))
    }
}
