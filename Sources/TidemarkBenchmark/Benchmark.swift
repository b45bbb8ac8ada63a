import Foundation
import TidemarkConfig
import TidemarkDatabase
import TidemarkDrivers
import TidemarkFixtures
import TidemarkMySQL
import TidemarkPostgres

/// What one benchmark run covers.
public struct BenchmarkOptions: Sendable {
    public var rows = 1_000_000
    /// The memory check loads `rows × scale` rows with streaming, chunked and copy; 1 skips it.
    public var scale = 5
    public var paths: [BenchmarkPath] = BenchmarkPath.allCases
    public var strategies: [StrategyKind] = StrategyKind.allCases
    public var batchSize = 10_000
    public var seed: UInt64 = 1
    /// An existing server; without one a throwaway cluster is started and removed.
    public var postgresURL: DatabaseURL?
    /// An existing MariaDB/MySQL server for the mysql→postgres path; without one a throwaway server is started.
    public var mysqlURL: DatabaseURL?
    /// The many-tables case's source (nil skips it): `bench` uses 400 small tables and 3 large ones of `rows / 10`.
    public var manyTables: ManyTables? = ManyTables(smallTables: 400, smallRows: 250, largeTables: 3, largeRows: 100_000)
    /// `--jobs` values the many-tables case runs with.
    public var jobs = [1, 2, 4]
    /// The `bench` executable, which runs each case as a child (`bench measure`).
    public var executable: String
    /// Progress lines (stderr in the command).
    public var progress: @Sendable (String) -> Void = { _ in }

    public init(executable: String) { self.executable = executable }
}

/// Runs every case in one go: baselines, a full load per strategy and path, incremental runs (no-op, delta,
/// repair, full reload) as fractions of a full load, and the memory check at a larger size.
public struct Benchmark {
    let options: BenchmarkOptions
    private let bench: Workbench
    private var measurements: [Measurement] = []
    private var notes: [String] = []

    public static func run(_ options: BenchmarkOptions) throws -> BenchmarkReport {
        var cluster: ThrowawayPostgres?
        var mariaDB: ThrowawayMariaDB?
        defer {
            cluster?.stop()
            mariaDB?.stop()
        }
        let server: DatabaseURL
        if let url = options.postgresURL {
            server = url
        } else {
            cluster = try ThrowawayPostgres()
            server = .postgres(parameters: cluster!.parameters)
        }
        var mysqlServer = options.mysqlURL
        if mysqlServer == nil, options.paths.contains(.mysqlToPostgres) {
            mariaDB = try ThrowawayMariaDB()
            mysqlServer = .mysql(parameters: mariaDB!.parameters)
        }
        let workbench = try Workbench(server: server, mysqlServer: mysqlServer, options: options)
        defer { workbench.remove() }
        var benchmark = Benchmark(options: options, bench: workbench)
        return try benchmark.measureAll()
    }

    private init(options: BenchmarkOptions, bench: Workbench) {
        self.options = options
        self.bench = bench
    }

    private mutating func measureAll() throws -> BenchmarkReport {
        let started = Date()
        options.progress("generating \(options.rows) rows in SQLite and PostgreSQL sources…")
        try bench.installSources(rows: options.rows)
        try measureBaselines()
        for path in options.paths {
            for strategy in options.strategies { try measureFullLoad(strategy, path: path, rows: options.rows) }
        }
        for path in options.paths { try measureIncremental(path) }
        if options.scale > 1 { try measureMemory() }
        try measureWidth()
        if let manyTables = options.manyTables { try measureManyTables(manyTables) }
        var report = BenchmarkReport(
            date: ISO8601DateFormatter().string(from: started), machine: try bench.machine(), rows: options.rows,
            scaledRows: options.scale > 1 ? options.rows * options.scale : nil, seed: options.seed,
            batchSize: options.batchSize, measurements: measurements, targets: [], notes: notes)
        report.targets = Self.targets(report)
        return report
    }

    // MARK: Cases

    private mutating func record(_ m: Measurement) {
        measurements.append(m)
        let rss = m.peakRSSBytes.map { String(format: ", %.1f MB", Double($0) / 1_048_576) } ?? ""
        options.progress("\(m.group.rawValue): \(m.name)\(m.policy.map { " (\($0))" } ?? "") \(m.path?.rawValue ?? "") — "
            + String(format: "%.2f s", m.seconds) + rss)
    }

    private mutating func measureBaselines() throws {
        let copyCase = BenchmarkCase(kind: .rawCopy, source: nil, target: try bench.freshTarget(.sqliteToPostgres),
                                     rows: options.rows, seed: options.seed, batchSize: options.batchSize)
        let (copy, copyRSS) = try bench.runChild(copyCase)
        record(Measurement(group: .baseline, name: Baseline.rawCopy, rows: copy.rowsWritten, seconds: copy.seconds,
                           peakRSSBytes: copyRSS, note: "COPY FROM STDIN of pre-rendered text through libpq"))
        let insertCase = BenchmarkCase(kind: .sqliteInserts, source: nil, target: try bench.freshTarget(.sqliteToSQLite),
                                       rows: options.rows, seed: options.seed, batchSize: options.batchSize)
        let (insert, insertRSS) = try bench.runChild(insertCase)
        record(Measurement(group: .baseline, name: Baseline.sqliteInserts, rows: insert.rowsWritten,
                           seconds: insert.seconds, peakRSSBytes: insertRSS,
                           note: "one prepared INSERT per row in one transaction"))
        if options.paths.contains(.mysqlToPostgres) {
            let readCase = BenchmarkCase(kind: .rawMySQLRead, source: bench.source(.mysqlToPostgres),
                                         target: try bench.freshTarget(.mysqlToPostgres), rows: options.rows,
                                         seed: options.seed, batchSize: options.batchSize)
            let (read, readRSS) = try bench.runChild(readCase)
            record(Measurement(group: .baseline, name: Baseline.mysqlRead, path: .mysqlToPostgres, rows: read.rowsWritten,
                               seconds: read.seconds, peakRSSBytes: readRSS,
                               note: "SELECT in key order streamed through libmariadb into values (MyISAM)"))
        }
        if let pgloader = try bench.runPgloader(rows: options.rows) {
            record(Measurement(group: .baseline, name: Baseline.pgloader, path: .sqliteToPostgres, rows: options.rows,
                               seconds: pgloader.seconds, peakRSSBytes: pgloader.peakRSS,
                               note: "pgloader SQLite → PostgreSQL, its defaults (creates the table and indexes)"))
        } else {
            notes.append("pgloader is not installed (Debian: apt-get install pgloader); its baseline was not measured.")
        }
    }

    private mutating func measureFullLoad(_ strategy: StrategyKind, path: BenchmarkPath, rows: Int,
                                          source: Endpoint? = nil, group: Measurement.Group = .fullLoad) throws {
        let request = BenchmarkCase(
            kind: .load, source: source ?? bench.source(path), target: try bench.freshTarget(path), rows: rows,
            seed: options.seed, batchSize: options.batchSize, strategy: strategy, policy: PolicyKind.none)
        let (outcome, rss) = try bench.runChild(request)
        guard outcome.rowsWritten == rows else {
            throw BenchmarkError("\(strategy.rawValue) on \(path.rawValue) wrote \(outcome.rowsWritten) of \(rows) rows")
        }
        let baseline = baselineSeconds(path)
        record(Measurement(group: group, name: strategy.rawValue, path: path, strategy: strategy.rawValue,
                           policy: "none", rows: rows, seconds: outcome.seconds, peakRSSBytes: rss,
                           comparedTo: baseline.map { _ in path.baseline },
                           ratio: baseline.map { outcome.seconds / $0 }))
    }

    /// The time of the path's baselines added up, when every one of them was measured.
    private func baselineSeconds(_ path: BenchmarkPath) -> Double? {
        let parts = path.baselines.map { name in measurements.first { $0.group == .baseline && $0.name == name } }
        guard parts.allSatisfy({ $0 != nil }) else { return nil }
        return parts.compactMap { $0?.seconds }.reduce(0, +)
    }

    /// No-op, 1 % delta and a 100 + 100 repair, on the state a full load left, with the path's fastest strategy,
    /// each as a fraction of that strategy's full load (the fastest full load is the strictest denominator).
    private mutating func measureIncremental(_ path: BenchmarkPath) throws {
        let source = bench.source(path), target = try bench.freshTarget(path)
        let fastest = measurements.filter { $0.group == .fullLoad && $0.path == path }.min { $0.seconds < $1.seconds }
        let chosen = fastest.flatMap { $0.strategy.flatMap(StrategyKind.init(rawValue:)) }
        func run(_ policy: PolicyKind, verify: VerifyMode? = nil) throws -> (CaseOutcome, Int) {
            try bench.runChild(BenchmarkCase(kind: .load, source: source, target: target, rows: options.rows,
                                             seed: options.seed, batchSize: options.batchSize, strategy: chosen,
                                             policy: policy, verify: verify))
        }
        let (initial, _) = try run(.none)
        let strategy = initial.strategy ?? "auto"
        let fullSeconds = fastest?.seconds ?? initial.seconds
        func note(_ name: String, _ policy: PolicyKind, rolling: Bool = false, _ outcome: CaseOutcome, _ rss: Int,
                  detail: String) {
            record(Measurement(group: .incremental, name: name, path: path, strategy: strategy,
                               policy: policy.rawValue + (rolling ? "/rolling" : ""),
                               rows: outcome.rowsWritten, seconds: outcome.seconds,
                               peakRSSBytes: rss, comparedTo: "full load", ratio: outcome.seconds / fullSeconds,
                               note: detail))
        }
        for policy in [PolicyKind.none, .reconcile] {
            let (noop, rss) = try run(policy)
            guard noop.rowsWritten == 0, noop.rowsRepaired == 0 else {
                throw BenchmarkError("the no-op run on \(path.rawValue) wrote \(noop.rowsWritten) rows")
            }
            note("no-op", policy, noop, rss, detail: policy == .reconcile ? "includes verifying every row" : "tracking only")
        }
        // Rolling: counts, key bounds and one slice of seven (the default cycle).
        let (rollingNoop, rollingRSS) = try run(.reconcile, verify: .rolling)
        guard rollingNoop.rowsWritten == 0, rollingNoop.rowsRepaired == 0 else {
            throw BenchmarkError("the rolling no-op run on \(path.rawValue) wrote \(rollingNoop.rowsWritten) rows")
        }
        note("no-op", .reconcile, rolling: true, rollingNoop, rollingRSS,
             detail: "counts, key bounds and one slice of the key space")
        for policy in [PolicyKind.none, .reconcile] {
            let changed = try bench.applyDelta(path, rows: options.rows, round: policy == .none ? 1 : 2)
            let (delta, rss) = try run(policy)
            guard delta.rowsWritten == changed else {
                throw BenchmarkError("the 1 % delta on \(path.rawValue) wrote \(delta.rowsWritten) of \(changed) rows")
            }
            note("1% delta", policy, delta, rss, detail: "\(changed) rows: half edited in place, half new")
        }
        try bench.damageTarget(path, rows: options.rows)
        let (repair, rss) = try run(.reconcile)
        guard repair.rowsRepaired == 200 else {
            throw BenchmarkError("the repair on \(path.rawValue) repaired \(repair.rowsRepaired) rows, expected 200")
        }
        note("repair 100+100", .reconcile, repair, rss, detail: "100 rows deleted and 100 changed in the target")
        // The same damage under rolling: the counts differ, so it widens to every row at once.
        try bench.damageTarget(path, rows: options.rows)
        let (rollingRepair, rollingRepairRSS) = try run(.reconcile, verify: .rolling)
        guard rollingRepair.rowsRepaired == 200 else {
            throw BenchmarkError("the rolling repair on \(path.rawValue) repaired \(rollingRepair.rowsRepaired) rows, expected 200")
        }
        note("repair 100+100", .reconcile, rolling: true, rollingRepair, rollingRepairRSS,
             detail: "the damage above again; the count differs, so rolling widens to a full verification")

        // More than half the table differs: reconcile reloads it in place while a reader keeps counting it.
        let damaged = try bench.damageMostOfTarget(path)
        let reader = try VisibilityProbe(target, marker: Workbench.damageMarker)
        let (reload, reloadRSS) = try run(.reconcile)
        let seen = reader.stop()
        guard reload.fallback == "full_reload", reload.error == nil else {
            throw BenchmarkError("the reload on \(path.rawValue) took fallback \(reload.fallback ?? "none"): \(reload.error ?? "")")
        }
        let states = seen.markedCounts.sorted().map(String.init).joined(separator: " or ")
        let halfFilled = seen.markedCounts.contains { $0 != 0 && $0 != damaged }
        note("full reload", .reconcile, reload, reloadRSS,
             detail: "\(damaged) of \(options.rows) rows changed in the target; a reader's \(seen.reads) counts saw "
                + "\(states) changed rows\(halfFilled ? " (a HALF-FILLED state)" : ", never a half-filled table"), "
                + "the longest took \(String(format: "%.3f", seen.longestSeconds)) s")
    }

    /// Streaming, chunked and copy at `rows × scale`: their peak RSS must not grow with the table.
    private mutating func measureMemory() throws {
        let path = options.paths.contains(.sqliteToPostgres) ? BenchmarkPath.sqliteToPostgres : options.paths[0]
        let scaled = options.rows * options.scale
        options.progress("generating \(scaled) rows for the memory check…")
        let source = try bench.installScaledSource(rows: scaled)
        for strategy in [StrategyKind.streaming, .chunked, .copy] where options.strategies.contains(strategy) {
            try measureFullLoad(strategy, path: path, rows: scaled, source: source, group: .memory)
            if let small = measurements.first(where: { $0.group == .fullLoad && $0.path == path && $0.name == strategy.rawValue }),
               let large = measurements.last, let a = small.peakRSSBytes, let b = large.peakRSSBytes {
                measurements[measurements.count - 1].comparedTo = "peak RSS at \(options.rows) rows"
                measurements[measurements.count - 1].ratio = Double(b) / Double(a)
            }
        }
        try bench.dropScaledSource()
    }

    /// The bench table and the same rows 30 columns wide, loaded the same way into each target: what a row and
    /// what a value cost as a table widens (a wide table into SQLite once cost 14× a narrow one per row).
    private mutating func measureWidth() throws {
        let rows = max(1_000, options.rows / 20)
        let sources = [BenchmarkTable.Shape.narrow, .wide].map { shape in (shape, Result { try bench.installWidthSource(shape, rows: rows) }) }
        for path in [BenchmarkPath.sqliteToSQLite, .sqliteToPostgres] where options.paths.contains(path) {
            for (shape, source) in sources {
                let source = try source.get()
                let columns = BenchmarkTable.fixture(rows: 0, seed: options.seed, shape: shape).columnNames.count
                let (outcome, rss) = try bench.runChild(BenchmarkCase(
                    kind: .load, source: source, target: try bench.freshTarget(path), rows: rows, seed: options.seed,
                    batchSize: options.batchSize, strategy: nil, policy: PolicyKind.none))
                guard outcome.rowsWritten == rows else {
                    throw BenchmarkError("the \(shape.rawValue) table on \(path.rawValue) wrote \(outcome.rowsWritten) of \(rows) rows")
                }
                let narrow = measurements.last { $0.group == .width && $0.path == path && $0.name.hasPrefix("narrow") }
                let perValue = outcome.seconds / Double(rows * columns)
                record(Measurement(
                    group: .width, name: "\(shape.rawValue), \(columns) columns", path: path,
                    strategy: outcome.strategy, policy: "none", rows: rows, seconds: outcome.seconds, peakRSSBytes: rss,
                    comparedTo: narrow.map { _ in "narrow per value" },
                    ratio: narrow.map { n in perValue / (n.seconds / Double(n.rows * Self.narrowColumns)) },
                    note: String(format: "%.2f µs per row, %.3f µs per value", outcome.seconds / Double(rows) * 1e6, perValue * 1e6)))
            }
        }
    }

    static let narrowColumns = BenchmarkTable.fixture(rows: 0, seed: 1).columnNames.count

    /// Hundreds of small tables and a few large ones in one run, as `etl-run --jobs N` loads them: a full load,
    /// a no-op under `none` and one under `reconcile`, for each `--jobs`; and the floor of a per-table check, the
    /// time to count each small table's rows on both sides.
    private mutating func measureManyTables(_ tables: ManyTables) throws {
        options.progress("generating \(tables.tableCount) tables (\(tables.totalRows) rows) for the many-tables case…")
        let source = try bench.installManyTables(tables)
        for path in [BenchmarkPath.sqliteToPostgres, .sqliteToSQLite] where options.paths.contains(path) {
            for jobs in options.jobs {
                let target = try bench.freshTarget(path)
                func run(_ policy: PolicyKind) throws -> (CaseOutcome, Int) {
                    try bench.runChild(BenchmarkCase(kind: .manyTables, source: source, target: target, rows: tables.totalRows,
                                                     seed: options.seed, batchSize: options.batchSize, policy: policy,
                                                     manyTables: tables, jobs: jobs))
                }
                let (full, fullRSS) = try run(.none)
                guard full.rowsWritten == tables.totalRows else {
                    throw BenchmarkError("the many-tables load on \(path.rawValue) wrote \(full.rowsWritten) of \(tables.totalRows) rows")
                }
                record(manyTablesMeasurement("full load", path: path, jobs: jobs, policy: .none, full, fullRSS, tables))
                for policy in [PolicyKind.none, .reconcile] {
                    let (noop, rss) = try run(policy)
                    guard noop.rowsWritten == 0, noop.rowsRepaired == 0, noop.rowsDeleted == 0 else {
                        throw BenchmarkError("the many-tables no-op (\(policy.rawValue)) on \(path.rawValue) wrote rows")
                    }
                    record(manyTablesMeasurement("no-op", path: path, jobs: jobs, policy: policy, noop, rss, tables))
                }
            }
            let (count, rss) = try bench.runChild(BenchmarkCase(
                kind: .countTables, source: source, target: bench.target(path), rows: 0, seed: options.seed,
                batchSize: options.batchSize, manyTables: tables))
            record(Measurement(group: .manyTables, name: "count each small table on both sides", path: path, rows: count.rowsWritten,
                               seconds: count.seconds, peakRSSBytes: rss,
                               note: String(format: "%.2f ms per table", (count.secondsPerSmallTable ?? 0) * 1e3),
                               secondsPerTable: count.secondsPerSmallTable))
        }
    }

    private func manyTablesMeasurement(_ name: String, path: BenchmarkPath, jobs: Int, policy: PolicyKind,
                                       _ outcome: CaseOutcome, _ rss: Int, _ tables: ManyTables) -> Measurement {
        let perTable = (outcome.secondsPerSmallTable ?? 0) * 1e3
        let first = measurements.first { $0.group == .manyTables && $0.path == path && $0.name == "\(name), jobs 1"
            && $0.policy == policy.rawValue }
        return Measurement(
            group: .manyTables, name: "\(name), jobs \(jobs)", path: path, policy: policy.rawValue,
            rows: name == "full load" ? outcome.rowsWritten : tables.totalRows, seconds: outcome.seconds, peakRSSBytes: rss,
            comparedTo: jobs == 1 ? nil : first.map { _ in "jobs 1" }, ratio: jobs == 1 ? nil : first.map { outcome.seconds / $0.seconds },
            note: String(format: "%d tables; %.2f ms per small table", tables.tableCount, perTable),
            secondsPerTable: outcome.secondsPerSmallTable)
    }

    // MARK: Targets

    static func targets(_ report: BenchmarkReport) -> [TargetCheck] {
        var checks: [TargetCheck] = []
        func ratio(_ value: Double?, _ goal: Double, _ text: String) {
            guard let value else { return checks.append(TargetCheck(goal: text, measured: "not measured", met: nil)) }
            checks.append(TargetCheck(goal: text, measured: String(format: "%.2f×", value), met: value <= goal))
        }
        let loads = report.measurements.filter { $0.group == .fullLoad && $0.path == .sqliteToPostgres }
        let best = loads.min { $0.seconds < $1.seconds }
        let copy = report.measurement(.baseline, Baseline.rawCopy)
        let pgloader = report.measurement(.baseline, Baseline.pgloader)
        let bestName = best.map { " (\($0.name))" } ?? ""
        ratio(best.flatMap { b in copy.map { b.seconds / $0.seconds } }, 1.2,
              "best strategy SQLite→PostgreSQL ≤ 1.2× raw COPY\(bestName)")
        ratio(best.flatMap { b in pgloader.map { b.seconds / $0.seconds } }, 0.6,
              "best strategy SQLite→PostgreSQL ≤ 0.6× pgloader\(bestName)")
        let standard = loads.first { $0.name == StrategyKind.standard.rawValue }
        ratio(standard.flatMap { s in copy.map { s.seconds / $0.seconds } }, 3, "standard SQLite→PostgreSQL ≤ 3× raw COPY")
        for m in report.measurements where m.group == .incremental {
            // A no-op that verifies every row: ≤ 15 %; one that does not (none, or rolling's slice): ≤ 2 %.
            let goal = m.name == "no-op" ? (m.policy == "reconcile" ? 0.15 : 0.02) : m.name.hasPrefix("repair") ? 0.10 : nil
            guard let goal, let r = m.ratio else { continue }
            checks.append(TargetCheck(
                goal: "\(m.name) (\(m.policy ?? "")) \(m.path?.rawValue ?? "") ≤ \(Int(goal * 100)) % of a full load",
                measured: String(format: "%.1f %%", r * 100), met: r <= goal))
        }
        checks += manyTablesTargets(report) + widthTargets(report)
        let flat = ["streaming", "chunked", "copy"]
        for m in report.measurements where (m.group == .fullLoad || m.group == .memory) && flat.contains(m.name) {
            guard let rss = m.peakRSSBytes else { continue }
            let mb = Double(rss) / 1_048_576
            checks.append(TargetCheck(goal: "peak RSS ≤ 64 MB: \(m.name) \(m.path?.rawValue ?? "") at \(m.rows) rows",
                                      measured: String(format: "%.1f MB", mb), met: mb <= 64))
            if m.group == .memory, let r = m.ratio {
                checks.append(TargetCheck(goal: "flat memory: \(m.name) at \(m.rows) rows vs \(report.rows)",
                                          measured: String(format: "%.2f×", r), met: r <= 1.25))
            }
        }
        return checks
    }

    /// Per-table overhead of a no-op run (mean loader time per small table, one job): ≤ 5 ms under `none`, and
    /// under `reconcile` ≤ 2× the time to count the table's rows on both sides.
    static func manyTablesTargets(_ report: BenchmarkReport) -> [TargetCheck] {
        var checks: [TargetCheck] = []
        for path in [BenchmarkPath.sqliteToPostgres, .sqliteToSQLite] {
            let many = report.measurements.filter { $0.group == .manyTables && $0.path == path }
            let noop = { (policy: String) in many.first { $0.name == "no-op, jobs 1" && $0.policy == policy } }
            guard let none = noop("none"), let reconcile = noop("reconcile"),
                  let count = many.first(where: { $0.name.hasPrefix("count") }) else { continue }
            let ms = { (m: Measurement) in (m.secondsPerTable ?? .nan) * 1e3 }
            checks.append(TargetCheck(goal: "no-op per-table overhead (none) \(path.rawValue) ≤ 5 ms",
                                      measured: String(format: "%.2f ms", ms(none)), met: ms(none) <= 5))
            let ratio = ms(reconcile) / ms(count)
            checks.append(TargetCheck(
                goal: "no-op per-table overhead (reconcile) \(path.rawValue) ≤ 2× counting the table on both sides",
                measured: String(format: "%.2f ms = %.2f× %.2f ms", ms(reconcile), ratio, ms(count)), met: ratio <= 2))
        }
        return checks
    }

    /// A wide table into SQLite costs no more per value than a narrow one.
    static func widthTargets(_ report: BenchmarkReport) -> [TargetCheck] {
        report.measurements.filter { $0.group == .width && $0.ratio != nil }.map { m in
            TargetCheck(goal: "\(m.name) \(m.path?.rawValue ?? "") per value ≤ the narrow table's",
                        measured: String(format: "%.2f×", m.ratio!), met: m.ratio! <= 1)
        }
    }
}
