import Foundation
import TidemarkDatabase
import TidemarkProcesses

#if canImport(Glibc)
import Glibc
#endif

/// A private MariaDB server in a temporary directory, for tests: `mariadb-install-db` into it, then `mariadbd`
/// on a unix socket there and no TCP port, `root` without a password, removed by ``stop()`` — or by its watcher
/// once the process that started it is gone (see ``ThrowawayServer``).
///
/// `mariadbd` will not run as root, so as root every server command runs as the `mysql` user.
public final class ThrowawayMariaDB: Sendable {
    public let directory: String
    private let server: ThrowawayServer

    /// Connection parameters for the server (no current database).
    public var parameters: [ConnectionParameter] { [.init("user", "root"), .init("socket", socket)] }

    private var socket: String { directory + "/mysqld.sock" }
    private var pidFile: String { directory + "/mysqld.pid" }

    public static let installHint = "install the MariaDB server and client library: "
        + "apt-get install -y mariadb-server libmariadb-dev (Debian/Ubuntu)"

    /// Creates and starts a server. Takes a few seconds.
    public init() throws {
        guard let installer = Self.find(["mariadb-install-db", "mysql_install_db"]),
            let daemon = Self.find(["mariadbd", "mysqld"])
        else {
            throw ThrowawayServerError(
                message: "MariaDB server binaries not found (mariadb-install-db and mariadbd); " + Self.installHint)
        }
        server = try ThrowawayServer(prefix: "tidemark-mariadb", user: geteuid() == 0 ? "mysql" : nil,
                                     installHint: Self.installHint) { directory in
            ("/bin/sh", ["-c", Self.killScript, "kill-mariadbd", directory + "/mysqld.pid"])
        }
        directory = server.directory
        do {
            let data = directory + "/data"
            try server.run(installer, ["--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal",
                                       "--skip-test-db", "--skip-name-resolve"])
            let options = [
                "--no-defaults", "--datadir=" + data, "--socket=" + socket, "--skip-networking",
                "--pid-file=" + pidFile, "--log-error=" + directory + "/server.log", "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_bin", "--max-connections=200", "--max-allowed-packet=64M",
                "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--innodb-buffer-pool-size=128M",
            ]
            // In the background with its output in the log; the shell returns at once.
            try server.run("/bin/sh", ["-c", #""$@" </dev/null >/dev/null 2>&1 &"#, "start-mariadbd", daemon] + options)
            try waitUntilReady()
        } catch {
            stop()
            throw error
        }
    }

    /// Stops the server and deletes the directory. Safe to call twice.
    public func stop() {
        guard FileManager.default.fileExists(atPath: directory) else { return }
        _ = try? server.run("/bin/sh", ["-c", Self.killScript, "kill-mariadbd", pidFile])
        server.remove()
    }

    /// Kills the server named by the pid file `$1` and waits until it is gone (a throwaway needs no clean
    /// shutdown: its files are removed next).
    private static let killScript = #"""
        pid=$(cat "$1" 2>/dev/null) || exit 0
        kill -KILL "$pid" 2>/dev/null || exit 0
        while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
        """#

    /// Connects until the server answers, for at most 60 seconds; fails early with its log when it stopped.
    private func waitUntilReady() throws {
        let deadline = Date().addingTimeInterval(60)
        while true {
            if FileManager.default.fileExists(atPath: socket),
                let probe = try? MySQLConnection(parameters: parameters)
            {
                probe.close()
                return
            }
            let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
            if Date() > deadline || log.contains("[ERROR] Aborting") {
                throw ThrowawayServerError(message: "mariadbd did not start: \(log.suffix(1500))")
            }
            usleep(100_000)
        }
    }

    /// The first of `names` found in PATH, /usr/sbin or /usr/bin.
    private static func find(_ names: [String]) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/usr/local/sbin"]
        for name in names {
            for directory in directories where FileManager.default.isExecutableFile(atPath: directory + "/" + name) {
                return directory + "/" + name
            }
        }
        return nil
    }
}
