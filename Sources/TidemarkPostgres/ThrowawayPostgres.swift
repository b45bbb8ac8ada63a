import Foundation
import TidemarkDatabase
// Re-exported: code that starts a cluster also runs programs through ProcessRunner.
@_exported import TidemarkProcesses

#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL cluster in a temporary directory, for tests and the simulator: started with the
/// server binaries of this machine (`pg_config --bindir`), reachable only through a unix socket in that
/// directory, fsync off, removed by ``stop()`` — or by its watcher once the process that started it is gone
/// (see ``ThrowawayServer``).
///
/// `initdb` refuses to run as root, so as root every server command runs as the `postgres` user.
public final class ThrowawayPostgres: Sendable {
    public let directory: String
    public let port = 5432
    private let binDirectory: String
    private let server: ThrowawayServer

    /// Connection parameters for the `postgres` database of the cluster.
    public var parameters: [ConnectionParameter] {
        [.init("host", directory), .init("port", String(port)), .init("user", "postgres"), .init("dbname", "postgres")]
    }

    /// The same as a libpq key=value URL.
    public var url: String { "host=\(directory) port=\(port) user=postgres dbname=postgres" }

    public static let installHint = "install the PostgreSQL server: apt-get install -y postgresql (Debian/Ubuntu)"

    /// Creates and starts a cluster. Takes about a second.
    public init() throws {
        guard let bin = try? ThrowawayServer.capture("/usr/bin/env", ["pg_config", "--bindir"])
                .trimmingCharacters(in: .whitespacesAndNewlines),
            FileManager.default.isExecutableFile(atPath: bin + "/initdb"),
            FileManager.default.isExecutableFile(atPath: bin + "/pg_ctl")
        else {
            throw ThrowawayServerError(
                message: "PostgreSQL server binaries not found (initdb and pg_ctl via `pg_config --bindir`); "
                    + Self.installHint)
        }
        binDirectory = bin
        server = try ThrowawayServer(prefix: "tidemark-pg", user: geteuid() == 0 ? "postgres" : nil,
                                     installHint: Self.installHint) { directory in
            (bin + "/pg_ctl", Self.stopArguments(directory))
        }
        directory = server.directory
        do {
            try server.run(bin + "/initdb", ["-D", directory + "/data", "-A", "trust", "-U", "postgres", "--no-sync",
                                             "-E", "UTF8", "--locale=C.UTF-8"])
            let options = "-k \(directory) -c listen_addresses='' -p \(port) -c fsync=off -c synchronous_commit=off "
                + "-c full_page_writes=off -c max_connections=200 -c shared_buffers=128MB"
            try server.run(bin + "/pg_ctl", ["-D", directory + "/data", "-o", options, "-l", directory + "/server.log",
                                             "-w", "start"])
        } catch {
            server.remove()
            throw error
        }
    }

    /// Stops the server and deletes the directory. Safe to call twice.
    public func stop() {
        guard FileManager.default.fileExists(atPath: directory + "/data") else { return }
        _ = try? server.run(binDirectory + "/pg_ctl", Self.stopArguments(directory))
        server.remove()
    }

    /// Immediate shutdown, waiting at most 30 seconds for it.
    private static func stopArguments(_ directory: String) -> [String] {
        ["-D", directory + "/data", "-m", "immediate", "-w", "-t", "30", "stop"]
    }
}
