import ArgumentParser
import Foundation
import TidemarkBenchmark
import TidemarkConfig
import TidemarkDatabase

@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure load throughput, memory and incremental cost per strategy and path against baselines.",
        discussion: """
            Run it built for release: swift run -c release bench [--rows N] [--scale K] …
            The options are those of `run`, the default subcommand: see `bench run --help`.
            Every case runs in a child process, so its peak RSS is its own.
            Exit 0 when every case ran (targets are reported, not enforced); 1 when a case failed; 64 for bad usage.
            """,
        subcommands: [Run.self, Measure.self],
        defaultSubcommand: Run.self)

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the whole benchmark (default).")

        @Option(help: "Rows in the generated procedurelog table.") var rows = 1_000_000
        @Option(help: "Also load rows × scale with streaming, chunked and copy to check memory stays flat (1 skips it).")
        var scale = 5
        @Option(name: .customLong("path"), help: "Only this path: sqlite→sqlite, sqlite→postgres, postgres→postgres (repeatable; ASCII -> works too).")
        var pathFilter: [String] = []
        @Option(name: .customLong("strategy"), help: "Only this strategy (repeatable).") var strategyFilter: [String] = []
        @Option(help: "Rows per batch for every strategy.") var batchSize = 10_000
        @Option(help: "The seed the generated rows derive from.") var seed: UInt64 = 1
        @Option(help: "An existing PostgreSQL server (otherwise a throwaway cluster is started and removed).")
        var postgresURL: String?
        @Option(help: "Write the report as JSON to this file (compare runs across commits).") var json: String?
        @Option(help: "Write a self-contained HTML page with SVG charts to this file.") var html: String?

        func validate() throws {
            guard rows >= 1000 else { throw ValidationError("--rows: at least 1000") }
            guard scale >= 1 else { throw ValidationError("--scale: at least 1") }
            guard batchSize > 0 else { throw ValidationError("--batch-size: must be positive") }
            for p in pathFilter where Self.path(p) == nil {
                throw ValidationError("--path: '\(p)' is not one of \(BenchmarkPath.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            for s in strategyFilter where StrategyKind(rawValue: s) == nil {
                throw ValidationError("--strategy: '\(s)' is not one of \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if let postgresURL {
                do { _ = try DatabaseURL(postgresURL) } catch { throw ValidationError("--postgres-url: \(error)") }
            }
        }

        static func path(_ text: String) -> BenchmarkPath? {
            BenchmarkPath(rawValue: text.replacingOccurrences(of: "->", with: "→"))
        }

        func run() throws {
            var options = BenchmarkOptions(executable: Self.executablePath())
            options.rows = rows
            options.scale = scale
            if !pathFilter.isEmpty { options.paths = pathFilter.compactMap(Self.path) }
            if !strategyFilter.isEmpty { options.strategies = strategyFilter.compactMap(StrategyKind.init(rawValue:)) }
            options.batchSize = batchSize
            options.seed = seed
            options.postgresURL = try postgresURL.map { try DatabaseURL($0) }
            options.progress = { FileHandle.standardError.write(Data(("bench: " + $0 + "\n").utf8)) }
            let report: BenchmarkReport
            do {
                report = try Benchmark.run(options)
            } catch {
                FileHandle.standardError.write(Data("bench: \(error)\n".utf8))
                throw ExitCode.failure
            }
            print(report.text, terminator: "")
            if let json { try write(json, String(decoding: try report.json(), as: UTF8.self)) }
            if let html { try write(html, report.html) }
        }

        private func write(_ path: String, _ text: String) throws {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }

        /// This binary, which the benchmark runs again for each case.
        static func executablePath() -> String {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        }
    }

    /// One case, described by the parent in the environment; prints its outcome as JSON.
    struct Measure: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "measure", abstract: "Run one case for the parent benchmark (internal).", shouldDisplay: false)

        func run() throws {
            guard let outcome = try BenchmarkCase.fromEnvironment()?.run() else {
                throw ValidationError("measure runs one case described by the parent `bench` process")
            }
            print(String(decoding: try JSONEncoder().encode(outcome), as: UTF8.self))
        }
    }
}
