import Foundation
import Logging
import TidemarkConfig
import TidemarkDatabase
import TidemarkDrivers
import TidemarkFixtures
import TidemarkLoader
import TidemarkPostgres

/// One case, run in a child process of its own so the kernel's peak RSS for it is the case's alone. The parent
/// passes it as JSON in an environment variable (not argv: a URL may carry a password) and reads the answer
/// as JSON on stdout.
public struct BenchmarkCase: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// `TableLoader.load` of the bench table, as `etl-run` does it.
        case load
        /// PostgreSQL `COPY FROM STDIN` of rows rendered before the clock starts: no loader logic.
        case rawCopy
        /// SQLite prepared inserts in one transaction of rows generated before the clock starts.
        case sqliteInserts
        /// The bench table streamed out of MariaDB in key order into values: the driver's work, no loader logic.
        case rawMySQLRead
        /// `TableRun` over the many-tables source, `jobs` tables at a time, as `etl-run --jobs N` runs a config.
        case manyTables
        /// `SELECT count(*)` of each small table of the many-tables source on both sides: the floor of a check.
        case countTables
    }

    public var kind: Kind
    public var source: Endpoint?
    public var target: Endpoint
    public var rows: Int
    public var seed: UInt64
    public var batchSize: Int
    public var strategy: StrategyKind?
    public var policy: PolicyKind?
    /// What a `reconcile` load verifies (`--verify`; the config's default, `full`, when nil).
    public var verify: VerifyMode?
    /// `manyTables` and `countTables`: the source's tables.
    public var manyTables: ManyTables?
    /// `manyTables`: tables loaded at once.
    public var jobs: Int?

    static let environmentKey = "TIDEMARK_BENCH_CASE"

    /// The case the parent put in this process's environment, if any.
    public static func fromEnvironment() throws -> BenchmarkCase? {
        guard let text = ProcessInfo.processInfo.environment[environmentKey] else { return nil }
        return try JSONDecoder().decode(BenchmarkCase.self, from: Data(text.utf8))
    }
}

/// A database and the schema the bench table lives in (nil on SQLite).
public struct Endpoint: Codable, Sendable {
    /// `sqlite` with a path, or libpq keywords and values.
    public var sqlitePath: String?
    public var postgres: [[String]]?
    public var mysql: [[String]]?
    public var schema: String?

    init(_ url: DatabaseURL, schema: String?) {
        switch url {
        case .sqlite(let path): sqlitePath = path
        case .postgres(let parameters): postgres = parameters.map { [$0.keyword, $0.value] }
        case .mysql(let parameters): mysql = parameters.map { [$0.keyword, $0.value] }
        }
        self.schema = schema
    }

    var url: DatabaseURL {
        if let sqlitePath { return .sqlite(path: sqlitePath) }
        if let mysql { return .mysql(parameters: mysql.map { ConnectionParameter($0[0], $0[1]) }) }
        return .postgres(parameters: (postgres ?? []).map { ConnectionParameter($0[0], $0[1]) })
    }

    var table: TableName { TableName(BenchmarkTable.name, schema: schema) }
}

/// What a case reports back.
public struct CaseOutcome: Codable, Sendable {
    public var seconds: Double
    public var rowsWritten: Int
    public var rowsRepaired = 0
    public var rowsDeleted = 0
    public var strategy: String?
    public var fallback: String?
    public var verified = false
    public var error: String?
    /// `manyTables`: the mean time the loader spent on one small table; `countTables`: the mean time to count one
    /// on both sides.
    public var secondsPerSmallTable: Double?
}

/// The generated table every case moves.
public enum BenchmarkTable {
    static let name = "procedurelog"

    /// procedurelog's 12 columns, or the same rows widened to 30 columns (the width case).
    public enum Shape: String, Codable, Sendable {
        case narrow, wide
    }

    static func fixture(rows: Int, seed: UInt64, shape: Shape = .narrow) -> FixtureTable {
        let table = shape == .wide ? Fixtures.wideProcedurelog(rows: rows, seed: seed)
            : Fixtures.procedurelog(rows: rows, seed: seed)
        return table.withName(TableName(name))
    }

    /// The table's config, as a tables.yml would give it: edited in place, keyed by ProcNum.
    static func config(rows: Int, batchSize: Int, name: String = name) -> TableConfig {
        var config = TableConfig(name: name)
        config.primaryKey = ["ProcNum"]
        config.incrementalColumns = ["ProcNum", "DateTStamp"]
        config.primaryIncrementalColumn = "ProcNum"
        config.syncProfile = .inPlaceUpdates
        config.batchSize = batchSize
        config.estimatedRows = rows
        return config
    }
}

extension BenchmarkCase {
    /// Runs the case in this process and returns what it measured.
    public func run() -> CaseOutcome {
        do {
            switch kind {
            case .load: return try load()
            case .rawCopy: return try rawCopy()
            case .sqliteInserts: return try sqliteInserts()
            case .rawMySQLRead: return try rawMySQLRead()
            case .manyTables: return try loadManyTables()
            case .countTables: return try countTables()
            }
        } catch {
            return CaseOutcome(seconds: 0, rowsWritten: 0, error: "\(error)")
        }
    }

    /// The options `etl-run` would build from this case's flags.
    private func loadOptions(source: Endpoint) -> LoadOptions {
        var options = LoadOptions()
        options.strategy = strategy.map(StrategyChoice.fixed)
        options.policy = policy
        options.batchSize = batchSize
        options.verify = verify
        options.sourceSchema = source.schema ?? "public"
        options.targetSchema = target.schema ?? "raw"
        return options
    }

    private static let quiet = Logger(label: "tidemark-bench", factory: { _ in SwiftLogNoOpLogHandler() })

    private func load() throws -> CaseOutcome {
        guard let source else { throw BenchmarkError("a load case needs a source") }
        let sourceURL = source.url, targetURL = target.url
        let sourceConnection = try openConnection(sourceURL, mode: .readOnly)
        defer { sourceConnection.close() }
        let targetConnection = try openConnection(targetURL)
        defer { targetConnection.close() }
        let loader = TableLoader(
            source: sourceConnection, target: targetConnection,
            sourceFactory: { try openConnection(sourceURL, mode: .readOnly) }, targetFactory: { try openConnection(targetURL) },
            options: loadOptions(source: source), logger: Self.quiet)
        let result = loader.load(BenchmarkTable.config(rows: rows, batchSize: batchSize))
        return CaseOutcome(
            seconds: result.duration_s, rowsWritten: result.rows_loaded, rowsRepaired: result.rows_repaired,
            rowsDeleted: result.rows_deleted, strategy: result.strategy, fallback: result.fallback.rawValue,
            verified: result.verified, error: result.error)
    }

    private func rawMySQLRead() throws -> CaseOutcome {
        guard let source else { throw BenchmarkError("a read case needs a source") }
        let connection = try openConnection(source.url, mode: .readOnly)
        defer { connection.close() }
        let fixture = BenchmarkTable.fixture(rows: rows, seed: seed)
        let table = connection.dialect.table(BenchmarkTable.name, schema: source.schema)
        let clock = ContinuousClock.now
        var read = 0
        try connection.stream("SELECT \(quoteIdentifiers(fixture.columnNames)) FROM \(table.quoted) "
                                + "ORDER BY \(quoteIdentifier("ProcNum"))", [], batchSize: batchSize) { read += $0.count }
        return CaseOutcome(seconds: clock.elapsedSeconds, rowsWritten: read)
    }

    private func loadManyTables() throws -> CaseOutcome {
        guard let source, let manyTables else { throw BenchmarkError("a many-tables case needs its source") }
        let sourceURL = source.url, targetURL = target.url
        let options = loadOptions(source: source)
        let run = TableRun(source: { try openConnection(sourceURL, mode: .readOnly) },
                           target: { try openConnection(targetURL) }, options: options,
                           logger: Self.quiet, usage: MethodUsage(runID: options.runID), jobs: jobs ?? 1)
        let clock = ContinuousClock.now
        let results = run.run(manyTables.configs(batchSize: batchSize))
        let seconds = clock.elapsedSeconds
        if let failed = results.first(where: { $0.error != nil }) {
            throw BenchmarkError("\(failed.table) failed: \(failed.error!)")
        }
        let small = results.filter { manyTables.isSmall($0.table) }
        let smallSeconds: Double = small.map(\.duration_s).reduce(0, +)
        var outcome = CaseOutcome(seconds: seconds, rowsWritten: results.map(\.rows_loaded).reduce(0, +))
        outcome.rowsRepaired = results.map(\.rows_repaired).reduce(0, +)
        outcome.rowsDeleted = results.map(\.rows_deleted).reduce(0, +)
        outcome.verified = results.allSatisfy(\.verified)
        outcome.secondsPerSmallTable = smallSeconds / Double(max(small.count, 1))
        return outcome
    }

    private func countTables() throws -> CaseOutcome {
        guard let source, let manyTables else { throw BenchmarkError("a count case needs its source") }
        let from = try openConnection(source.url, mode: .readOnly), to = try openConnection(target.url)
        defer { from.close(); to.close() }
        let names = manyTables.smallNames
        let clock = ContinuousClock.now
        var counted = 0
        for name in names {
            for (db, schema) in [(from, source.schema), (to, target.schema)] {
                let table = db.dialect.table(name, schema: schema)
                counted += Int(try db.scalar("SELECT count(*) FROM \(table.quoted)")?.int64 ?? 0)
            }
        }
        let seconds = clock.elapsedSeconds
        return CaseOutcome(seconds: seconds, rowsWritten: counted, secondsPerSmallTable: seconds / Double(names.count))
    }

    private func rawCopy() throws -> CaseOutcome {
        let opened = try openConnection(target.url)
        defer { opened.close() }
        guard let connection = opened as? PostgresConnection else {
            throw BenchmarkError("raw COPY needs a PostgreSQL target")
        }
        let fixture = BenchmarkTable.fixture(rows: rows, seed: seed)
        try createEmpty(fixture, on: connection)
        var chunks: [[UInt8]] = []
        var encoder = CopyTextEncoder()
        for row in fixture.rows() {
            encoder.append(row)
            if encoder.buffer.count >= 1 << 20 {
                chunks.append(encoder.buffer)
                encoder.buffer.removeAll(keepingCapacity: true)
            }
        }
        chunks.append(encoder.buffer)
        let clock = ContinuousClock.now
        let written = try connection.copyIn(into: target.table, columns: fixture.columnNames) { put in
            for chunk in chunks { try put(chunk) }
        }
        return CaseOutcome(seconds: clock.elapsedSeconds, rowsWritten: written)
    }

    private func sqliteInserts() throws -> CaseOutcome {
        let connection = try openConnection(target.url)
        defer { connection.close() }
        guard connection.engine == .sqlite else { throw BenchmarkError("SQLite inserts need a SQLite target") }
        let fixture = BenchmarkTable.fixture(rows: rows, seed: seed)
        try createEmpty(fixture, on: connection)
        let generated = Array(fixture.rows())
        let clock = ContinuousClock.now
        let written = try connection.bulkInsert(into: target.table, columns: fixture.columnNames, rows: generated)
        return CaseOutcome(seconds: clock.elapsedSeconds, rowsWritten: written)
    }

    /// The table as the loader would create it in the target, without rows.
    private func createEmpty(_ fixture: FixtureTable, on connection: any Connection) throws {
        try connection.createSchemaIfMissing(target.schema)
        try connection.createTable(TableSchema(name: target.table, columns: fixture.schema.columns,
                                               primaryKey: fixture.schema.primaryKey))
    }
}

extension ContinuousClock.Instant {
    var elapsedSeconds: Double {
        let elapsed = ContinuousClock.now - self
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// The benchmark could not set up or run a case.
public struct BenchmarkError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
