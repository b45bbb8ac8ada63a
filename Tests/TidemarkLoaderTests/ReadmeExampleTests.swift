import Foundation
import Testing
import TidemarkDatabase
import TidemarkDrivers
import TidemarkPostgres
import TidemarkTestSupport

/// The README's shell examples, run as written against the test's own servers: only the lines that name the
/// servers and the database names are swapped for the test's.
@Suite struct ReadmeExampleTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The fenced block after `<!-- readme-test: NAME -->`.
    static func example(_ name: String) throws -> [String] {
        let readme = try String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.components(separatedBy: "\n")
        let marker = try #require(lines.firstIndex(of: "<!-- readme-test: \(name) -->"), "README has no example \(name)")
        let open = try #require(lines[marker...].firstIndex { $0.hasPrefix("```") })
        let close = try #require(lines[(open + 1)...].firstIndex { $0.hasPrefix("```") })
        return Array(lines[(open + 1)..<close])
    }

    @Test func `the incident from a MariaDB source repairs as the README shows`() throws {
        guard case .mysql(let mysqlParameters) = try TestDatabases.mysqlServer(),
              let socket = mysqlParameters.first(where: { $0.keyword == "socket" })?.value
        else {
            Issue.record("this example talks to MariaDB through its unix socket; TIDEMARK_TEST_MYSQL_URL names none")
            return
        }
        guard case .postgres(let postgresParameters) = try TestDatabases.postgresServer() else { return }
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let sourceDatabase = "readme_src_" + token, targetDatabase = "readme_tgt_" + token
        let mysqlAdmin = try openConnection(.mysql(parameters: mysqlParameters))
        let postgresAdmin = try openConnection(.postgres(parameters: postgresParameters))
        try postgresAdmin.execute("CREATE DATABASE \(quoteIdentifier(targetDatabase))")
        defer {
            _ = try? mysqlAdmin.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(sourceDatabase))")
            _ = try? postgresAdmin.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(targetDatabase)) WITH (FORCE)")
            mysqlAdmin.close()
            postgresAdmin.close()
        }
        let target = DatabaseURL.postgres(parameters: postgresParameters.filter { $0.keyword != "dbname" }
            + [ConnectionParameter("dbname", targetDatabase)])

        var script = ["set -e", "cd '\(Self.repository.path)'"]
        for line in try Self.example("mariadb-incident") {
            if line.hasPrefix("SOCKET=") { script.append("SOCKET='\(socket)'"); continue }
            if line.hasPrefix("PG=") { script.append("PG=\"\(target.commandLineArgument)\""); continue }
            if line == "swift build" { continue }  // the tests run on built products
            script.append(line.replacingOccurrences(of: "opendental", with: sourceDatabase)
                .replacingOccurrences(of: ".build/debug/etl-run", with: try builtProduct("etl-run")))
        }
        let result = try ProcessRunner.run("/bin/bash", ["-c", script.joined(separator: "\n")])
        let output = result.stdout + result.stderr
        #expect(result.status == 0, "\(output)")
        // The stale run under none reads nothing and says so; reconcile finds the five rows and repairs them.
        #expect(output.contains("medication  standard     0       0         0        0         0  none      no"), "\(output)")
        #expect(output.contains("verification found 5 missing, 0 changed, 0 extra rows; repaired those rows"), "\(output)")
        #expect(output.contains("Azithromycin allergy | Azithromycin") && output.contains("(3 rows)"), "\(output)")
        let check = try openConnection(target)
        defer { check.close() }
        #expect(try check.scalar("SELECT count(*) FROM raw.medication") == .integer(10))
    }
}
