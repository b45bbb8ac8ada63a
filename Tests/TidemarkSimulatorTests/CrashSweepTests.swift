import Foundation
import Testing
import TidemarkConfig
import TidemarkLoader
import TidemarkProcesses
import TidemarkSimulator
import TidemarkTestSupport

/// The crash points and the sweep that uses them: `etl-run` as a child process, killed or failed where the
/// environment says, then run again until source and target agree.
@Suite struct CrashSweepTests {
    @Test func `the environment arms a point by name, hit and action, and a mistyped one is refused`() throws {
        let armed = try #require(CrashPoints(parsing: "inside-copy:3:fail"))
        #expect(armed.point == .insideCopy && armed.hitNumber == 3 && armed.action == .fail)
        let defaults = try #require(CrashPoints(parsing: "before-finish"))
        #expect(defaults.hitNumber == 1 && defaults.action == .kill)
        for text in ["inside-cpy", "inside-copy:0", "inside-copy:x", "inside-copy:1:explode", "inside-copy:1:kill:2"] {
            #expect(CrashPoints(parsing: text) == nil, "\(text)")
        }
        // A mistyped hook must not look like a run that survived it.
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var environment = ProcessInfo.processInfo.environment
        environment[CrashPoints.variable] = "batch-writen:1"
        let result = try ProcessRunner.run(try builtProduct("etl-run"), [
            "--source", "sqlite::memory:", "--target", "sqlite:\(directory)/t.db", "--tables", "t",
            "--method-usage", directory + "/usage.json",
        ], environment: environment)
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("TIDEMARK_CRASH_AT=batch-writen:1 is not"))
    }

    func sweep(_ backend: Backend, loader: String? = nil, configure: (inout CrashSweepOptions) -> Void) throws
        -> CrashSweepReport
    {
        var options = CrashSweepOptions()
        options.backends = [backend]
        if backend == .postgres { options.postgresURL = try TestDatabases.postgresServer() }
        options.loader = try loader ?? builtProduct("etl-run")
        options.hits = [1]
        options.actions = [.kill]
        configure(&options)
        return try CrashSweep.run(options)
    }

    @Test(arguments: [Backend.sqlite, .postgres])
    func `a run killed inside a COPY or between its batches converges under both recoveries`(backend: Backend) throws {
        let report = try sweep(backend) {
            $0.points = [.insideCopy, .batchCommitted, .beforeFinish]
            $0.strategies = [.copy]
            $0.cursorModes = [.andLogic]
        }
        #expect(report.cases.count == 6)
        for result in report.cases {
            #expect(result.crashes == 2, "\(result.crash): both loads of the case crash")
            #expect(result.passed, "\(result.crash): \(result.failures)")
        }
    }

    @Test func `a failing target at a repair's leaf or inside a reload converges`() throws {
        let report = try sweep(.sqlite) {
            $0.points = [.betweenRepairLeaves, .reloadMerged, .workerBatchCommitted]
            $0.strategies = [.parallel]
            $0.cursorModes = [.orLogic]
            $0.recoveries = [.reconcile]
            $0.actions = [.fail]
        }
        #expect(report.cases.count == 3)
        for result in report.cases {
            #expect(result.crashes > 0 && result.passed, "\(result.crash): \(result.failures)")
        }
    }

    /// A loader that stores its cursor past the rows it committed — the bug the sweep exists to see — is caught.
    @Test func `the sweep sees a cursor that claims rows the target lacks`() throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = directory + "/lying-etl-run"
        try """
            #!/bin/sh
            # etl-run, except that a killed run leaves its cursor at the end of the table.
            "\(try builtProduct("etl-run"))" "$@"
            status=$?
            if [ $status -eq 137 ]; then
                previous=""
                for argument in "$@"; do
                    [ "$previous" = "--target" ] && target="${argument#sqlite:}"
                    previous="$argument"
                done
                sqlite3 "$target" "UPDATE etl_load_status SET last_primary_value = '999999'"
            fi
            exit $status
            """.write(toFile: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        let report = try sweep(.sqlite, loader: script) {
            $0.points = [.batchCommitted]
            $0.strategies = [.streaming]
            $0.cursorModes = [.singleColumn]
            $0.recoveries = [.noneVerifyOff]
        }
        let result = try #require(report.cases.first)
        #expect(!report.passed)
        #expect(result.failures.contains { $0.contains("after the crash") && $0.contains("at or below cursor 999999") },
                "\(result.failures)")
        #expect(CrashSweepReport.render(report).contains("✘ batch-committed:1:kill/streaming/single_column/none-verify-off/sqlite"))
    }
}
