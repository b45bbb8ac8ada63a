import Foundation
import Testing
import TidemarkPostgres

#if canImport(Glibc)
import Glibc
#endif

/// The children this package starts (servers, tools, its own binaries) inherit nothing but their standard
/// descriptors: a server holding a pipe of ours would keep whoever reads that pipe waiting after we exit.
@Suite struct ProcessRunnerTests {
    @Test func `a child inherits no pipe of ours`() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { ends.forEach { close($0) } }
        let result = try ProcessRunner.run("/bin/sh", ["-c", "ls -l /proc/$$/fd"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("pipe:"), "\(result.stdout)")
        // Its own output still arrives.
        #expect(try ProcessRunner.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"]).stdout == "out\n")
    }

    @Test func `exit status, stderr and signals are reported`() throws {
        let failed = try ProcessRunner.run("/bin/sh", ["-c", "echo err >&2; exit 3"])
        #expect(failed.status == 3 && failed.stderr == "err\n")
        let killed = try ProcessRunner.run("/bin/sh", ["-c", "kill -9 $$"])
        #expect(killed.status == 128 + 9)
    }
}
