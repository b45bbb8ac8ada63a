import Foundation
import Testing
import TidemarkDrivers
import TidemarkTestSupport

/// A connection opened `.readOnly` reads, snapshots and runs Tidemark's SQLite functions, and cannot write.
@Suite struct AccessModeTests {
    @Test(arguments: TestDatabases.engines)
    func `a read-only connection reads and refuses writes`(engine: Engine) throws {
        try TestDatabases.withConnection(engine) { writer, url in
            try writer.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT)")
            try writer.execute("INSERT INTO t VALUES (1, 'a')")
            let reader = try openConnection(url, mode: .readOnly)
            defer { reader.close() }
            #expect(try reader.readSnapshot { try reader.scalar("SELECT count(*) FROM t") } == 1)
            #expect(try reader.columns(of: TableName("t", schema: url.testSchema)).count == 2)
            #expect(throws: DatabaseError.self) { try reader.execute("INSERT INTO t VALUES (2, 'b')") }
            #expect(throws: DatabaseError.self) { try reader.execute("CREATE TABLE u (id BIGINT)") }
            #expect(try writer.scalar("SELECT count(*) FROM t") == 1)
        }
    }

    @Test func `the SQLite functions work on a read-only connection`() throws {
        try TestDatabases.withConnection(.sqlite) { writer, url in
            try writer.execute("CREATE TABLE t (id BIGINT PRIMARY KEY)")
            let reader = try openConnection(url, mode: .readOnly)
            defer { reader.close() }
            #expect(try reader.scalar("SELECT tidemark_text_hash('x')") != nil)
        }
    }

    @Test func `a missing SQLite file opened read-only is "no such file" and stays missing`() throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/missing.db"
        #expect {
            try openConnection(.sqlite(path: path), mode: .readOnly)
        } throws: { error in
            (error as? DatabaseError)?.message == "cannot open \(path): no such file"
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
