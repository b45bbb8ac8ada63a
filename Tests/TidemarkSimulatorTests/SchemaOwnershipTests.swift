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
