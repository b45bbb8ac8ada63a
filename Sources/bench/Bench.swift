import ArgumentParser
import Foundation
import TidemarkBenchmark
import TidemarkCommandLine
import TidemarkConfig

@main
struct Bench: ParsableCommand {
    /// ArgumentParser's main, with any password in the command line kept out of its messages.
    static func main() { mainRedactingArguments() }

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
        @Option(name: .customLong("path"), help: "Only this path (repeatable; ASCII -> works too).")
        var pathFilter: [BenchmarkPath] = []
        @Option(name: .customLong("strategy"), help: "Only this strategy (repeatable).")
        var strategyFilter: [StrategyKind] = []
        @Option(help: "Rows per batch for every strategy.") var batchSize = 10_000
        @Option(help: "Small tables in the many-tables case, beside 3 large ones of rows/10 (0 skips the case).")
        var manyTables = 400
        @OptionGroup var harness: HarnessOptions

        func validate() throws {
            try checkBounds("--rows", rows, Bounds.benchRows)
            try checkBounds("--scale", scale, Bounds.benchScale)
            try checkBounds("--batch-size", batchSize, Bounds.batchSize)
            try checkBounds("--many-tables", manyTables, Bounds.benchManyTables)
        }

        func run() throws {
            var options = BenchmarkOptions(executable: Self.executablePath())
            options.rows = rows
            options.scale = scale
            if !pathFilter.isEmpty { options.paths = pathFilter }
            if !strategyFilter.isEmpty { options.strategies = strategyFilter }
            options.batchSize = batchSize
            options.seed = harness.seed
            options.postgresURL = try harness.postgresServer()
            options.mysqlURL = try harness.mysqlServer()
            options.manyTables = manyTables == 0 ? nil
                : ManyTables(smallTables: manyTables, smallRows: 250, largeTables: 3, largeRows: max(1_000, rows / 10))
            options.progress = { FileHandle.standardError.write(Data(("bench: " + $0 + "\n").utf8)) }
            let report: BenchmarkReport
            do {
                report = try Benchmark.run(options)
            } catch {
                FileHandle.standardError.write(Data("bench: \(error)\n".utf8))
                throw ExitCode.failure
            }
            print(report.text, terminator: "")
            try writeReport(String(decoding: try report.json(), as: UTF8.self), to: harness.json)
            try writeReport(report.html, to: harness.html)
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

/// `--path` takes the report's spelling (`sqlite→postgres`) or the ASCII one (`sqlite->postgres`).
extension BenchmarkPath: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(rawValue: argument.replacingOccurrences(of: "->", with: "→"))
    }
}
