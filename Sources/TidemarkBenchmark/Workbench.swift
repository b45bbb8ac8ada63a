import Foundation
import TidemarkDatabase
import TidemarkDrivers
import TidemarkFixtures
import TidemarkPostgres

#if canImport(Glibc)
import Glibc
#endif

/// The benchmark's databases: a temp directory of SQLite files and two schemas on the PostgreSQL server, the
/// source data in each, fresh targets per case, and the changes the incremental cases make.
final class Workbench {
    let server: DatabaseURL
    /// The MariaDB server the mysql→postgres path reads (nil without that path).
    let mysqlServer: DatabaseURL?
    let options: BenchmarkOptions
    let directory: String
    private let admin: any Connection

    static let sourceSchema = "tidemark_bench_source"
    static let targetSchema = "tidemark_bench_target"

    init(server: DatabaseURL, mysqlServer: DatabaseURL?, options: BenchmarkOptions) throws {
        self.server = server
        self.mysqlServer = mysqlServer
        self.options = options
        var template = Array((NSTemporaryDirectory() + "/tidemark-bench-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw BenchmarkError("cannot create a temp directory") }
        directory = String(cString: made)
        admin = try openConnection(server)
    }

    func remove() {
        _ = try? admin.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(Self.sourceSchema)) CASCADE")
        _ = try? admin.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(Self.targetSchema)) CASCADE")
        admin.close()
        if let mysqlServer, let mysql = try? openConnection(mysqlServer) {
            _ = try? mysql.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(Self.sourceSchema))")
            mysql.close()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: Sources

    /// Each path reads its own copy, so one path's delta does not change another's rows.
    private func sqliteSourcePath(_ path: BenchmarkPath) -> String { directory + "/source-\(path.writesSQLite ? "s" : "p").sqlite" }

    func source(_ path: BenchmarkPath) -> Endpoint {
        if path.readsSQLite { return Endpoint(.sqlite(path: sqliteSourcePath(path)), schema: nil) }
        if path.readsMySQL, case .mysql(let parameters)? = mysqlServer {
            // A MySQL "schema" is a database: the URL names it.
            return Endpoint(.mysql(parameters: parameters.filter { $0.keyword != "database" }
                                       + [ConnectionParameter("database", Self.sourceSchema)]), schema: nil)
        }
        return Endpoint(server, schema: Self.sourceSchema)
    }

    func installSources(rows: Int) throws {
        let fixture = BenchmarkTable.fixture(rows: rows, seed: options.seed)
        let sqlitePaths = options.paths.filter(\.readsSQLite)
        if let first = sqlitePaths.first {
            try installSQLite(fixture, at: sqliteSourcePath(first))
            for other in sqlitePaths.dropFirst() {
                try FileManager.default.copyItem(atPath: sqliteSourcePath(first), toPath: sqliteSourcePath(other))
            }
        }
        // The raw COPY baseline renders the same rows; pgloader reads the SQLite file.
        if options.paths.contains(.postgresToPostgres) {
            try admin.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(Self.sourceSchema)) CASCADE")
            try Fixtures.install(fixture, into: admin, schema: Self.sourceSchema)
            try admin.execute("ANALYZE \(TableName(BenchmarkTable.name, schema: Self.sourceSchema).quoted)")
        }
        if options.paths.contains(.mysqlToPostgres) { try installMySQL(fixture) }
    }

    /// The bench table in MariaDB, in MyISAM like Open Dental's tables (so verification locks it for reading).
    private func installMySQL(_ fixture: FixtureTable) throws {
        guard let mysqlServer else { throw BenchmarkError("the mysql→postgres path needs a MariaDB server") }
        let admin = try openConnection(mysqlServer)
        defer { admin.close() }
        try admin.execute("DROP DATABASE IF EXISTS \(quoteIdentifier(Self.sourceSchema))")
        try admin.execute("CREATE DATABASE \(quoteIdentifier(Self.sourceSchema))")
        let db = try openConnection(source(.mysqlToPostgres).url)
        defer { db.close() }
        try db.execute("SET SESSION default_storage_engine = MyISAM")
        try Fixtures.install(fixture, into: db)
        try db.execute("ANALYZE TABLE \(quoteIdentifier(BenchmarkTable.name))")
    }

    /// The many-tables case's source: one SQLite file holding every table.
    func installManyTables(_ tables: ManyTables) throws -> Endpoint {
        let file = directory + "/many-tables.sqlite"
        for suffix in ["", "-wal", "-shm"] { unlink(file + suffix) }
        let db = try openConnection(.sqlite(path: file))
        defer { db.close() }
        try db.execute("PRAGMA journal_mode=WAL")
        for fixture in tables.fixtures(seed: options.seed) { try Fixtures.install(fixture, into: db) }
        try db.execute("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE")
        return Endpoint(.sqlite(path: file), schema: nil)
    }

    /// The width case's source: the bench table narrow or widened, in a SQLite file of its own.
    func installWidthSource(_ shape: BenchmarkTable.Shape, rows: Int) throws -> Endpoint {
        let file = directory + "/width-\(shape.rawValue).sqlite"
        try installSQLite(BenchmarkTable.fixture(rows: rows, seed: options.seed, shape: shape), at: file)
        return Endpoint(.sqlite(path: file), schema: nil)
    }

    private func installSQLite(_ fixture: FixtureTable, at path: String) throws {
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
        let db = try openConnection(.sqlite(path: path))
        defer { db.close() }
        try db.execute("PRAGMA journal_mode=WAL")
        try Fixtures.install(fixture, into: db)
        try db.execute("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE")
    }

    /// A larger SQLite source for the memory check.
    func installScaledSource(rows: Int) throws -> Endpoint {
        let file = directory + "/source-scaled.sqlite"
        try installSQLite(BenchmarkTable.fixture(rows: rows, seed: options.seed), at: file)
        return Endpoint(.sqlite(path: file), schema: nil)
    }

    func dropScaledSource() throws {
        try FileManager.default.removeItem(atPath: directory + "/source-scaled.sqlite")
    }

    // MARK: Targets

    /// Where the path writes: one SQLite file, or the target schema.
    func target(_ path: BenchmarkPath) -> Endpoint {
        path.writesSQLite ? Endpoint(.sqlite(path: directory + "/target.sqlite"), schema: nil)
            : Endpoint(server, schema: Self.targetSchema)
    }

    /// An empty target for the path: a new SQLite file, or an empty target schema.
    func freshTarget(_ path: BenchmarkPath) throws -> Endpoint {
        if path.writesSQLite {
            for suffix in ["", "-wal", "-shm"] { unlink(directory + "/target.sqlite" + suffix) }
        } else {
            try admin.execute("DROP SCHEMA IF EXISTS \(quoteIdentifier(Self.targetSchema)) CASCADE")
            try admin.execute("CREATE SCHEMA \(quoteIdentifier(Self.targetSchema))")
        }
        return target(path)
    }

    // MARK: Changes

    /// 1 % of the table: half the rows edited in place (fee changed, `DateTStamp` bumped), half new rows stamped
    /// now. Each round touches other rows and later stamps. Returns how many rows changed.
    func applyDelta(_ path: BenchmarkPath, rows: Int, round: Int) throws -> Int {
        let endpoint = source(path)
        let db = try openConnection(endpoint.url)
        defer { db.close() }
        let half = max(1, rows / 200)
        let stamp = Value.timestamp(LocalTimestamp(year: 2026, month: 1, day: round, hour: 12))
        let e = db.engine
        let step = max(1, rows / half)
        let keys = (0..<half).map { Int64($0 * step + round) }.filter { $0 <= Int64(rows) }
        try db.transaction {
            for key in keys {
                try db.execute(
                    "UPDATE \(endpoint.table.quoted) SET \(quoteIdentifier("ProcFee")) = \(e.placeholder(1)), "
                        + "\(quoteIdentifier("DateTStamp")) = \(e.placeholder(2)) WHERE \(quoteIdentifier("ProcNum")) = \(e.placeholder(3))",
                    [.decimal(ExactDecimal("123.45")!), stamp, .integer(key)])
            }
            let before = rows + (round - 1) * half
            let generated = BenchmarkTable.fixture(rows: before + half, seed: options.seed)
            let stampIndex = generated.columnNames.firstIndex(of: "DateTStamp")!
            let fresh = generated.rows().dropFirst(before).map { row -> [Value] in
                var row = row
                row[stampIndex] = stamp
                return row
            }
            _ = try db.bulkInsert(into: endpoint.table, columns: generated.columnNames, rows: fresh)
        }
        return keys.count + half
    }

    /// What the reload case writes into the rows it changes in the target.
    static let damageMarker = "changed before the reload"

    /// The reload case: three rows in five changed in the target behind the loader's back. Returns how many.
    func damageMostOfTarget(_ path: BenchmarkPath) throws -> Int {
        let endpoint = target(path)
        let db = try openConnection(endpoint.url)
        defer { db.close() }
        return try db.execute(
            "UPDATE \(endpoint.table.quoted) SET \(quoteIdentifier("Note")) = \(db.engine.placeholder(1)) "
                + "WHERE \(quoteIdentifier("ProcNum")) % 5 < 3", [.text(Self.damageMarker)])
    }

    /// The repair case: 100 rows deleted from the target and 100 others changed there without a timestamp bump.
    func damageTarget(_ path: BenchmarkPath, rows: Int) throws {
        let endpoint = target(path)
        let db = try openConnection(endpoint.url)
        defer { db.close() }
        let e = db.engine
        let step = max(1, rows / 200)
        try db.transaction {
            for i in 0..<200 {
                let key = Value.integer(Int64(i * step + 7))
                if i % 2 == 0 {
                    try db.execute("DELETE FROM \(endpoint.table.quoted) WHERE \(quoteIdentifier("ProcNum")) = \(e.placeholder(1))", [key])
                } else {
                    try db.execute(
                        "UPDATE \(endpoint.table.quoted) SET \(quoteIdentifier("Note")) = \(e.placeholder(1)) "
                            + "WHERE \(quoteIdentifier("ProcNum")) = \(e.placeholder(2))", [.text("changed behind the loader's back"), key])
                }
            }
        }
    }

    // MARK: Child processes

    /// Runs a case as `bench measure` and returns its outcome and the child's peak RSS.
    func runChild(_ request: BenchmarkCase) throws -> (CaseOutcome, Int) {
        var environment = ProcessInfo.processInfo.environment
        environment[BenchmarkCase.environmentKey] = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
        let result = try ProcessRunner.run(options.executable, ["measure"], environment: environment)
        guard result.status == 0, let outcome = try? JSONDecoder().decode(CaseOutcome.self, from: Data(result.stdout.utf8)) else {
            throw BenchmarkError("\(request.kind.rawValue) case exited \(result.status): \(result.stderr.suffix(800))")
        }
        if let error = outcome.error { throw BenchmarkError("\(request.kind.rawValue) case failed: \(error)") }
        return (outcome, result.peakResidentBytes)
    }

    /// pgloader SQLite → PostgreSQL (into the server's `public` schema, as it loads by default), when installed.
    func runPgloader(rows: Int) throws -> (seconds: Double, peakRSS: Int)? {
        guard let executable = Self.which("pgloader"), let sqlitePath = options.paths.first(where: \.readsSQLite).map(sqliteSourcePath)
        else { return nil }
        guard case .postgres(let parameters) = server else { return nil }
        let value = { (key: String) in parameters.last { $0.keyword == key }?.value }
        let host = value("host") ?? "localhost"
        let hostPart = host.hasPrefix("/") ? "unix:\(host):\(value("port") ?? "5432")" : "\(host):\(value("port") ?? "5432")"
        let target = "pgsql://\(value("user") ?? "postgres")@\(hostPart)/\(value("dbname") ?? "postgres")"
        var environment = ProcessInfo.processInfo.environment
        if let password = value("password") { environment["PGPASSWORD"] = password }
        let table = TableName(BenchmarkTable.name, schema: "public").quoted
        try admin.execute("DROP TABLE IF EXISTS \(table)")
        defer { _ = try? admin.execute("DROP TABLE IF EXISTS \(table)") }
        // Tidemark stores exact decimals in SQLite under its own DECIMAL_TEXT type name; tell pgloader what it is.
        let commands = directory + "/pgloader.load"
        try """
            LOAD DATABASE FROM sqlite://\(sqlitePath) INTO \(target)
            WITH include drop, create tables, create indexes, reset sequences
            CAST type decimal_text to numeric keep typemod;

            """.write(toFile: commands, atomically: true, encoding: .utf8)
        let clock = ContinuousClock.now
        let result = try ProcessRunner.run(executable, [commands], environment: environment)
        let seconds = clock.elapsedSeconds
        guard result.status == 0 else {
            throw BenchmarkError("pgloader exited \(result.status): \(result.stderr.suffix(800))")
        }
        let loaded = try admin.tableExists(TableName(BenchmarkTable.name, schema: "public"))
            ? try admin.scalar("SELECT count(*) FROM \(table)")?.int64 ?? 0 : 0
        guard loaded == Int64(rows) else {
            throw BenchmarkError("pgloader loaded \(loaded) of \(rows) rows: \((result.stdout + result.stderr).suffix(1500))")
        }
        return (seconds, result.peakResidentBytes)
    }

    static func which(_ program: String) -> String? {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return paths.map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// CPU, memory, OS and engine versions, for the report's header.
    func machine() throws -> String {
        let os = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { $0.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? "unknown OS"
        let memory = Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824
        let scratch = try openConnection(.sqlite(path: ":memory:"))
        defer { scratch.close() }
        let sqlite = try scratch.scalar("SELECT sqlite_version()")?.string ?? "?"
        let postgres = try admin.scalar("SHOW server_version")?.string ?? "?"
        var mariaDB = ""
        if options.paths.contains(.mysqlToPostgres), let mysqlServer {
            let mysql = try openConnection(mysqlServer)
            defer { mysql.close() }
            mariaDB = ", MariaDB " + (try mysql.scalar("SELECT VERSION()")?.string ?? "?")
        }
        return "\(os), \(ProcessInfo.processInfo.activeProcessorCount) cores, "
            + String(format: "%.0f GiB", memory) + ", SQLite \(sqlite), PostgreSQL \(postgres)" + mariaDB
    }
}
