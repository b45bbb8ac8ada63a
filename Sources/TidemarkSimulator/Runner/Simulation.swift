import Foundation
import Logging
import TidemarkConfig
import TidemarkDrivers
import TidemarkFixtures
import TidemarkMySQL
import TidemarkPostgres

/// What to run: which backends, strategies and policies, from which seed.
public struct SimulationOptions: Sendable {
    public var backends: [Backend] = [.sqlite]
    public var strategies: [StrategyKind] = StrategyKind.allCases
    /// The matrix's columns: every policy, and `reconcile/rolling`.
    public var policies: [PolicyColumn] = PolicyColumn.allCases
    public var seed: UInt64 = 1
    /// An existing PostgreSQL server; without one, a throwaway cluster is started and removed.
    public var postgresURL: DatabaseURL?
    /// An existing MariaDB/MySQL server for the MySQL backends; without one, a throwaway server is started.
    public var mysqlURL: DatabaseURL?
    /// Every table's batch size unless its scenario sets one: small, so every load checkpoints several times.
    public var batchSize = 250
    /// An `etl-run` binary to judge through its command line instead of the loader in this process.
    public var loader: String?
    public var logger = Logger(label: "tidemark-simulate", factory: { _ in SwiftLogNoOpLogHandler() })

    public init() {}
}

/// Runs the matrix of scenarios × strategies × backends × policies.
public enum Simulation {
    public static func run(_ scenarios: [Scenario], configs: [String: TableConfig], options: SimulationOptions,
                           progress: (@Sendable (Int, Int, String) -> Void)? = nil) throws -> SimulationReport {
        let started = Date()
        var cells: [CellResult] = []
        for backend in options.backends {
            try withEnvironment(backend, postgresURL: options.postgresURL, mysqlURL: options.mysqlURL) { environment in
                cells += runCells(scenarios, configs: configs, options: options, environment: environment, progress: progress)
            }
        }
        return SimulationReport(
            seed: options.seed, startedAt: ISO8601DateFormatter().string(from: started),
            durationSeconds: Date().timeIntervalSince(started), scenarios: scenarios.map(\.summary), cells: cells)
    }

    /// Runs `body` with fresh cells on `backend`: SQLite files, schemas on `postgresURL`, databases on `mysqlURL`
    /// — a throwaway PostgreSQL cluster or MariaDB server started and removed around `body` where a URL is nil.
    static func withEnvironment(_ backend: Backend, postgresURL: DatabaseURL?, mysqlURL: DatabaseURL? = nil,
                                _ body: (any CellEnvironment) throws -> Void) throws {
        let servers = Servers(postgresURL: postgresURL, mysqlURL: mysqlURL)
        defer { servers.stop() }
        switch backend {
        case .sqlite:
            try body(SQLiteEnvironment())
        case .postgres:
            try body(try servers.postgres())
        case .mysql, .mysqlToSQLite:
            let targets: any CellEnvironment = backend == .mysql ? try servers.postgres() : SQLiteEnvironment()
            let (server, run) = try servers.mysql()
            try body(MySQLEnvironment(backend: backend, server: server, run: run,
                                      storageEngine: backend == .mysql ? "MyISAM" : "InnoDB", targets: targets))
        }
    }

    /// The servers one backend's cells run on: the ones named, or throwaway ones started on first use.
    private final class Servers {
        let postgresURL: DatabaseURL?
        let mysqlURL: DatabaseURL?
        private var cluster: ThrowawayPostgres?
        private var mariaDB: ThrowawayMariaDB?
        private var ownership: SchemaOwnership?
        private var mysqlOwnership: MySQLDatabaseOwnership?

        init(postgresURL: DatabaseURL?, mysqlURL: DatabaseURL?) {
            self.postgresURL = postgresURL
            self.mysqlURL = mysqlURL
        }

        func postgres() throws -> PostgresEnvironment {
            let server: DatabaseURL
            if let postgresURL {
                server = postgresURL
            } else {
                cluster = try ThrowawayPostgres()
                server = .postgres(parameters: cluster!.parameters)
            }
            ownership = try SchemaOwnership(server: server)
            return PostgresEnvironment(server: server, run: ownership!.run)
        }

        func mysql() throws -> (DatabaseURL, String) {
            let server: DatabaseURL
            if let mysqlURL {
                server = mysqlURL
            } else {
                mariaDB = try ThrowawayMariaDB()
                server = .mysql(parameters: mariaDB!.parameters)
            }
            mysqlOwnership = try MySQLDatabaseOwnership(server: server)
            return (server, mysqlOwnership!.run)
        }

        func stop() {
            ownership?.close()
            mysqlOwnership?.close()
            cluster?.stop()
            mariaDB?.stop()
        }
    }

    /// The seed of a scenario's cells: the same for every strategy and policy, so their end states compare.
    static func cellSeed(_ seed: UInt64, scenario: String) -> UInt64 {
        var hasher = FNV1a()
        hasher.add(scenario)
        var random = SeededRandom(seed: seed ^ hasher.value)
        return random.next()
    }

    private static func runCells(_ scenarios: [Scenario], configs: [String: TableConfig], options: SimulationOptions,
                                 environment: any CellEnvironment,
                                 progress: (@Sendable (Int, Int, String) -> Void)?) -> [CellResult] {
        struct Planned: Sendable {
            let scenario: Scenario
            let strategy: StrategyKind
            let column: PolicyColumn
        }
        var planned: [Planned] = []
        for scenario in scenarios {
            for strategy in options.strategies {
                for column in options.policies { planned.append(Planned(scenario: scenario, strategy: strategy, column: column)) }
            }
        }
        let cells = planned
        let outcomes = Slots<CellRunner.Outcome>(count: cells.count)
        let total = cells.count
        DispatchQueue.concurrentPerform(iterations: cells.count) { index in
            let cell = cells[index]
            let seed = cellSeed(options.seed, scenario: cell.scenario.name)
            let configs = cell.scenario.configs(configs, batchSize: options.batchSize, column: cell.column)
            let notRunReason: String? = cell.scenario.backends.map { $0.contains(environment.backend) } == false
                ? "the scenario cannot be built on \(environment.backend.rawValue)" : nil
            if let notRunReason {
                outcomes.set(index, CellRunner.Outcome(result: CellResult(
                    scenario: cell.scenario.name, strategy: cell.strategy, backend: environment.backend,
                    policy: cell.column.policy, verify: cell.column.verify, status: .notRun,
                    notRunReason: notRunReason,
                    expected: cell.scenario.expectation(for: cell.column, configs: configs), observedRecovered: nil, observedFallbackRuns: 0,
                    observedRowsLoaded: nil, runs: [], checks: [], failures: [], durationSeconds: 0, seed: seed),
                    fingerprint: nil))
                return
            }
            let runner = CellRunner(
                scenario: cell.scenario, strategy: cell.strategy, policy: cell.column.policy,
                configs: configs, seed: seed,
                logger: options.logger, loader: options.loader.map(LoaderProcess.init), verify: cell.column.verify)
            let outcome = runner.run(in: environment)
            let finished = outcomes.set(index, outcome)
            progress?(finished, total, outcome.result.id)
        }
        return strategiesAgree(outcomes.all())
    }

    /// Adds the strategies-agree check: within one (scenario, backend, policy), every strategy's end state must
    /// equal the most common one.
    private static func strategiesAgree(_ outcomes: [CellRunner.Outcome]) -> [CellResult] {
        var groups: [String: [String]] = [:]
        for outcome in outcomes {
            guard let fingerprint = outcome.fingerprint else { continue }
            let r = outcome.result
            groups["\(r.scenario)/\(r.backend)/\(r.column.rawValue)", default: []].append(fingerprint)
        }
        return outcomes.map { outcome in
            var result = outcome.result
            guard result.status != .notRun else { return result }
            let group = groups["\(result.scenario)/\(result.backend)/\(result.column.rawValue)"] ?? []
            let counts = Dictionary(group.map { ($0, 1) }, uniquingKeysWith: +)
            let majority = counts.max { a, b in a.value < b.value || (a.value == b.value && a.key > b.key) }?.key
            let held = outcome.fingerprint != nil && outcome.fingerprint == majority
            let check = InvariantCheck(
                invariant: .strategiesAgree, held: held, expectedToHold: true,
                detail: held ? "the same end state as the other \(group.count - 1) strategies"
                    : "this strategy's target differs from the other strategies' (\(counts.count) distinct end states)")
            result.checks.append(check)
            if !held {
                result.failures.append("strategies-agree: \(check.detail)")
                result.status = .failed
            }
            return result
        }
    }
}

/// Finds scenario files and the fixtures' table config.
public enum ScenarioLibrary {
    /// `scenarios/` in the current directory, or the package's own.
    public static func defaultDirectory() -> String {
        let local = FileManager.default.currentDirectoryPath + "/scenarios"
        if FileManager.default.fileExists(atPath: local) { return local }
        return packageRoot + "/scenarios"
    }

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Every `*.yaml` in the directory, sorted by name.
    public static func all(in directory: String) throws -> [Scenario] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".yaml") }.sorted()
        return try names.map { try ScenarioParser.load(path: directory + "/" + $0) }
    }

    public static func named(_ names: [String], in directory: String) throws -> [Scenario] {
        try names.map { name in
            // A finding of `simulate explore` replays by its name too.
            let found = directory + "/found/" + name + ".yaml"
            let path = FileManager.default.fileExists(atPath: found) ? found : directory + "/" + name + ".yaml"
            guard FileManager.default.fileExists(atPath: path) else {
                throw ScenarioError(file: name, line: nil, reason: "no such scenario (see `simulate list`)")
            }
            return try ScenarioParser.load(path: path)
        }
    }

    /// The fixtures' table config (Fixtures/tables.yml beside scenarios/).
    public static func tableConfigs(scenarioDirectory: String) throws -> [String: TableConfig] {
        let path = (scenarioDirectory as NSString).deletingLastPathComponent + "/Fixtures/tables.yml"
        let file = try TablesFile.load(path: FileManager.default.fileExists(atPath: path) ? path : packageRoot + "/Fixtures/tables.yml")
        return Dictionary(file.tables.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }
}

extension Scenario {
    /// The config of each fixture table: `base` (Fixtures/tables.yml) with the simulator's batch size, under this
    /// scenario's overrides, which win over both.
    /// In the `reconcile/rolling` column every table verifies `rolling`, in a cycle of
    /// ``PolicyColumn/rollingCycle`` runs unless the scenario sets `verify_cycle`.
    public func configs(_ base: [String: TableConfig], batchSize: Int, column: PolicyColumn? = nil) -> [String: TableConfig] {
        var result: [String: TableConfig] = [:]
        for table in fixtures.map(\.name) {
            var config = base[table] ?? TableConfig(name: table)
            config.batchSize = batchSize
            config = tableOverrides[table].map(config.merging) ?? config
            if column?.verify == .rolling {
                config.verify = .rolling
                config.verifyCycle = config.verifyCycle ?? PolicyColumn.rollingCycle
            }
            result[table] = config
        }
        return result
    }
}
