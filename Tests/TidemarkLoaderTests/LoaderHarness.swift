import Foundation
import Logging
import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkFixtures
import TidemarkLoader
import TidemarkSimulator
import TidemarkTestSupport

/// A source engine and a target engine.
struct LoadPath: Sendable, CustomTestStringConvertible {
    let source: Engine
    let target: Engine

    /// Every source engine (MySQL/MariaDB, the original pipeline's real source, too) into every target engine.
    static let all: [LoadPath] = [
        LoadPath(source: .sqlite, target: .sqlite), LoadPath(source: .sqlite, target: .postgres),
        LoadPath(source: .postgres, target: .sqlite), LoadPath(source: .postgres, target: .postgres),
        LoadPath(source: .mysql, target: .sqlite), LoadPath(source: .mysql, target: .postgres),
    ]

    var testDescription: String { "\(source.rawValue)→\(target.rawValue)" }
}

/// A fresh source and target database for one test, and a way to run the loader between them.
struct LoadBench {
    let source: any Connection
    let target: any Connection
    let sourceURL: DatabaseURL
    let targetURL: DatabaseURL
    let sourceSchema: String?
    let targetSchema: String?

    static func with<T>(_ path: LoadPath, _ body: (LoadBench) throws -> T) throws -> T {
        try TestDatabases.withFreshDatabase(path.source) { sourceURL in
            try TestDatabases.withFreshDatabase(path.target) { targetURL in
                let source = try openConnection(sourceURL)
                let target = try openConnection(targetURL)
                return try body(LoadBench(
                    source: source, target: target, sourceURL: sourceURL, targetURL: targetURL,
                    sourceSchema: try schema(source), targetSchema: try schema(target)))
            }
        }
    }

    private static func schema(_ db: any Connection) throws -> String? {
        db.engine == .postgres ? try db.scalar("SELECT current_schema()")?.string : nil
    }

    func table(_ name: String, on db: any Connection) -> TableName {
        TableName(name, schema: db === source ? sourceSchema : targetSchema)
    }

    /// Runs one load of `config` and returns its result.
    @discardableResult
    func load(_ config: TableConfig, strategy: StrategyKind, policy: PolicyKind = .hybrid, full: Bool = false,
              batchSize: Int? = nil, failInsideCommit: Int? = nil,
              reconcile: ReconcileSettings = ReconcileSettings(), verify: VerifyMode? = nil) -> LoadResult {
        var options = LoadOptions()
        options.reconcile = reconcile
        options.verify = verify
        options.strategy = .fixed(strategy)
        options.policy = policy
        options.forceFull = full
        options.batchSize = batchSize
        options.sourceSchema = sourceSchema ?? "public"
        options.targetSchema = targetSchema ?? "raw"
        let sourceURL = self.sourceURL
        let targetURL = self.targetURL
        // A fault fails the n-th target transaction of the load, counted over the parallel workers too.
        let faults = FaultPlan(failingTransaction: failInsideCommit)
        let loader = TableLoader(
            source: source, target: FaultInjectingConnection(target, plan: faults),
            sourceFactory: { try openConnection(sourceURL) },
            targetFactory: { FaultInjectingConnection(try openConnection(targetURL), plan: faults) }, options: options,
            logger: Logger(label: "tidemark-test", factory: { _ in SwiftLogNoOpLogHandler() }))
        return loader.load(config)
    }

    /// All rows of a table, ordered by its key (its columns, in key order): every column, or the named ones.
    func rows(_ table: String, on db: any Connection, key: String..., columns: [String]? = nil) throws -> [[Value]] {
        try rows(table, on: db, keyColumns: key, columns: columns)
    }

    func rows(_ table: String, on db: any Connection, keyColumns key: [String], columns: [String]?) throws -> [[Value]] {
        let selected = columns.map(quoteIdentifiers) ?? "*"
        return try db.query("SELECT \(selected) FROM \(self.table(table, on: db).quoted) ORDER BY \(quoteIdentifiers(key))")
            .map(\.values)
    }

    /// Source and target hold the same rows in the source's columns (compared as values; columns only the
    /// target has are the users').
    func expectSame(_ table: String, key: String..., sourceLocation: SourceLocation = #_sourceLocation) throws {
        let columns = try source.columns(of: self.table(table, on: source)).map(\.name)
        let expected = try rows(table, on: source, keyColumns: key, columns: columns)
        let actual = try rows(table, on: target, keyColumns: key, columns: columns)
        #expect(actual.count == expected.count, "row count", sourceLocation: sourceLocation)
        if actual != expected {
            let firstDifference = zip(actual, expected).first { $0 != $1 }
            Issue.record("target differs from source; first difference: \(String(describing: firstDifference))",
                         sourceLocation: sourceLocation)
        }
    }

    func tracking(_ table: String) throws -> Row? {
        try target.query(
            "SELECT * FROM \(TableName("etl_load_status", schema: targetSchema).quoted) WHERE table_name = "
                + target.engine.placeholder(1), [.text(table)]).first
    }

    func setTracking(_ table: String, _ fields: [String: Value]) throws {
        let names = Array(fields.keys).sorted()
        let sets = names.enumerated().map { "\(quoteIdentifier($1)) = \(target.engine.placeholder($0 + 1))" }
        try target.execute(
            "UPDATE \(TableName("etl_load_status", schema: targetSchema).quoted) SET \(sets.joined(separator: ", ")) "
                + "WHERE table_name = \(target.engine.placeholder(names.count + 1))",
            names.map { fields[$0]! } + [.text(table)])
    }

    func install(_ fixture: FixtureTable) throws {
        try Fixtures.install(fixture, into: source, schema: sourceSchema)
    }

    func count(_ table: String, on db: any Connection) throws -> Int64 {
        try db.scalar("SELECT count(*) FROM \(self.table(table, on: db).quoted)")?.int64 ?? -1
    }
}

/// medication as the seed's tables.yml configures it: `or_logic` over the key and DateTStamp.
func medicationConfig() -> TableConfig {
    var config = TableConfig(name: "medication")
    config.primaryKey = ["MedicationNum"]
    config.incrementalColumns = ["MedicationNum", "DateTStamp"]
    config.incrementalStrategy = .orLogic
    config.primaryIncrementalColumn = "MedicationNum"
    config.batchSize = 100
    return config
}
