import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to completion and collects what it printed (tests run `etl-run` through this too).
///
/// posix_spawn and wait4 rather than Foundation's Process: a server started by `pg_ctl` inherits the
/// output descriptors, and Process then waits on them forever. Output goes to files, not pipes, and the child
/// gets no other descriptor of ours: a server that outlived its starter while holding, say, the pipe of a CI
/// job or of `swift test` would keep that reader waiting for an end of file that never comes.
public enum ProcessRunner {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        /// The child's peak resident set size as the kernel counted it (`ru_maxrss`), in bytes.
        public let peakResidentBytes: Int
    }

    public static func run(_ executable: String, _ arguments: [String],
                           environment: [String: String]? = nil) throws -> Result {
        let base = NSTemporaryDirectory() + "/tidemark-run-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let outPath = base + ".out"
        let errPath = base + ".err"
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        let pid = try spawn(executable, arguments, environment: environment, stdout: outPath, stderr: errPath)
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1, errno == EINTR {}
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Result(
            status: exit, stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
            peakResidentBytes: Int(usage.ru_maxrss) * 1024)
    }

    /// Starts a program in a session of its own with its output discarded and does not wait for it: for a
    /// watcher that must outlive a Ctrl-C sent to this process's group. Returns its process id.
    @discardableResult
    public static func startDetached(_ executable: String, _ arguments: [String],
                                     environment: [String: String]? = nil) throws -> pid_t {
        try spawn(executable, arguments, environment: environment, stdout: "/dev/null", stderr: "/dev/null",
                  newSession: true)
    }

    private static func spawn(_ executable: String, _ arguments: [String], environment: [String: String]?,
                              stdout: String, stderr: String, newSession: Bool = false) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        for descriptor in inheritableDescriptors() { posix_spawn_file_actions_addclose(&actions, descriptor) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if newSession { posix_spawnattr_setflags(&attributes, Int16(Self.spawnSetSID)) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let env = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            env.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, env)
        guard spawned == 0 else {
            throw CocoaError(.executableNotLoadable, userInfo: [NSFilePathErrorKey: executable])
        }
        return pid
    }

    /// glibc's POSIX_SPAWN_SETSID, which Swift's Glibc module does not export.
    private static let spawnSetSID: Int32 = 0x80

    /// This process's open descriptors above stderr that a child would inherit (no close-on-exec flag).
    private static func inheritableDescriptors() -> [Int32] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return [] }
        return names.compactMap(Int32.init).filter { descriptor in
            guard descriptor > 2 else { return false }
            let flags = fcntl(descriptor, F_GETFD)
            return flags >= 0 && flags & FD_CLOEXEC == 0
        }
    }
}
