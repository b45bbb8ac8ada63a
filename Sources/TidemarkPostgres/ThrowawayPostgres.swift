import Foundation
import TidemarkDatabase

#if canImport(Glibc)
import Glibc
#endif

/// A private PostgreSQL cluster in a temporary directory, for tests and the simulator: started with the
/// server binaries of this machine (`pg_config --bindir`), reachable only through a unix socket in that
/// directory, fsync off, removed by ``stop()``.
///
/// A watcher process stops the server and removes the directory once the process that started it is gone,
/// however it ended (a crash, `kill -9`, Ctrl-C): a throwaway server never outlives its owner.
///
/// `initdb` refuses to run as root, so as root every server command runs as the `postgres` user.
public final class ThrowawayPostgres: Sendable {
    public let directory: String
    public let port = 5432
    private let binDirectory: String
    private let runAsPostgres: Bool
    private let watcher: pid_t

    /// Connection parameters for the `postgres` database of the cluster.
    public var parameters: [ConnectionParameter] {
        [.init("host", directory), .init("port", String(port)), .init("user", "postgres"), .init("dbname", "postgres")]
    }

    /// The same as a libpq key=value URL.
    public var url: String { "host=\(directory) port=\(port) user=postgres dbname=postgres" }

    public static let installHint = "install the PostgreSQL server: apt-get install -y postgresql (Debian/Ubuntu)"

    /// Creates and starts a cluster. Takes about a second.
    public init() throws {
        guard let bin = try? Self.capture("/usr/bin/env", ["pg_config", "--bindir"]).trimmingCharacters(in: .whitespacesAndNewlines),
            FileManager.default.isExecutableFile(atPath: bin + "/initdb"),
            FileManager.default.isExecutableFile(atPath: bin + "/pg_ctl")
        else {
            throw ThrowawayPostgresError(
                message: "PostgreSQL server binaries not found (initdb and pg_ctl via `pg_config --bindir`); "
                    + Self.installHint)
        }
        binDirectory = bin
        runAsPostgres = geteuid() == 0
        var template = Array((NSTemporaryDirectory() + "/tidemark-pg-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw ThrowawayPostgresError(message: "cannot create a temporary directory")
        }
        directory = String(cString: made)
        watcher = try Self.startWatcher(directory: directory, stop: Self.command(
            bin + "/pg_ctl", Self.stopArguments(directory), asPostgres: runAsPostgres))
        do {
            if runAsPostgres {
                guard let user = getpwnam("postgres") else {
                    throw ThrowawayPostgresError(
                        message: "running as root needs the `postgres` user to start a cluster; " + Self.installHint)
                }
                chown(directory, user.pointee.pw_uid, user.pointee.pw_gid)
            }
            try run("initdb", ["-D", directory + "/data", "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
                               "--locale=C.UTF-8"])
            let options = "-k \(directory) -c listen_addresses='' -p \(port) -c fsync=off -c synchronous_commit=off "
                + "-c full_page_writes=off -c max_connections=200 -c shared_buffers=128MB"
            try run("pg_ctl", ["-D", directory + "/data", "-o", options, "-l", directory + "/server.log", "-w", "start"])
        } catch {
            Self.end(watcher)
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Stops the server and deletes the directory. Safe to call twice.
    public func stop() {
        guard FileManager.default.fileExists(atPath: directory + "/data") else { return }
        Self.end(watcher)
        _ = try? run("pg_ctl", Self.stopArguments(directory))
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Immediate shutdown, waiting at most 30 seconds for it.
    private static func stopArguments(_ directory: String) -> [String] {
        ["-D", directory + "/data", "-m", "immediate", "-w", "-t", "30", "stop"]
    }

    private func run(_ tool: String, _ arguments: [String]) throws {
        let (executable, all) = Self.command(binDirectory + "/" + tool, arguments, asPostgres: runAsPostgres)
        _ = try Self.capture(executable, all)
    }

    /// A server command line, through `runuser` when it must run as the `postgres` user.
    private static func command(_ path: String, _ arguments: [String], asPostgres: Bool) -> (String, [String]) {
        asPostgres ? ("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments) : (path, arguments)
    }

    /// Starts the watcher: a shell loop in a session of its own that waits for this process to end, then runs
    /// `stop` and removes `directory`.
    private static func startWatcher(directory: String, stop: (String, [String])) throws -> pid_t {
        let script = #"owner=$1; directory=$2; shift 2; while kill -0 "$owner" 2>/dev/null; do sleep 1; done; "$@"; rm -rf "$directory""#
        return try ProcessRunner.startDetached(
            "/bin/sh", ["-c", script, "tidemark-pg-watcher", String(getpid()), directory, stop.0] + stop.1)
    }

    /// Ends the watcher when this process stops the server itself.
    private static func end(_ watcher: pid_t) {
        kill(watcher, SIGKILL)
        var status: Int32 = 0
        while waitpid(watcher, &status, 0) == -1, errno == EINTR {}
    }

    /// Runs a program to completion; throws with its output when it fails.
    @discardableResult
    static func capture(_ executable: String, _ arguments: [String]) throws -> String {
        let result = try ProcessRunner.run(executable, arguments)
        guard result.status == 0 else {
            throw ThrowawayPostgresError(
                message: "\((executable as NSString).lastPathComponent) \(arguments.prefix(4).joined(separator: " ")) "
                    + "failed (exit \(result.status)): \((result.stdout + result.stderr).suffix(1500))")
        }
        return result.stdout
    }
}

public struct ThrowawayPostgresError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
