import Foundation
import Testing
import TidemarkDrivers
import TidemarkFixtures
import TidemarkPostgres
import TidemarkTestSupport
import TidemarkLoader

/// `etl-run`'s live line, rendered from the run's state (the terminal side is in `ETLRunTests`).
@Suite struct ProgressLineTests {
    func progress(done: Int = 3, failed: Int = 0, inFlight: [String] = [], rows: Int = 0, seconds: Double = 1)
        -> RunProgress
    {
        var progress = RunProgress(total: 10)
        progress.done = done
        progress.failed = failed
        progress.inFlight = inFlight
        progress.rows = rows
        progress.elapsedSeconds = seconds
        return progress
    }

    @Test func `counts, failures and the rate over the run`() {
        #expect(progress(rows: 12_345, seconds: 2).line(width: 80) == "[3/10] · 6,173 rows/s")
        #expect(progress(done: 7, failed: 2, rows: 0, seconds: 0).line(width: 80) == "[7/10] 2 failed · 0 rows/s")
        #expect(progress(inFlight: ["patient", "procedurelog"], rows: 500, seconds: 0.5).line(width: 80)
            == "[3/10] · 1,000 rows/s · patient, procedurelog")
    }

    @Test func `tables in flight that do not fit are counted, and the line stays shorter than the width`() {
        let state = progress(inFlight: ["patient", "procedurelog", "claimproc", "appointment"], rows: 10)
        #expect(state.line(width: 80) == "[3/10] · 10 rows/s · patient, procedurelog, claimproc, appointment")
        #expect(state.line(width: 50) == "[3/10] · 10 rows/s · patient, +3 more")
        #expect(state.line(width: 30) == "[3/10] · 10 rows/s · +4 more")
        for width in [1, 5, 12, 20, 30, 45, 60, 200] {
            #expect(state.line(width: width).count < max(width, 2), "width \(width): \(state.line(width: width))")
        }
        #expect(state.line(width: 12) == "[3/10] · 1…")
    }
}

/// The line as `etl-run` draws it: under a pseudo-terminal (util-linux `script`), and not at all when piped.
@Suite struct ProgressTerminalTests {
    /// A SQLite source of two tables, and the arguments loading them into a new SQLite target.
    func arguments(in directory: String) throws -> [String] {
        let source = try openConnection(.sqlite(path: directory + "/source.sqlite"))
        defer { source.close() }
        try Fixtures.install(Fixtures.medication(), into: source)
        try Fixtures.install(Fixtures.allergydef(), into: source)
        return ["--source", "sqlite:" + directory + "/source.sqlite", "--target", "sqlite:" + directory + "/target.sqlite",
                "--config", ETLRunTests.fixturesConfig, "--tables", "medication,allergydef", "--jobs", "2",
                "--method-usage", directory + "/method_usage.json"]
    }

    /// What a terminal keeps of each line: the text after its last carriage return, erase codes left out.
    func visibleLines(_ output: String) -> [String] {
        output.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in
                String(line.split(separator: "\r", omittingEmptySubsequences: false).last ?? "")
                    .replacingOccurrences(of: "\u{1B}[K", with: "")
            }
    }

    /// Runs etl-run with `arguments` under a pseudo-terminal: its stdout and stderr, as the terminal got them.
    func underTerminal(_ arguments: [String]) throws -> ProcessRunner.Result {
        let command = ([try builtProduct("etl-run")] + arguments)
            .map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        return try ProcessRunner.run("/usr/bin/script", ["-qefc", command, "/dev/null"])
    }

    @Test func `on a terminal the line is redrawn in place, log lines and the summary stay whole`() throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try underTerminal(try arguments(in: directory))
        #expect(run.status == 0, "\(run.stdout.suffix(2000))")
        let output = run.stdout
        #expect(output.contains("\r\u{1B}[K[0/2] · "), "\(output.suffix(2000))")
        #expect(output.contains("\r\u{1B}[K[2/2] · "))
        let visible = visibleLines(output)
        // Each log line is whole on a line of its own; no progress line is left behind.
        let loaded = visible.filter { $0.contains("Successfully loaded medication (1090 rows) in ") }
        #expect(loaded.count == 1 && loaded.allSatisfy { $0.hasPrefix("20") && !$0.contains("rows/s") }, "\(visible)")
        #expect(!visible.contains { $0.hasPrefix("[") && $0.contains(" rows/s") }, "\(visible)")
        // The summary comes after the last erase, intact.
        let afterLastErase = String(output[(output.range(of: "\u{1B}[K", options: .backwards)?.upperBound)!...])
        #expect(afterLastErase.contains("2 tables: 2 loaded, 0 failed, 0 skipped"), "\(afterLastErase)")
        #expect(afterLastErase.contains("medication") && afterLastErase.contains("allergydef"))
    }

    @Test func `piped, or with --json, there is no progress line and no escape code`() throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let arguments = try arguments(in: directory)
        for extra in [[], ["--json", "--full"]] {
            let run = try ProcessRunner.run(try builtProduct("etl-run"), arguments + extra)
            #expect(run.status == 0, "\(run.stderr.suffix(1500))")
            #expect(!run.stderr.contains("\u{1B}") && !run.stderr.contains("\r") && !run.stdout.contains("\u{1B}"))
            #expect(!run.stderr.contains(" rows/s"))
            #expect(run.stderr.contains("2 tables: 2 loaded, 0 failed"))
        }
    }

    @Test func `--json under a terminal draws no line either`() throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try underTerminal(try arguments(in: directory) + ["--json"])
        #expect(run.status == 0, "\(run.stdout.suffix(2000))")
        #expect(!run.stdout.contains("\u{1B}") && !run.stdout.contains(" rows/s"), "\(run.stdout.suffix(2000))")
    }
}
