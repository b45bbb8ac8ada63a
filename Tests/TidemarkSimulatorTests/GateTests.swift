import Foundation
import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkPostgres
import TidemarkSimulator
import TidemarkTestSupport

/// The regression gate: every scenario, every strategy and policy, on SQLite and PostgreSQL. A cell passes
/// when what happened is what the scenario expects — so this fails if a fix breaks, and also if the harness
/// stops seeing a documented bug.
@Suite struct GateTests {
    static let directory = ScenarioLibrary.defaultDirectory()
    static let scenarioNames: [String] = (try? ScenarioLibrary.all(in: directory).map(\.name)) ?? []

    /// SQLite and PostgreSQL, and the original pipeline's shape: MariaDB (MyISAM) into PostgreSQL. The gate in CI
    /// (`simulate all --backend all`) adds MariaDB (InnoDB) into SQLite.
    @Test(arguments: scenarioNames, [Backend.sqlite, .postgres, .mysql])
    func `the scenario behaves as expected in every cell`(scenario: String, backend: Backend) throws {
        let scenarios = try ScenarioLibrary.named([scenario], in: Self.directory)
        var options = SimulationOptions()
        options.backends = [backend]
        if backend == .postgres || backend == .mysql { options.postgresURL = try TestDatabases.postgresServer() }
        if backend == .mysql { options.mysqlURL = try TestDatabases.mysqlServer() }
        let report = try Simulation.run(
            scenarios, configs: try ScenarioLibrary.tableConfigs(scenarioDirectory: Self.directory), options: options)
        let ran = report.cells.filter { $0.status != .notRun }
        let buildable = scenarios[0].backends?.contains(backend) ?? true
        #expect(ran.count == (buildable ? StrategyKind.allCases.count * PolicyColumn.allCases.count : 0))
        for cell in report.cells where cell.status == .failed {
            Issue.record("\(cell.id): \(cell.failures.joined(separator: "; "))")
        }
    }

    @Test func `the gate has scenarios to run`() {
        #expect(Self.scenarioNames.contains("stale-medication"))
        #expect(Self.scenarioNames.count >= 17)
    }
}

/// `simulate` through the built binary.
@Suite struct SimulateCommandTests {
    func simulate(_ arguments: [String]) throws -> ProcessRunner.Result {
        try ProcessRunner.run(try builtProduct("simulate"), arguments)
    }

    @Test func `stale-medication shows the incident and writes every report`() throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try simulate(["stale-medication", "--json", directory + "/r.json", "--junit", directory + "/r.xml",
                                   "--html", directory + "/r.html", "--scenario-directory", ScenarioLibrary.defaultDirectory()])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("stale-medication"))
        #expect(result.stdout.contains("✔ 1085 rows, 1 fallback"))
        #expect(result.stdout.contains("✘ 0 rows (as expected)"))
        #expect(!result.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
        let junit = try String(contentsOfFile: directory + "/r.xml", encoding: .utf8)
        #expect(junit.components(separatedBy: "<testcase ").count - 1 == 20, "5 strategies × 4 policy columns")
        let json = try JSONDecoder().decode(SimulationReport.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/r.json")))
        #expect(json.cells.count == 20)
        #expect(try String(contentsOfFile: directory + "/r.html", encoding: .utf8).contains("stale-medication"))
    }

    @Test func `a throwaway cluster does not outlive a killed simulate`() throws {
        // TMPDIR puts the cluster where this test can find it; the server's user must be able to reach it.
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        chmod(directory, 0o755)
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = directory
        let simulate = try ProcessRunner.startDetached(
            try builtProduct("simulate"),
            ["stale-medication", "--backend", "postgres", "--scenario-directory", ScenarioLibrary.defaultDirectory()],
            environment: environment)
        let postmaster = try #require(waitFor(seconds: 60) { () -> pid_t? in
            let clusters = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return clusters.lazy.compactMap { cluster in
                (try? String(contentsOfFile: "\(directory)/\(cluster)/data/postmaster.pid", encoding: .utf8))
                    .flatMap { $0.split(separator: "\n").first }.flatMap { pid_t($0) }
            }.first
        }, "simulate started no cluster")

        kill(simulate, SIGKILL)
        var status: Int32 = 0
        waitpid(simulate, &status, 0)
        let gone = waitFor(seconds: 30) { () -> Bool? in
            let clusters = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasPrefix("tidemark-pg-") }
            return kill(postmaster, 0) != 0 && clusters.isEmpty ? true : nil
        }
        #expect(gone == true, "the server \(postmaster) or its directory is still there")
    }

    /// Polls `probe` every 100 ms until it gives a value or `seconds` pass.
    private func waitFor<T>(seconds: Double, _ probe: () -> T?) -> T? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let value = probe() { return value }
            usleep(100_000)
        }
        return nil
    }

    @Test func `list names every scenario`() throws {
        let result = try simulate(["list", "--scenario-directory", ScenarioLibrary.defaultDirectory()])
        #expect(result.status == 0)
        #expect(result.stdout.contains("stale-medication"))
        #expect(result.stdout.contains("[FM-1]"))
    }

    @Test(arguments: [["nosuch-scenario"], ["stale-medication", "--backend", "oracle"], ["stale-medication", "--strategy", "fast"], [String]()])
    func `bad usage exits 64`(arguments: [String]) throws {
        let result = try simulate(arguments + ["--scenario-directory", ScenarioLibrary.defaultDirectory()])
        #expect(result.status == 64, "\(result.stderr)")
    }

    @Test func `a bad backend names the flag and the allowed values`() throws {
        let result = try simulate(["stale-medication", "--backend", "oracle"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("'oracle' is invalid for '--backend"), "\(result.stderr)")
        #expect(result.stderr.contains("'sqlite', 'postgres', 'mysql', 'mysql-sqlite' or 'all'"), "\(result.stderr)")
    }

    @Test func `a malformed scenario file exits 64 with file and line`() throws {
        let directory = try TestDatabases.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "name: broken\ndescription: x\nfixtures: [medication]\nsteps:\n  - runs: lots\nexpect: {}\n"
            .write(toFile: directory + "/broken.yaml", atomically: true, encoding: .utf8)
        let result = try simulate(["broken", "--scenario-directory", directory])
        #expect(result.status == 64)
        #expect(result.stderr.contains("broken.yaml:5"), "\(result.stderr)")
    }
}
