import Foundation
import TidemarkDrivers
import TidemarkPostgres

/// The databases tests run against: real SQLite files and a real PostgreSQL server.
///
/// PostgreSQL is a throwaway cluster this process starts on first use (removed once the process is gone), or the server
/// named by `TIDEMARK_TEST_POSTGRES_URL`. Each test gets a schema of its own, so tests run in parallel.
/// Missing server binaries fail the test with the install command — never a silent skip.
public enum TestDatabases {
    /// The backends every contract test runs on.
    public static let engines: [Engine] = [.sqlite, .postgres]

    /// A fresh, empty database of the given engine, removed after `body`.
    public static func withFreshDatabase<T>(
        _ engine: Engine, _ body: (_ url: DatabaseURL) throws -> T
    ) throws -> T {
        switch engine {
        case .sqlite:
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            return try body(.sqlite(path: directory + "/test.sqlite"))
        case .postgres:
            let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            let server = try postgresServer()
            let admin = try openConnection(server)
            defer { admin.close() }
            try admin.execute("CREATE SCHEMA \(quoteIdentifier(String(schema)))")
            defer { _ = try? admin.execute("DROP SCHEMA \(quoteIdentifier(String(schema))) CASCADE") }
            return try body(withSearchPath(server, schema: String(schema)))
        }
    }

    /// Opens a fresh database and hands the connection (and its URL, for second connections) to `body`; the
    /// connection is closed after it.
    public static func withConnection<T>(
        _ engine: Engine, _ body: (_ connection: any Connection, _ url: DatabaseURL) throws -> T
    ) throws -> T {
        try withFreshDatabase(engine) { url in
            let connection = try openConnection(url)
            defer { connection.close() }
            return try body(connection, url)
        }
    }

    /// A new temporary directory (the caller removes it).
    public static func temporaryDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/tidemark-test-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        return String(cString: made)
    }

    /// The PostgreSQL server for tests, started once per process.
    public static func postgresServer() throws -> DatabaseURL {
        if let external = ProcessInfo.processInfo.environment["TIDEMARK_TEST_POSTGRES_URL"], !external.isEmpty {
            return try DatabaseURL(external)
        }
        return try SharedCluster.shared.url()
    }

    /// Adds `-c search_path=<schema>` so unqualified names land in the test's own schema.
    static func withSearchPath(_ url: DatabaseURL, schema: String) -> DatabaseURL {
        guard case .postgres(let parameters) = url else { return url }
        return .postgres(parameters: parameters.filter { $0.keyword != "options" }
            + [ConnectionParameter("options", "-c search_path=\(schema)")])
    }
}

/// One throwaway cluster for the whole test process. Nothing stops it at exit: its watcher does that once the
/// process is gone, so no code of ours runs while the test process exits.
final class SharedCluster: @unchecked Sendable {
    static let shared = SharedCluster()
    private let lock = NSLock()
    private var result: Result<ThrowawayPostgres, any Error>?

    func url() throws -> DatabaseURL {
        lock.lock()
        defer { lock.unlock() }
        if result == nil { result = Result { try ThrowawayPostgres() } }
        return .postgres(parameters: try result!.get().parameters)
    }
}

extension DatabaseURL {
    /// The URL as a command-line argument (a libpq key=value string for PostgreSQL). Test use only: it carries
    /// the password in clear if there is one.
    public var commandLineArgument: String {
        switch self {
        case .sqlite(let path): return "sqlite:" + path
        case .postgres(let parameters):
            return parameters.map { p in
                "\(p.keyword)='" + p.value.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "'", with: "\\'") + "'"
            }.joined(separator: " ")
        }
    }

    /// The schema a test database's search_path points at (PostgreSQL), nil for SQLite.
    public var testSchema: String? {
        guard case .postgres(let parameters) = self,
            let options = parameters.first(where: { $0.keyword == "options" })?.value,
            let range = options.range(of: "search_path=")
        else { return nil }
        return String(options[range.upperBound...])
    }
}

/// Finds an executable product of this package next to the test bundle (SwiftPM builds both into one folder).
public func builtProduct(_ name: String) throws -> String {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = testBinary.deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent(name).path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    throw CocoaError(.fileNoSuchFile, userInfo: [
        NSLocalizedDescriptionKey: "\(name) is not built next to the tests; run `swift build` first",
    ])
}
