import Foundation
import TidemarkDrivers
import TidemarkMySQL
import TidemarkPostgres

/// The databases tests run against: real SQLite files and real PostgreSQL and MariaDB servers.
///
/// PostgreSQL is a throwaway cluster this process starts on first use (removed once the process is gone), or the server
/// named by `TIDEMARK_TEST_POSTGRES_URL`; each test gets a schema of its own, so tests run in parallel. MariaDB is
/// likewise a throwaway server or `TIDEMARK_TEST_MYSQL_URL` (a `mysql://` URL), with a database of its own per test.
/// Missing server binaries fail the test with the install command — never a silent skip.
public enum TestDatabases {
    /// The engines the loader, fixture and simulator tests run on: every engine that can be a target.
    public static let engines: [Engine] = [.sqlite, .postgres]

    /// The engines the driver contract runs on: every engine, sources only (MySQL) included.
    public static let drivers: [Engine] = engines + [.mysql]

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
            return try withScratch(on: try postgresServer(), create: { "CREATE SCHEMA \($0)" },
                                   drop: { "DROP SCHEMA \($0) CASCADE" }) { name, server in
                try body(withSearchPath(server, schema: name))
            }
        case .mysql:
            return try withScratch(on: try mysqlServer(),
                                   create: { "CREATE DATABASE \($0) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" },
                                   drop: { "DROP DATABASE \($0)" }) { name, server in
                guard case .mysql(let parameters) = server else { return try body(server) }
                return try body(.mysql(parameters: parameters.filter { $0.keyword != "database" }
                    + [ConnectionParameter("database", name)]))
            }
        }
    }

    /// Makes a schema or database of a unique name on `server` with `create` (given the quoted name), runs
    /// `body` with the name, then removes it with `drop`.
    private static func withScratch<T>(on server: DatabaseURL, create: (String) -> String, drop: (String) -> String,
                                       _ body: (_ name: String, _ server: DatabaseURL) throws -> T) throws -> T {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let admin = try openConnection(server)
        defer { admin.close() }
        try admin.execute(create(quoteIdentifier(String(name))))
        defer { _ = try? admin.execute(drop(quoteIdentifier(String(name)))) }
        return try body(String(name), server)
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
        return .postgres(parameters: try SharedServers.postgres.get().parameters)
    }

    /// The MariaDB server for tests, started once per process.
    public static func mysqlServer() throws -> DatabaseURL {
        if let external = ProcessInfo.processInfo.environment["TIDEMARK_TEST_MYSQL_URL"], !external.isEmpty {
            return try DatabaseURL(external)
        }
        return .mysql(parameters: try SharedServers.mariaDB.get().parameters)
    }

    /// Adds `-c search_path=<schema>` so unqualified names land in the test's own schema.
    static func withSearchPath(_ url: DatabaseURL, schema: String) -> DatabaseURL {
        guard case .postgres(let parameters) = url else { return url }
        return .postgres(parameters: parameters.filter { $0.keyword != "options" }
            + [ConnectionParameter("options", "-c search_path=\(schema)")])
    }
}

/// One throwaway server of a kind for the whole test process, started on first use. Nothing stops it at exit:
/// its watcher does that once the process is gone, so no code of ours runs while the test process exits.
final class SharedServer<Server: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private let start: @Sendable () throws -> Server
    private var result: Result<Server, any Error>?

    init(_ start: @escaping @Sendable () throws -> Server) { self.start = start }

    func get() throws -> Server {
        lock.lock()
        defer { lock.unlock() }
        if result == nil { result = Result { try start() } }
        return try result!.get()
    }
}

enum SharedServers {
    static let postgres = SharedServer { try ThrowawayPostgres() }
    static let mariaDB = SharedServer { try ThrowawayMariaDB() }
}

extension DatabaseURL {
    /// The URL as a command-line argument (a libpq key=value string for PostgreSQL, a mysql:// URL for MySQL).
    /// Test use only: it carries the password in clear if there is one.
    public var commandLineArgument: String {
        switch self {
        case .sqlite(let path): return "sqlite:" + path
        case .postgres(let parameters):
            return parameters.map { p in
                "\(p.keyword)='" + p.value.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "'", with: "\\'") + "'"
            }.joined(separator: " ")
        case .mysql(let parameters):
            func value(_ keyword: String) -> String? { parameters.first { $0.keyword == keyword }?.value }
            func encoded(_ text: String) -> String {
                text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
            }
            var text = "mysql://"
            if let user = value("user") {
                text += encoded(user) + (value("password").map { ":" + encoded($0) } ?? "") + "@"
            }
            text += value("host").map(encoded) ?? ""
            if let port = value("port") { text += ":" + port }
            if let database = value("database") { text += "/" + encoded(database) }
            if let socket = value("socket") { text += "?socket=" + encoded(socket) }
            return text
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
