import Foundation
import Testing
import TidemarkDrivers
import TidemarkMySQL
import TidemarkProcesses
import TidemarkTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// What only the MySQL driver has: MySQL's own column types as Open Dental declares them, zero dates, error
/// numbers beside SQLSTATEs, unbuffered streams and its throwaway server.
@Suite struct MySQLDriverTests {
    static let naturalTable = """
        CREATE TABLE od (id INT(11) NOT NULL PRIMARY KEY, flag TINYINT(1), small TINYINT(4), med MEDIUMINT UNSIGNED,
            big BIGINT(20), ubig BIGINT UNSIGNED, fee DECIMAL(10,2), d DOUBLE, f FLOAT, name VARCHAR(255),
            latin VARCHAR(20) CHARACTER SET latin1, note LONGTEXT, bin BLOB, dt DATE, ts DATETIME, ts6 DATETIME(6),
            stamp TIMESTAMP(6) NULL, tm TIME, yr YEAR, en ENUM('a','b'), bits BIT(8))
        """

    @Test func `Open Dental's column types read into the value model`() throws {
        try TestDatabases.withConnection(.mysql) { db, _ in
            try db.execute(Self.naturalTable)
            try db.execute("""
                INSERT INTO od VALUES (1, 1, -5, 16777215, -9223372036854775808, 18446744073709551615, 12.50, 0.1, 0.5,
                    'Amoxicillin', 'café', 'emoji 😀', x'00ff', '2025-10-11', '2025-10-11 23:10:58',
                    '2025-10-11 23:10:58.906547', '2025-10-11 23:10:58.000001', '-838:59:59', 2025, 'b', b'00000101'),
                    (2, 2, NULL, NULL, NULL, 7, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                    '25:00:00', NULL, NULL, NULL)
                """)
            let rows = try db.query("SELECT * FROM od ORDER BY id").map(\.values)
            func ts(_ s: String) -> Value { .timestamp(LocalTimestamp(s)!) }
            #expect(rows.first == [
                1, true, -5, 16_777_215, .integer(.min), .decimal(ExactDecimal("18446744073709551615")!),
                .decimal(ExactDecimal("12.50")!), 0.1, 0.5, "Amoxicillin", "café", "emoji 😀", .bytes([0, 255]),
                .date(LocalDate("2025-10-11")!), ts("2025-10-11 23:10:58"), ts("2025-10-11 23:10:58.906547"),
                ts("2025-10-11 23:10:58.000001"), "-838:59:59", 2025, "b", .bytes([5]),
            ])
            // A tinyint(1) holding more than 0/1 stays the integer it is; TIME is a duration, past 24 hours too.
            #expect(rows.last?[1] == 2)
            #expect(rows.last?[5] == 7)
            #expect(rows.last?[17] == "25:00:00")
            let types = try db.columns(of: TableName("od")).map(\.type)
            #expect(types == [
                .integer, .boolean, .smallint, .integer, .bigint, .numeric(precision: 20, scale: 0),
                .numeric(precision: 10, scale: 2), .double, .real, .varchar(length: 255), .varchar(length: 20), .text,
                .bytes, .date, .timestamp, .timestamp, .timestamp, .duration, .smallint, .text, .bytes,
            ])
            // The same values go back in through bound parameters.
            let placeholders = Array(repeating: "?", count: rows[0].count).joined(separator: ", ")
            var copy = rows[0]
            copy[0] = 3
            try db.execute("INSERT INTO od VALUES (\(placeholders))", copy)
            #expect(try db.query("SELECT * FROM od WHERE id = 3").first?.values == copy)
        }
    }

    @Test func `zero dates read as Open Dental's sentinel, partial ones as their text`() throws {
        try TestDatabases.withConnection(.mysql) { db, _ in
            try db.execute("CREATE TABLE z (id INT PRIMARY KEY, d DATE, ts DATETIME)")
            try db.execute("""
                INSERT INTO z VALUES (1, '0000-00-00', '0000-00-00 00:00:00'), (2, '2020-00-00', '2020-01-00 10:00:00'),
                    (3, '0001-01-01', '0001-01-01 00:00:00')
                """)
            let rows = try db.query("SELECT d, ts FROM z ORDER BY id").map(\.values)
            let sentinel: [Value] = [.date(LocalTimestamp.zeroDate.date), .timestamp(.zeroDate)]
            #expect(rows == [sentinel, ["2020-00-00", "2020-01-00 10:00:00"], sentinel])
        }
    }

    /// Open Dental's tables are MyISAM, which keeps no snapshot: a verification's reads are made consistent by a
    /// read lock instead, which writers wait for; InnoDB tables keep the snapshot and writers go on.
    @Test func `a read snapshot of MyISAM tables holds writers off, of InnoDB tables does not`() throws {
        try TestDatabases.withConnection(.mysql) { db, url in
            try db.execute("CREATE TABLE myi (id INT PRIMARY KEY) ENGINE=MyISAM")
            try db.execute("CREATE TABLE inno (id INT PRIMARY KEY) ENGINE=InnoDB")
            try db.execute("INSERT INTO myi VALUES (1)")
            try db.execute("INSERT INTO inno VALUES (1)")
            let writer = try openConnection(url)
            defer { writer.close() }
            try writer.execute("SET SESSION lock_wait_timeout = 1")
            for table in ["myi", "inno"] {
                let counts = try db.readSnapshot(of: [TableName(table)]) {
                    let before = try db.scalar("SELECT count(*) FROM \(table)")
                    let written = (try? writer.execute("INSERT INTO \(table) VALUES (2)")) != nil
                    let after = try db.scalar("SELECT count(*) FROM \(table)")
                    #expect(written == (table == "inno"), "\(table): a writer during the snapshot")
                    return [before, after]
                }
                #expect(counts == [1, 1], "\(table): the snapshot saw one state")
            }
            // The lock ends with the snapshot.
            try writer.execute("INSERT INTO myi VALUES (2)")
            #expect(try db.scalar("SELECT count(*) FROM myi") == 2)
        }
    }

    /// Parallel workers open their connections at the same moment, then introspect at once: libmariadb's
    /// process-wide state (library, character sets, authentication plugins) must be set up once, not raced.
    @Test func `connections opened on many threads at once all work`() throws {
        try TestDatabases.withConnection(.mysql) { db, url in
            try db.execute("CREATE TABLE t (id BIGINT PRIMARY KEY, name VARCHAR(20))")
            let failures = Failures()
            DispatchQueue.concurrentPerform(iterations: 64) { _ in
                do {
                    let connection = try openConnection(url, mode: .readOnly)
                    defer { connection.close() }
                    let columns = try connection.columns(of: TableName("t"))
                    if columns.map(\.name) != ["id", "name"] { failures.add("columns: \(columns.map(\.name))") }
                } catch {
                    failures.add("\(error)")
                }
            }
            #expect(failures.all.isEmpty, "\(failures.all.prefix(3))")
        }
    }

    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var messages: [String] = []
        func add(_ message: String) { lock.withLock { messages.append(message) } }
        var all: [String] { lock.withLock { messages } }
    }

    @Test func `errors carry the error number and the SQLSTATE`() throws {
        try TestDatabases.withConnection(.mysql) { db, _ in
            try db.execute("CREATE TABLE u (id INT PRIMARY KEY)")
            try db.execute("INSERT INTO u VALUES (?)", [1])
            let duplicate = try #require(throws: DatabaseError.self) { try db.execute("INSERT INTO u VALUES (?)", [1]) }
            #expect((duplicate.code, duplicate.sqlState, duplicate.isUniqueViolation) == ("1062", "23000", true))
            #expect(String(describing: duplicate).contains("error 1062 (SQLSTATE 23000)"))
            let syntax = try #require(throws: DatabaseError.self) { try db.query("SELEC 1") }
            #expect((syntax.code, syntax.sqlState, syntax.kind) == ("1064", "42000", .statement))
            let missing = try #require(throws: DatabaseError.self) { try db.execute("DELETE FROM nowhere") }
            #expect((missing.code, missing.sqlState, missing.isUndefinedTable) == ("1146", "42S02", true))
        }
    }

    @Test func `connection failures are connection errors without the password`() throws {
        let url = try DatabaseURL("mysql://etl:hunter2@/od?socket=/nonexistent-tidemark/mysqld.sock")
        let error = try #require(throws: DatabaseError.self) { try openConnection(url) }
        #expect(error.kind == .connection)
        #expect(error.code == "2002")
        #expect(!String(describing: error).contains("hunter2"))
        #expect(String(describing: error).contains("mysql://etl:***@"))
    }

    /// Unbuffered: when the first batch arrives the server is still sending the result, so the client never holds
    /// more than it was handed.
    @Test func `a stream reads while the server is still sending`() throws {
        try TestDatabases.withConnection(.mysql) { db, url in
            try db.execute("CREATE TABLE big (id BIGINT PRIMARY KEY, payload VARCHAR(300))")
            let payload = String(repeating: "x", count: 250)
            _ = try db.bulkInsert(into: TableName("big"), columns: ["id", "payload"],
                                  rows: (1...200_000).lazy.map { [.integer(Int64($0)), .text(payload)] })
            let session = try #require(try db.scalar("SELECT CONNECTION_ID()"))
            let observer = try openConnection(url)
            defer { observer.close() }
            var commandDuringFirstBatch: Value?
            var rows = 0
            try db.stream("SELECT id, payload FROM big ORDER BY id", [], batchSize: 500) { batch in
                #expect(batch.count <= 500)
                if rows == 0 {
                    commandDuringFirstBatch = try observer.scalar(
                        "SELECT command FROM information_schema.processlist WHERE id = ?", [session])
                }
                rows += batch.count
            }
            #expect(rows == 200_000)
            #expect(commandDuringFirstBatch == "Execute")
        }
    }

    /// In a child process that starts a server and is killed: the watcher must stop the server and remove its
    /// directory.
    @Test func `the throwaway server is removed when its owner is killed`() async throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let note = directory + "/server-directory"
        await #expect(processExitsWith: .signal(SIGKILL)) { [note = note as String] in
            do {
                let server = try ThrowawayMariaDB()
                try server.directory.write(toFile: note, atomically: true, encoding: .utf8)
            } catch {
                Issue.record(error)
            }
            kill(getpid(), SIGKILL)
        }
        let serverDirectory = try String(contentsOfFile: note, encoding: .utf8)
        let deadline = Date().addingTimeInterval(30)
        while FileManager.default.fileExists(atPath: serverDirectory), Date() < deadline { usleep(200_000) }
        #expect(!FileManager.default.fileExists(atPath: serverDirectory))
        let servers = try ProcessRunner.run("/bin/sh", ["-c", "pgrep -f -- '[-]-datadir=\(serverDirectory)/' || true"])
        #expect(servers.stdout.isEmpty)
    }
}
