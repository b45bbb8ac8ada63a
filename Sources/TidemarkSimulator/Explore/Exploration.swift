import Foundation
import TidemarkConfig
import TidemarkDatabase
import TidemarkFixtures

/// What `simulate explore` runs.
public struct ExploreOptions: Sendable {
    public var seed: UInt64 = 1
    public var runs: Int? = 20
    public var minutes: Double?
    public var backends: [Backend] = [.sqlite]
    public var postgresURL: DatabaseURL?
    /// Where shrunk findings are written (`scenarios/found/`); nil writes nothing.
    public var foundDirectory: String?
    /// The table config the scenarios start from (Fixtures/tables.yml).
    public var configs: [String: TableConfig] = [:]
    /// An `etl-run` binary to explore through its command line instead of the loader in this process.
    public var loader: String?

    public init() {}
}

/// A violation exploration found, shrunk.
public struct ExploreFinding: Sendable {
    public let run: Int
    public let backend: Backend
    public let name: String
    /// The invariants it breaks, as the cell reported them.
    public let failures: [String]
    /// The scenario file written, if any.
    public let file: String?
    public let steps: Int
}

/// Everything an exploration did.
public struct ExploreReport: Sendable {
    public var runs: [Backend: Int] = [:]
    public var seconds: [Backend: Double] = [:]
    public var findings: [ExploreFinding] = []

    public var passed: Bool { findings.isEmpty }

    public func render(seed: UInt64) -> String {
        var lines: [String] = []
        for backend in Backend.allCases {
            guard let runs = runs[backend], let seconds = seconds[backend] else { continue }
            lines.append("explore seed \(seed) · \(backend.rawValue): \(runs) runs in \(String(format: "%.1f", seconds)) s "
                + "(\(String(format: "%.1f", seconds > 0 ? Double(runs) * 60 / seconds : 0)) runs a minute), "
                + "\(findings.filter { $0.backend == backend }.count) findings")
        }
        for finding in findings {
            lines.append("✘ run \(finding.run) · \(finding.backend.rawValue): \(finding.name) (\(finding.steps) steps)"
                + (finding.file.map { " → \($0)" } ?? "") + ": " + finding.failures.joined(separator: "; "))
        }
        return lines.joined(separator: "\n")
    }
}

/// Seeded exploration: one seed draws every case (table, size, config, steps, strategy, policy); each runs as a
/// one-cell simulation judged by the oracle with the expectation design §8's rule derives from its steps; a
/// violation is shrunk (steps, then rows) and written as a scenario file that replays it.
public enum Exploration {
    public static func run(_ options: ExploreOptions) throws -> ExploreReport {
        var report = ExploreReport()
        for backend in options.backends {
            try Simulation.withEnvironment(backend, postgresURL: options.postgresURL) { environment in
                let started = Date()
                var run = 0
                while true {
                    if let limit = options.runs, run >= limit { break }
                    if let minutes = options.minutes, Date().timeIntervalSince(started) >= minutes * 60 { break }
                    run += 1
                    var random = SeededRandom(seed: options.seed, salt: UInt64(run))
                    let drawn = ExploreCase.draw(&random)
                    let name = "found-s\(options.seed)-r\(run)-\(backend.rawValue)"
                    guard let failures = try violations(drawn, name: name, options: options, environment: environment)
                    else { continue }
                    let shrunk = try shrink(drawn, name: name, options: options, environment: environment)
                    let finalFailures = try violations(shrunk, name: name, options: options, environment: environment) ?? failures
                    var file: String?
                    if let directory = options.foundDirectory {
                        file = try write(shrunk, name: name, seed: options.seed, run: run, backend: backend,
                                         failures: finalFailures, options: options, environment: environment,
                                         directory: directory)
                    }
                    report.findings.append(ExploreFinding(run: run, backend: backend, name: name, failures: finalFailures,
                                                          file: file, steps: shrunk.steps.count))
                }
                report.runs[backend] = run
                report.seconds[backend] = Date().timeIntervalSince(started)
            }
        }
        return report
    }

    /// The case as a scenario, parsed from the text a finding would be written as.
    static func scenario(_ drawn: ExploreCase, name: String) throws -> Scenario {
        var expectations: [PolicyKind: Expectation] = [:]
        for policy in PolicyKind.allCases {
            expectations[policy] = drawn.expectation(policy) ?? Expectation(recovered: false, fallbackRuns: 0)
        }
        let text = ScenarioWriter.yaml(drawn, name: name, description: "an exploration case", expectations: expectations)
        return try ScenarioParser.parse(text, file: name + ".yaml")
    }

    /// The cell's failures that are violations, or nil when it held every invariant the rule expects. Fewer
    /// fallbacks than the rule's count are not one: an edit may happen to leave a row as it was.
    static func violations(_ drawn: ExploreCase, name: String, options: ExploreOptions,
                           environment: any CellEnvironment) throws -> [String]? {
        let scenario = try scenario(drawn, name: name)
        let cell = try runCell(scenario, drawn: drawn, policy: drawn.policy, options: options, environment: environment)
        let expected = drawn.expectation(drawn.policy)?.fallbackRuns ?? 0
        let failures = cell.failures.filter {
            !($0.hasPrefix(Invariant.noSpuriousFallback.rawValue) && cell.observedFallbackRuns <= expected)
        }
        return failures.isEmpty ? nil : failures
    }

    static func runCell(_ scenario: Scenario, drawn: ExploreCase, policy: PolicyKind, options: ExploreOptions,
                        environment: any CellEnvironment) throws -> CellResult {
        // The data's seed is the simulator's default, so `simulate <name>` replays a written finding as it ran.
        let seed = Simulation.cellSeed(SimulationOptions().seed, scenario: scenario.name)
        let runner = CellRunner(scenario: scenario, strategy: drawn.strategy, policy: policy,
                                configs: scenario.configs(options.configs, batchSize: drawn.batchSize), seed: seed,
                                logger: SimulationOptions().logger, loader: options.loader.map(LoaderProcess.init))
        return runner.run(in: environment).result
    }

    /// Removes steps one at a time, then optional columns, then halves the rows, keeping each change that still
    /// violates.
    static func shrink(_ drawn: ExploreCase, name: String, options: ExploreOptions,
                       environment: any CellEnvironment) throws -> ExploreCase {
        try shrink(drawn) { try violations($0, name: name, options: options, environment: environment) != nil }
    }

    static func shrink(_ drawn: ExploreCase, stillFails: (ExploreCase) throws -> Bool) rethrows -> ExploreCase {
        var best = drawn
        var index = 0
        while index < best.steps.count {
            var candidate = best
            candidate.steps.remove(at: index)
            if case .runs = candidate.steps.last, try stillFails(candidate) {
                best = candidate
            } else {
                index += 1
            }
        }
        // Then the columns a case may leave out, one at a time.
        for column in best.columns ?? [] where best.shape.optionalColumns.contains(column) {
            var candidate = best
            candidate.columns?.removeAll { $0 == column }
            if try stillFails(candidate) { best = candidate }
        }
        while let rows = best.rows, rows > 1 {
            var candidate = best
            candidate.rows = rows / 2
            guard try stillFails(candidate) else { break }
            best = candidate
        }
        return best
    }

    /// Writes the finding as `<directory>/<name>.yaml`: its seed and the invariants it breaks in the description;
    /// the rule's expectation for the policy it broke (shrinking has removed steps that change nothing, so the
    /// rule's fallback count stands), and what the other policies did at discovery.
    static func write(_ drawn: ExploreCase, name: String, seed: UInt64, run: Int, backend: Backend, failures: [String],
                      options: ExploreOptions, environment: any CellEnvironment, directory: String) throws -> String {
        let scenario = try scenario(drawn, name: name)
        var expectations: [PolicyKind: Expectation] = [:]
        for policy in PolicyKind.allCases {
            let cell = try runCell(scenario, drawn: drawn, policy: policy, options: options, environment: environment)
            if policy == drawn.policy, let rule = drawn.expectation(policy) {
                expectations[policy] = rule
            } else {
                let idempotent = cell.checks.first { $0.invariant == .idempotent }?.held ?? true
                expectations[policy] = Expectation(recovered: cell.observedRecovered ?? false,
                                                   fallbackRuns: cell.observedFallbackRuns, idempotent: idempotent)
            }
        }
        let description = """
            Found by `simulate explore --seed \(seed)` (run \(run), \(backend.rawValue)) and shrunk; \
            \(drawn.strategy.rawValue) under \(drawn.policy.rawValue) breaks: \
            \(failures.joined(separator: "; ").replacingOccurrences(of: "\n", with: " ")). \
            The other policies' expectations are what they did when it was found.
            """
        let text = ScenarioWriter.yaml(drawn, name: name, description: description, expectations: expectations)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + name + ".yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
