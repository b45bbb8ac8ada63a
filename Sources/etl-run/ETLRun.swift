import ArgumentParser
import Foundation
import Logging
import TidemarkCommandLine
import TidemarkConfig
import TidemarkDrivers
import TidemarkLoader

@main
struct ETLRun: ParsableCommand {
    /// ArgumentParser's main, with any password in the command line kept out of its messages.
    static func main() { mainRedactingArguments() }

    static let configuration = CommandConfiguration(
        commandName: "etl-run",
        abstract: "Load tables incrementally from a source database into a target database.",
        discussion: """
            URLs: sqlite:PATH, sqlite::memory:, postgresql://user@host:port/db (or postgres://), or a libpq \
            key=value string; PG* environment variables fill in what a PostgreSQL URL leaves out. A source may \
            also be MySQL/MariaDB: mysql://user@host:port/db (or mariadb://), ?socket=/path for a unix socket.
            Exit status: 0 every table loaded; 1 a load or verification failed, or a table has rejected rows and \
            does not set on_reject: warn; 64 bad usage, config or URL; 130/143 stopped by SIGINT/SIGTERM.
            """,
        subcommands: [Load.self, Status.self],
        defaultSubcommand: Load.self)
}

/// `etl-run [load]`: the load itself.
struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load", abstract: "Load the tables (the default subcommand).")

    @Option(help: "The database to read from (opened read-only).") var source: String
    @Option(help: "The database to write to (tables and etl_load_status are created when missing).") var target: String
    @Option(help: "The tables.yml with per-table settings.") var config: String?
    @Option(name: .customLong("tables"), parsing: .singleValue,
            help: "A table to load; repeat or give a comma list; shell patterns (patient*) match the config's tables. Default: every table in the config.")
    var tableArguments: [String] = []
    @Option(name: .customLong("exclude"), parsing: .singleValue,
            help: "A table not to load; repeat, comma lists and shell patterns as for --tables.")
    var excludeArguments: [String] = []
    @Option(help: "Tables loaded at once, each on connections of its own (large ones first).") var jobs = 1
    @Option(help: "Seconds to wait for another run loading the same table into the same target.")
    var lockTimeout = 600.0
    @Flag(help: "Skip a table another run is loading instead of waiting (listed in the summary).")
    var skipLocked = false
    @Option(help: "How rows move; a fixed strategy overrides the table's `strategy:`.")
    var strategy: StrategyChoice = .auto
    @Option(help: "What happens when the target is stale (default: the table's `policy:`, else reconcile).")
    var policy: PolicyKind?
    @Option(help: "How much reconcile verifies: full (every row), rolling (counts, this run's writes and one slice of the key space per run), off (default: the table's `verify:`, else full).")
    var verify: VerifyMode?
    @Flag(help: "Read every source row (upsert; nothing is truncated).") var full = false
    @Option(help: "PostgreSQL schema of the source tables.") var sourceSchema = "public"
    @Option(help: "PostgreSQL schema of the target tables.") var targetSchema = "raw"
    @Flag(help: "Print one JSON object per table on stdout, then a summary object.") var json = false
    @Flag(help: "Print the plan (strategy, predicate, cursor) without writing anything.") var dryRun = false
    @Option(help: "Where to merge method usage (calls, durations per stage).") var methodUsage = "logs/method_usage.json"
    @Option(help: "reconcile: sub-ranges a differing key range is split into.") var bisectionFactor = 16
    @Option(help: "reconcile: ranges of at most this many rows are compared row by row.") var leafSize = 256
    // `--swap-fraction` is the flag's earlier name, kept so existing scripts run.
    @Option(name: [.customLong("reload-fraction"), .customLong("swap-fraction")],
            help: "reconcile: above this fraction of differing rows, reload the whole table in place.")
    var reloadFraction = 0.5

    var tables: [String] { TableSelection.names(tableArguments) }

    func validate() throws {
        for (flag, url) in [("--source", source), ("--target", target)] {
            do { _ = try DatabaseURL(url) } catch { throw ValidationError("\(flag): \(error)") }
        }
        if case .mysql? = try? DatabaseURL(target) {
            throw ValidationError("--target: MySQL/MariaDB is a source only; load into SQLite or PostgreSQL")
        }
        if config == nil, tables.isEmpty { throw ValidationError("name the tables with --tables, or give --config") }
        if config == nil, tables.contains(where: TableSelection.isPattern) {
            throw ValidationError("--tables: patterns match the tables of a config; give --config")
        }
        try checkBounds("--bisection-factor", bisectionFactor, Bounds.bisectionFactor)
        try checkBounds("--leaf-size", leafSize, Bounds.leafSize)
        try checkBounds("--reload-fraction", reloadFraction, Bounds.fraction)
        try checkBounds("--jobs", jobs, 1...64)
        try checkBounds("--lock-timeout", lockTimeout, 0...86_400)
        if jobs > 1, [source, target].contains(where: { (try? DatabaseURL($0)) == .sqlite(path: DatabaseURL.sqliteMemoryPath) }) {
            throw ValidationError("--jobs: a private in-memory database cannot be opened twice; use --jobs 1")
        }
    }

    func run() throws {
        CrashPoints.refuseMistypedArming()
        let progress = ProgressDisplay(enabled: isatty(STDERR_FILENO) == 1 && !json && !dryRun)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return ProgressAwareLogHandler(base: handler, display: progress)
        }
        let logger = Logger(label: "tidemark")
        let configs = try tableConfigs(logger: logger)
        let stops = StopSignals.install(progress: progress)

        var options = LoadOptions()
        options.strategy = strategy
        options.policy = policy
        options.verify = verify
        options.forceFull = full
        options.sourceSchema = sourceSchema
        options.targetSchema = targetSchema
        options.lockWaitSeconds = lockTimeout
        options.skipLocked = skipLocked
        options.reconcile.bisectionFactor = bisectionFactor
        options.reconcile.leafSize = leafSize
        options.reconcile.reloadFraction = reloadFraction
        options.rowsCommitted = { progress.rowsCommitted($0) }

        let sourceURL = try DatabaseURL(source)
        let targetURL = try DatabaseURL(target)
        // The source is only read: opening it never creates or writes it.
        let sourceFactory = Self.factory(sourceURL, .readOnly)
        let targetFactory = Self.factory(targetURL, .readWrite)
        let usage = MethodUsage(runID: options.runID)

        if dryRun {
            let sourceConnection = try open(sourceURL, .readOnly, logger)
            defer { sourceConnection.close() }
            let targetConnection = try open(targetURL, .readWrite, logger)
            defer { targetConnection.close() }
            let loader = TableLoader(
                source: sourceConnection, target: targetConnection, sourceFactory: sourceFactory,
                targetFactory: targetFactory, options: options, logger: logger, usage: usage)
            var failed = false
            let names = loader.checkNames(configs)
            for config in configs {
                do {
                    if let refusal = names.errors[config.name] { throw refusal }
                    if let keyless = try loader.keylessPlan(config) {
                        print(try PlanReport(keyless).render(json: json))
                        continue
                    }
                    let plan = try loader.plan(config)
                    print(try PlanReport(plan, reads: loader.describeReads(plan)).render(json: json))
                } catch {
                    failed = true
                    logger.error("\(config.name): \(error)")
                }
            }
            if failed { throw ExitCode.failure }
            return
        }

        let started = Date()
        progress.start(total: configs.count)
        let printsJSON = json
        let results: [LoadResult]
        if let sourceFactory, let targetFactory {
            let run = TableRun(source: sourceFactory, target: targetFactory, options: options, logger: logger,
                               usage: usage, jobs: jobs)
            results = run.run(configs, started: { progress.tableStarted($0) }) { result in
                progress.tableFinished(result)
                if printsJSON, let line = try? JSONLine.encode(result) { print(line) }
            }
        } else {
            // A private in-memory database lives only in the one connection opened here.
            let sourceConnection = try open(sourceURL, .readOnly, logger)
            defer { sourceConnection.close() }
            let targetConnection = try open(targetURL, .readWrite, logger)
            defer { targetConnection.close() }
            let loader = TableLoader(source: sourceConnection, target: targetConnection, options: options,
                                     logger: logger, usage: usage)
            let names = loader.checkNames(configs)
            results = TableRun.ordered(configs).map { config in
                progress.tableStarted(config.name)
                let result = loader.load(config, names: names)
                progress.tableFinished(result)
                if printsJSON, let line = try? JSONLine.encode(result) { print(line) }
                return result
            }
        }
        let summary = RunSummary(results, wallSeconds: Date().timeIntervalSince(started))
        progress.finish()
        FileHandle.standardError.write(Data((summary.text + "\n").utf8))
        if json { print(try JSONLine.encode(summary.json)) }
        do {
            try usage.save(to: methodUsage)
        } catch {
            logger.warning("could not write \(methodUsage): \(error)")
        }
        if let signal = stops.received { throw ExitCode(128 + signal) }
        if summary.failed > 0 { throw ExitCode.failure }
    }

    private func open(_ url: DatabaseURL, _ mode: AccessMode, _ logger: Logger) throws -> any Connection {
        do {
            return try openConnection(url, mode: mode)
        } catch {
            logger.error("\(error)")
            throw ExitCode.failure
        }
    }

    /// More connections to the same database, for jobs and parallel workers; none for a private in-memory
    /// database.
    static func factory(_ url: DatabaseURL, _ mode: AccessMode) -> ConnectionFactory? {
        if url == .sqlite(path: DatabaseURL.sqliteMemoryPath) { return nil }
        return { try openConnection(url, mode: mode) }
    }

    /// The configs of the tables to load: from tables.yml (selected by --tables and --exclude), or defaults per
    /// --tables name.
    private func tableConfigs(logger: Logger) throws -> [TableConfig] {
        let excluded = TableSelection.names(excludeArguments)
        guard let config else {
            return tables.filter { !TableSelection.matches($0, any: excluded) }.map(TableConfig.init(name:))
        }
        let file: TablesFile
        do {
            file = try TablesFile.load(path: config)
        } catch {
            throw ValidationError("\(error)")
        }
        for warning in file.warnings { logger.warning("\(warning)") }
        var selected = file.tables
        if !tables.isEmpty {
            for name in tables where !file.tables.contains(where: { TableSelection.matches($0.name, name) }) {
                throw ValidationError("--tables: '\(name)' matches no table of \(config)")
            }
            selected = selected.filter { TableSelection.matches($0.name, any: tables) }
        }
        selected = selected.filter { !TableSelection.matches($0.name, any: excluded) }
        guard !selected.isEmpty else { throw ValidationError("--exclude leaves no table to load") }
        return selected
    }
}

/// Table names and shell patterns from repeated, comma-separated options.
enum TableSelection {
    static func names(_ arguments: [String]) -> [String] {
        arguments.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
    }

    static func isPattern(_ text: String) -> Bool { text.contains { "*?[".contains($0) } }

    static func matches(_ name: String, _ pattern: String) -> Bool {
        fnmatch(pattern, name, 0) == 0
    }

    static func matches(_ name: String, any patterns: [String]) -> Bool {
        patterns.contains { matches(name, $0) }
    }
}

/// SIGINT and SIGTERM stop the run: the statements in flight are interrupted, the open transaction rolls back,
/// the table is marked failed with the reason, locks are released, and the exit status is 128 + the signal. A
/// second signal exits at once.
final class StopSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Int32?
    private var sources: [any DispatchSourceSignal] = []

    var received: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return first
    }

    static func install(progress: ProgressDisplay) -> StopSignals {
        let stops = StopSignals()
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { stops.receive(signalNumber, progress: progress) }
            source.resume()
            stops.sources.append(source)
        }
        return stops
    }

    private func receive(_ signalNumber: Int32, progress: ProgressDisplay) {
        lock.lock()
        let again = first != nil
        if !again { first = signalNumber }
        lock.unlock()
        if again { _exit(128 + signalNumber) }
        progress.write("etl-run: stopping: interrupting the statements in flight (again to stop at once)\n")
        LoadCancellation.request(reason: signalNumber == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)")
    }
}

/// `etl-run status`: what the target's tracking tables say, without loading anything.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what etl_load_status and etl_rejected_rows say per table (exit 1 when a last run failed).")

    @Option(help: "The database loaded into.") var target: String
    @Option(help: "PostgreSQL schema of the target tables.") var targetSchema = "raw"
    @Option(name: .customLong("tables"), parsing: .singleValue, help: "Only these tables (comma lists, patterns).")
    var tableArguments: [String] = []
    @Flag(help: "One JSON object per table on stdout.") var json = false

    func validate() throws {
        do { _ = try DatabaseURL(target) } catch { throw ValidationError("--target: \(error)") }
    }

    func run() throws {
        let db: any Connection
        do {
            db = try openConnection(try DatabaseURL(target), mode: .readOnly)
        } catch {
            FileHandle.standardError.write(Data("etl-run status: \(error)\n".utf8))
            throw ExitCode.failure
        }
        defer { db.close() }
        let wanted = TableSelection.names(tableArguments)
        let statuses = try TableStatus.read(from: db, schema: targetSchema).filter {
            wanted.isEmpty || TableSelection.matches($0.table, any: wanted)
        }
        if json {
            for status in statuses { print(try JSONLine.encode(status)) }
        } else {
            print(TableStatus.render(statuses))
        }
        if statuses.contains(where: { $0.load_status == LoadStatus.failed.rawValue }) { throw ExitCode.failure }
    }
}

/// The dry-run view of a plan.
struct PlanReport: Encodable {
    let table: String
    let strategy: String
    let policy: String
    let mode: String
    let full_load: Bool
    let full_load_reason: String?
    let cursor: String
    let predicate: [String]
    let schema_changes: [String]
    let warnings: [String]
    let column_types: [String]

    init(_ plan: TablePlan, reads: [String]) {
        table = plan.table
        strategy = plan.strategy.rawValue
        policy = plan.policy.rawValue
        mode = plan.mode.rawValue
        full_load = plan.isFullLoad
        full_load_reason = plan.fullLoadReason
        cursor = plan.storedCursor.description
        predicate = reads
        schema_changes = plan.schemaChanges.map(\.description)
        warnings = plan.warnings
        column_types = plan.columnTypeOverrides
    }

    init(_ plan: KeylessPlan) {
        table = plan.table
        strategy = plan.strategy.rawValue
        policy = plan.policy.rawValue
        mode = KeylessPlan.mode
        full_load = plan.forceFull
        full_load_reason = plan.forceFull ? "--full" : nil
        cursor = KeylessPlan.cursorDescription
        predicate = plan.describeReads()
        schema_changes = plan.schemaChanges.map(\.description)
        warnings = [plan.summary] + plan.warnings
        column_types = plan.columnTypeOverrides
    }

    func render(json: Bool) throws -> String {
        if json { return try JSONLine.encode(self) }
        var lines = ["\(table): \(strategy) loading, policy \(policy), cursor mode \(mode)",
                     "  cursor: \(cursor)" + (full_load ? " (full load: \(full_load_reason ?? ""))" : "")]
        lines += predicate.map { "  read: \($0)" }
        lines += column_types.map { "  column type: \($0)" }
        lines += schema_changes.map { "  would \($0)" }
        lines += warnings.map { "  warning: \($0)" }
        return lines.joined(separator: "\n")
    }
}

enum JSONLine {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
