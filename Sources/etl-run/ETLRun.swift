import ArgumentParser
import Foundation
import Logging
import TidemarkCommandLine
import TidemarkConfig
import TidemarkDrivers
import TidemarkLoader

@main
struct ETLRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "etl-run",
        abstract: "Load tables incrementally from a source database into a target database.",
        discussion: """
            URLs: sqlite:PATH, sqlite::memory:, postgresql://user@host:port/db (or postgres://), or a libpq \
            key=value string; PG* environment variables fill in what a PostgreSQL URL leaves out.
            Exit status: 0 every table loaded; 1 a load failed; 64 bad usage, config or URL.
            """)

    @Option(help: "The database to read from.") var source: String
    @Option(help: "The database to write to (tables and etl_load_status are created when missing).") var target: String
    @Option(help: "The tables.yml with per-table settings.") var config: String?
    @Option(name: .customLong("tables"), parsing: .singleValue,
            help: "A table to load; repeat or give a comma list. Default: every table in the config.")
    var tableArguments: [String] = []
    @Option(help: "How rows move; a fixed strategy overrides the table's `strategy:`.")
    var strategy: StrategyChoice = .auto
    @Option(help: "What happens when the target is stale (default: the table's `policy:`, else reconcile).")
    var policy: PolicyKind?
    @Flag(help: "Read every source row (upsert; nothing is truncated).") var full = false
    @Option(help: "PostgreSQL schema of the source tables.") var sourceSchema = "public"
    @Option(help: "PostgreSQL schema of the target tables.") var targetSchema = "raw"
    @Flag(help: "Print one JSON object per table on stdout.") var json = false
    @Flag(help: "Print the plan (strategy, predicate, cursor) without writing anything.") var dryRun = false
    @Option(help: "Where to merge method usage (calls, durations per stage).") var methodUsage = "logs/method_usage.json"
    @Option(help: "reconcile: sub-ranges a differing key range is split into.") var bisectionFactor = 16
    @Option(help: "reconcile: ranges of at most this many rows are compared row by row.") var leafSize = 256
    // `--swap-fraction` is the flag's earlier name, kept so existing scripts run.
    @Option(name: [.customLong("reload-fraction"), .customLong("swap-fraction")],
            help: "reconcile: above this fraction of differing rows, reload the whole table in place.")
    var reloadFraction = 0.5

    var tables: [String] {
        tableArguments.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
    }

    func validate() throws {
        for (flag, url) in [("--source", source), ("--target", target)] {
            do { _ = try DatabaseURL(url) } catch { throw ValidationError("\(flag): \(error)") }
        }
        if config == nil, tables.isEmpty { throw ValidationError("name the tables with --tables, or give --config") }
        try checkBounds("--bisection-factor", bisectionFactor, Bounds.bisectionFactor)
        try checkBounds("--leaf-size", leafSize, Bounds.leafSize)
        try checkBounds("--reload-fraction", reloadFraction, Bounds.fraction)
    }

    func run() throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "tidemark")
        let configs = try tableConfigs(logger: logger)

        var options = LoadOptions()
        options.strategy = strategy
        options.policy = policy
        options.forceFull = full
        options.sourceSchema = sourceSchema
        options.targetSchema = targetSchema
        options.reconcile.bisectionFactor = bisectionFactor
        options.reconcile.leafSize = leafSize
        options.reconcile.reloadFraction = reloadFraction

        func open(_ url: DatabaseURL, _ mode: AccessMode) throws -> any Connection {
            do {
                return try openConnection(url, mode: mode)
            } catch {
                logger.error("\(error)")
                throw ExitCode.failure
            }
        }
        let sourceURL = try DatabaseURL(source)
        let targetURL = try DatabaseURL(target)
        // Closed however run() ends, whoever still holds them (the loader does).
        // The source is only read: opening it never creates or writes it.
        let sourceConnection = try open(sourceURL, .readOnly)
        defer { sourceConnection.close() }
        let targetConnection = try open(targetURL, .readWrite)
        defer { targetConnection.close() }
        let loader = TableLoader(
            source: sourceConnection, target: targetConnection, sourceFactory: Self.factory(sourceURL, .readOnly),
            targetFactory: Self.factory(targetURL, .readWrite), options: options, logger: logger)

        if dryRun {
            var failed = false
            for config in configs {
                do {
                    print(try PlanReport(loader.plan(config)).render(json: json))
                } catch {
                    failed = true
                    logger.error("\(config.name): \(error)")
                }
            }
            if failed { throw ExitCode.failure }
            return
        }

        var failed = false
        for config in configs {
            let result = loader.load(config)
            if !result.succeeded { failed = true }
            if json { print(try JSONLine.encode(result)) }
        }
        do {
            try loader.usage.save(to: methodUsage)
        } catch {
            logger.warning("could not write \(methodUsage): \(error)")
        }
        if failed { throw ExitCode.failure }
    }

    /// More connections to the same database, for parallel workers; none for a private in-memory database.
    static func factory(_ url: DatabaseURL, _ mode: AccessMode) -> ConnectionFactory? {
        if url == .sqlite(path: DatabaseURL.sqliteMemoryPath) { return nil }
        return { try openConnection(url, mode: mode) }
    }

    /// The configs of the tables to load: from tables.yml (filtered by --tables), or defaults per --tables name.
    private func tableConfigs(logger: Logger) throws -> [TableConfig] {
        guard let config else { return tables.map(TableConfig.init(name:)) }
        let file: TablesFile
        do {
            file = try TablesFile.load(path: config)
        } catch {
            throw ValidationError("\(error)")
        }
        for warning in file.warnings { logger.warning("\(warning)") }
        if tables.isEmpty { return file.tables }
        return try tables.map { name in
            guard let table = file[name] else { throw ValidationError("--tables: '\(name)' is not in \(config)") }
            return table
        }
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

    init(_ plan: TablePlan) {
        table = plan.table
        strategy = plan.strategy.rawValue
        policy = plan.policy.rawValue
        mode = plan.mode.rawValue
        full_load = plan.isFullLoad
        full_load_reason = plan.fullLoadReason
        cursor = plan.storedCursor.description
        predicate = plan.describeReads()
        schema_changes = plan.schemaChanges.map(\.description)
        warnings = plan.warnings
    }

    func render(json: Bool) throws -> String {
        if json { return try JSONLine.encode(self) }
        var lines = ["\(table): \(strategy) loading, policy \(policy), cursor mode \(mode)",
                     "  cursor: \(cursor)" + (full_load ? " (full load: \(full_load_reason ?? ""))" : "")]
        lines += predicate.map { "  read: \($0)" }
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
