import TidemarkConfig
import TidemarkDatabase
import TidemarkFixtures

/// The many-tables source: hundreds of small procedurelog-like tables and a few large ones, like an Open Dental
/// config (most of its 446 tables are small; a handful hold most rows).
public struct ManyTables: Codable, Sendable, Equatable {
    public var smallTables: Int
    public var smallRows: Int
    public var largeTables: Int
    public var largeRows: Int

    public init(smallTables: Int, smallRows: Int, largeTables: Int, largeRows: Int) {
        self.smallTables = smallTables
        self.smallRows = smallRows
        self.largeTables = largeTables
        self.largeRows = largeRows
    }

    public var totalRows: Int { smallTables * smallRows + largeTables * largeRows }
    public var tableCount: Int { smallTables + largeTables }

    var smallNames: [String] { (0..<smallTables).map { "small_" + Self.padded($0 + 1) } }
    var largeNames: [String] { (0..<largeTables).map { "large_" + Self.padded($0 + 1) } }

    func isSmall(_ table: String) -> Bool { table.hasPrefix("small_") }

    private static func padded(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// Each table's rows: every table its own seed, so no two tables hold the same data.
    func fixtures(seed: UInt64) -> [FixtureTable] {
        let small = smallNames.enumerated().map { i, name in
            Fixtures.procedurelog(rows: smallRows, seed: seed &+ UInt64(i) &+ 1).withName(TableName(name))
        }
        let large = largeNames.enumerated().map { i, name in
            Fixtures.procedurelog(rows: largeRows, seed: seed &+ 10_000 &+ UInt64(i)).withName(TableName(name))
        }
        return large + small
    }

    /// The config a tables.yml would give: the original pipeline's categories, so large tables start first.
    func configs(batchSize: Int) -> [TableConfig] {
        func config(_ name: String, rows: Int, category: String) -> TableConfig {
            var config = BenchmarkTable.config(rows: rows, batchSize: batchSize, name: name)
            config.performanceCategory = category
            return config
        }
        // Small tables first in the list: the run, not the list, must put the large ones first.
        return smallNames.map { config($0, rows: smallRows, category: "tiny") }
            + largeNames.map { config($0, rows: largeRows, category: "large") }
    }
}
