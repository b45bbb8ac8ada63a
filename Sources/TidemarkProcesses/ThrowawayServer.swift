import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What the throwaway servers (PostgreSQL, MariaDB) share: a private directory, server commands run as the
/// server's own user when this process is root, and a watcher that removes both once their owner is gone.
///
/// The watcher is a shell loop in a session of its own that waits for this process to end, however it ends (a
/// crash, `kill -9`, Ctrl-C), then runs the stop command and removes the directory: a throwaway server never
/// outlives its owner.
public struct ThrowawayServer: Sendable {
    public let directory: String
    /// The user server commands run as (through `runuser`), or nil to run them as this process.
    public let user: String?
    private let watcher: pid_t

    /// Makes a temporary directory named after `prefix`, owned by `user` when one is given, and starts the
    /// watcher that runs `stop` (a command line for ``command(_:_:)``) and removes the directory.
    public init(prefix: String, user: String?, installHint: String, stop: (_ directory: String) -> (String, [String]))
        throws
    {
        var template = Array((NSTemporaryDirectory() + "/\(prefix)-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw ThrowawayServerError(message: "cannot create a temporary directory")
        }
        let directory = String(cString: made)
        if let user {
            guard let entry = getpwnam(user) else {
                try? FileManager.default.removeItem(atPath: directory)
                throw ThrowawayServerError(
                    message: "running as root needs the `\(user)` user to start a server; " + installHint)
            }
            chown(directory, entry.pointee.pw_uid, entry.pointee.pw_gid)
        }
        self.directory = directory
        self.user = user
        let script = #"owner=$1; directory=$2; shift 2; while kill -0 "$owner" 2>/dev/null; do sleep 1; done; "$@"; rm -rf "$directory""#
        let (executable, arguments) = Self.command(stop(directory), user: user)
        do {
            watcher = try ProcessRunner.startDetached(
                "/bin/sh", ["-c", script, "\(prefix)-watcher", String(getpid()), directory, executable] + arguments)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// Ends the watcher, for when this process stops the server itself, and removes the directory.
    public func remove() {
        kill(watcher, SIGKILL)
        var status: Int32 = 0
        while waitpid(watcher, &status, 0) == -1, errno == EINTR {}
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A server command line, through `runuser` when it must run as the server's user.
    public func command(_ path: String, _ arguments: [String]) -> (String, [String]) {
        Self.command((path, arguments), user: user)
    }

    private static func command(_ line: (String, [String]), user: String?) -> (String, [String]) {
        guard let user else { return line }
        return ("/usr/sbin/runuser", ["-u", user, "--", line.0] + line.1)
    }

    /// Runs a server command to completion; throws with its output when it fails.
    @discardableResult
    public func run(_ path: String, _ arguments: [String]) throws -> String {
        let (executable, all) = command(path, arguments)
        return try Self.capture(executable, all)
    }

    /// Runs a program to completion; throws with its output when it fails.
    @discardableResult
    public static func capture(_ executable: String, _ arguments: [String]) throws -> String {
        let result = try ProcessRunner.run(executable, arguments)
        guard result.status == 0 else {
            throw ThrowawayServerError(
                message: "\((executable as NSString).lastPathComponent) \(arguments.prefix(4).joined(separator: " ")) "
                    + "failed (exit \(result.status)): \((result.stdout + result.stderr).suffix(1500))")
        }
        return result.stdout
    }
}

/// A throwaway server could not be set up: the message says what failed, with the install command when a
/// program is missing.
public struct ThrowawayServerError: Error, CustomStringConvertible {
    public let message: String

    public init(message: String) { self.message = message }

    public var description: String { message }
}
