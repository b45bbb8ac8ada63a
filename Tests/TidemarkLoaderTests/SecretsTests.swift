import Foundation
import Testing
import TidemarkDrivers
import TidemarkPostgres
import TidemarkTestSupport

/// No password ever reaches an output: a corpus of malformed and unreachable URLs holding known passwords goes
/// through every entry point — the parser, the PostgreSQL driver's connection failure, and the built `etl-run`,
/// `simulate` and `bench` — and every output is searched for any piece of the password.
@Suite struct SecretsTests {
    /// Each with an unencoded character that moves where a parser thinks the password ends.
    static let passwords = ["S3cr3t", "Sp4ce Pw0rd", "Sl4sh/P4ss", "Qu3ry?P4ss", "At5ign@P4ss", "H4sh#P4ss",
                            "C0lon:P4ss", "Qu0te\"P4ss'X", "Sp4ce Pw0rd/Qu3ry?At5ign@H4sh#C0lon:Qu0te\"P4ss'X"]
    /// Where `{P}` stands, unencoded; the host is a socket directory that does not exist, so a URL that parses
    /// fails at once when connecting.
    static let templates = [
        "postgresql://tm:{P}/tm", "postgresql://tm:{P}", "postgresql://tm:{P}@%2Fnonexistent/tm",
        "postgresql://tm:{P}@%2Fnonexistent:5x/tm", "postgres://%2Fnonexistent/tm?password={P}",
        "postgres://%2Fnonexistent/tm?password={P}&sslmode=bogus", "host=/nonexistent password={P}",
        "password={P} host=/nonexistent port=5x", "host=/nonexistent password='{P}", "password={P} sslmode=bogus",
        "user=tm password={P} dbname=tm host=/nonexistent",
    ]

    /// Every password in every template, but for one kind no parser can tell: a password with an unencoded `@`
    /// and no host after it (`postgresql://tm:At5ign@P4ss/tm`) is a well-formed URL for host `P4ss`.
    static var corpus: [(url: String, password: String)] {
        passwords.flatMap { password in
            templates.filter { !(password.contains("@") && $0.hasPrefix("postgresql://tm:{P}") && !$0.contains("{P}@")) }
                .map { ($0.replacingOccurrences(of: "{P}", with: password), password) }
        }
    }

    /// The pieces of a password between its special characters: none may appear, not only the whole.
    static func pieces(_ password: String) -> [String] {
        password.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init).filter { $0.count >= 4 }
    }

    func expectNoPassword(_ output: String, _ password: String, _ url: String, _ entry: String,
                          sourceLocation: SourceLocation = #_sourceLocation) {
        for piece in Self.pieces(password) where output.contains(piece) {
            Issue.record("\(entry) echoed '\(piece)' of the password for \(url):\n\(output)", sourceLocation: sourceLocation)
        }
    }

    @Test func `the parser and the driver never show a password`() {
        for (url, password) in Self.corpus {
            var output: String
            do {
                let parsed = try DatabaseURL(url)
                output = parsed.redacted + "\n" + parsed.description
                do {
                    try openConnection(parsed).close()
                    output += "\nconnected"
                } catch {
                    output += "\n\(error)"
                }
            } catch {
                output = "\(error)"
            }
            expectNoPassword(output, password, url, "DatabaseURL/driver")
        }
    }

    /// The command lines each URL goes through, in the slot where the tool takes a URL.
    static let commandLines: [(tool: String, arguments: @Sendable (String) -> [String])] = [
        ("etl-run", { ["--source", $0, "--target", "sqlite::memory:", "--tables", "t"] }),
        ("etl-run", { ["--source", "sqlite::memory:", "--target", $0, "--tables", "t"] }),
        ("simulate", { ["stale-medication", "--backend", "postgres", "--strategy", "standard", "--policy", "none",
                        "--postgres-url", $0] }),
        ("bench", { ["--rows", "1000", "--scale", "1", "--path", "sqlite->postgres", "--strategy", "copy",
                     "--postgres-url", $0] }),
    ]

    @Test(arguments: 0..<commandLines.count)
    func `no tool shows a password`(line: Int) throws {
        let (tool, arguments) = Self.commandLines[line]
        let binary = try builtProduct(tool)
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // One password with every special character, and two plain ones, in every template.
        for password in [Self.passwords[0], Self.passwords[1], Self.passwords.last!] {
            for template in Self.templates {
                let url = template.replacingOccurrences(of: "{P}", with: password)
                let result = try ProcessRunner.run(binary, arguments(url) + (tool == "etl-run"
                    ? ["--method-usage", directory + "/usage.json"] : []))
                #expect(result.status != 0, "\(tool) \(url)")
                expectNoPassword(result.stdout + result.stderr, password, url, tool)
            }
        }
    }
}

/// ArgumentParser quotes a misplaced argument as it is (`Unexpected argument '…'`, `The value '…' is invalid for
/// '--jobs'`): a URL given where a number or a choice belongs, or left over after a misspelled flag, must not
/// show its password either.
@Suite struct MisplacedArgumentSecretsTests {
    static let memory = ["--source", "sqlite::memory:", "--target", "sqlite::memory:", "--tables", "t"]
    static let commandLines: [(tool: String, arguments: @Sendable (String) -> [String])] = [
        ("etl-run", { memory + [$0] }),
        ("etl-run", { ["--sourc", $0] + memory }),
        ("etl-run", { ["--jobs", $0] + memory }),
        ("etl-run", { ["--policy=" + $0] + memory }),
        ("etl-run", { ["status", "--target", "sqlite::memory:", $0] }),
        ("simulate", { ["stale-medication", "--seed", $0] }),
        ("simulate", { ["stale-medication", "--backend", $0] }),
        ("bench", { ["--rows", $0] }),
    ]

    @Test(arguments: 0..<commandLines.count)
    func `no usage error shows a password`(line: Int) throws {
        let (tool, arguments) = Self.commandLines[line]
        let binary = try builtProduct(tool)
        for password in [SecretsTests.passwords[0], SecretsTests.passwords[1], SecretsTests.passwords.last!] {
            for template in SecretsTests.templates {
                let url = template.replacingOccurrences(of: "{P}", with: password)
                let result = try ProcessRunner.run(binary, arguments(url))
                #expect(result.status == 64, "\(tool) \(arguments(url))")
                SecretsTests().expectNoPassword(result.stdout + result.stderr, password, url, tool)
            }
        }
    }
}
