import Testing
import TidemarkDrivers
import TidemarkFixtures

/// The seeded large tables: deterministic, prefix-stable, lazily generated and full of edge values.
@Suite struct GeneratedFixtureTests {
    static let generated = ["procedurelog", "securitylog"]

    static func make(_ name: String, rows: Int, seed: UInt64) -> FixtureTable {
        name == "procedurelog" ? Fixtures.procedurelog(rows: rows, seed: seed) : Fixtures.securitylog(rows: rows, seed: seed)
    }

    @Test(arguments: generated)
    func `the same seed gives the same rows and another seed other rows`(name: String) {
        let a = Array(Self.make(name, rows: 2000, seed: 99).rows())
        let b = Array(Self.make(name, rows: 2000, seed: 99).rows())
        let c = Array(Self.make(name, rows: 2000, seed: 100).rows())
        #expect(a.count == 2000)
        #expect(a == b)
        #expect(a != c)
        // Only the keys agree between seeds; almost every row differs somewhere.
        #expect(zip(a, c).allSatisfy { $0[0] == $1[0] })
        #expect(zip(a, c).filter { $0 != $1 }.count > 1900)
        // Iterating the same table twice replays it.
        let table = Self.make(name, rows: 300, seed: 5)
        #expect(Array(table.rows()) == Array(table.rows()))
    }

    @Test func `a projection keeps the key and the named columns, their declarations and values`() throws {
        let zoo = Fixtures.typezoo(rows: 20, seed: 3)
        let projected = try #require(zoo.projected(onto: ["note", "big"]))
        // The table's order, the key kept although not named.
        #expect(projected.columnNames == ["id", "big", "note"])
        let kept = [0, 1, zoo.columnNames.firstIndex(of: "note")!]
        #expect(Array(projected.rows()) == Array(zoo.rows()).map { row in kept.map { row[$0] } })
        for (engine, declared) in zoo.declaredTypes {
            #expect(projected.declaredTypes[engine] == kept.map { declared[$0] })
        }
        #expect(projected.rowCount == 20 && projected.schema.primaryKey == ["id"])
        #expect(zoo.projected(onto: ["nosuch"]) == nil)
        // An index survives only when all its columns do.
        let log = Fixtures.procedurelog(rows: 5, seed: 1)
        #expect(log.projected(onto: ["DateTStamp"])?.indexes == [["DateTStamp", "ProcNum"]])
        #expect(log.projected(onto: ["Note"])?.indexes == [])
    }

    @Test(arguments: generated)
    func `a larger table starts with the rows of a smaller one`(name: String) {
        let small = Array(Self.make(name, rows: 1000, seed: 3).rows())
        let large = Array(Self.make(name, rows: 5000, seed: 3).rows())
        #expect(Array(large.prefix(1000)) == small)
    }

    @Test(arguments: generated)
    func `keys run 1…rows and values fit their columns`(name: String) {
        let table = Self.make(name, rows: 20_000, seed: 11)
        var position: Int64 = 0
        var problems: [String] = []
        for row in table.rows() {
            position += 1
            if row[0] != .integer(position) { problems.append("row \(position) has key \(row[0])") }
            if row.count != table.schema.columns.count { problems.append("row \(position) has \(row.count) values") }
            for (value, column) in zip(row, table.schema.columns) {
                if let problem = FixtureCheck.mismatch(value, column) { problems.append("row \(position): \(problem)") }
            }
            if problems.count > 10 { break }
        }
        #expect(problems.isEmpty, "\(problems)")
        #expect(position == 20_000)
        #expect(table.rowCount == 20_000)
        #expect(Self.make(name, rows: 0, seed: 1).rows().map { $0 }.isEmpty)
    }

    @Test(arguments: ["medication", "allergydef"])
    func `hand-made fixtures fit their columns`(name: String) {
        let table = FixtureCheck.fixture(name)
        var count = 0
        for row in table.rows() {
            count += 1
            #expect(row.count == table.schema.columns.count)
            for (value, column) in zip(row, table.schema.columns) {
                let problem = FixtureCheck.mismatch(value, column)
                #expect(problem == nil, "\(problem ?? "")")
            }
        }
        #expect(count == table.rowCount)
    }

    @Test func `procedurelog exercises decimals, dates, statuses and text edges`() {
        let table = Fixtures.procedurelog(rows: 10_000, seed: 42)
        let rows = Array(table.rows())
        let fees = rows.map { $0[3] }
        #expect(fees.contains(.decimal(ExactDecimal("0.00")!)))
        #expect(fees.contains(.decimal(ExactDecimal("-25.00")!)))
        #expect(fees.contains { if case .decimal(let d) = $0 { d.isNegative } else { false } })
        #expect(fees.contains { if case .decimal(let d) = $0 { d.description.hasSuffix(".50") } else { false } })
        let statuses = Set(rows.compactMap { $0[4].int64 })
        #expect(statuses == Set(1...8))
        #expect(rows.contains { $0[6] == "" } && rows.contains { $0[6] == "8" })
        #expect(rows.contains { $0[8] == true } && rows.contains { $0[8] == false })

        let stamps = rows.map { $0[9] }
        #expect(stamps.filter { $0 == .timestamp(.zeroDate) }.count >= 10)
        #expect(rows[4][9] == .timestamp(.zeroDate))  // ProcNum 5
        #expect(rows[6][9] == rows[5][9])  // ProcNum 7 ties ProcNum 6
        let real = stamps.compactMap(FixtureCheck.timestamp).filter { $0 != .zeroDate }
        #expect(real.filter { $0.microsecond != 0 }.count > 9000)
        #expect(Set(real).count < real.count)  // ties
        #expect(real.allSatisfy { $0 <= Fixtures.incidentWatermarkTimestamp })
        // Edited in place: the stamp does not follow the key.
        #expect(zip(real, real.dropFirst()).contains { $0 > $1 })

        let zeroDay = Value.date(LocalDate(year: 1, month: 1, day: 1))
        for row in rows {
            if row[4] == 2 {
                #expect(row[10] == row[2] || row[10] == zeroDay, "ProcNum \(row[0]) complete")
            } else {
                #expect(row[10] == .null || row[10] == zeroDay, "ProcNum \(row[0]) not complete")
            }
        }
        #expect(rows.contains { $0[10] == .null } && rows.contains { $0[10] == zeroDay })

        let notes = rows.map { $0[11] }
        #expect(notes.contains(.null) && notes.contains(""))
        #expect(notes.contains { $0.string?.contains("\"it's fine\"") == true })
        #expect(notes.contains { $0.string?.contains("😀") == true })
        #expect(rows[2][11].string?.contains("it's") == true)  // ProcNum 3
        #expect(rows[3][11].string?.contains("患者") == true)  // ProcNum 4
        #expect(rows[7][3] == .decimal(ExactDecimal("-25.00")!))  // ProcNum 8
        #expect(rows[8][3] == .decimal(ExactDecimal("0.00")!))  // ProcNum 9
    }

    @Test func `securitylog is append-only: LogDateTime never decreases`() {
        let rows = Array(Fixtures.securitylog(rows: 20_000, seed: 42).rows())
        let times = rows.map { FixtureCheck.timestamp($0[3])! }
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(zip(times, times.dropFirst()).contains { $0 == $1 })  // ties
        #expect(times[3] == times[2])  // SecurityLogNum 4 shares SecurityLogNum 3's instant
        #expect(rows[0][8] == .timestamp(.zeroDate))
        #expect(rows[1][4].string?.contains("\"Smith, John\" →") == true)
        #expect(rows[2][4].string?.contains("患者") == true)
        #expect(times.filter { $0.microsecond != 0 }.count > 18_000)
        #expect(times.last! <= Fixtures.incidentWatermarkTimestamp)
        let previous = rows.map { $0[8] }
        #expect(previous.filter { $0 == .timestamp(.zeroDate) }.count > 10_000)  // zero date often
        #expect(previous.contains(.null))
        #expect(rows.contains { $0[4].string?.contains("患者") == true })
        #expect(rows.contains { $0[4].string?.contains("'Delta'") == true })
        #expect(rows.contains { $0[4] == "" })
        #expect(rows.contains { $0[5] == 0 } && rows.contains { ($0[5].int64 ?? 0) > 0 })
    }

    @Test(arguments: generated)
    func `rows are generated lazily`(name: String) {
        let clock = ContinuousClock()
        let start = clock.now
        let table = Self.make(name, rows: 5_000_000, seed: 8)
        let first = Array(table.rows().prefix(10))
        let elapsed = clock.now - start
        #expect(first.count == 10)
        #expect(first.map { $0[0] } == (1...10).map { .integer(Int64($0)) })
        #expect(first == Array(Self.make(name, rows: 10, seed: 8).rows()))
        #expect(elapsed < .seconds(1), "taking 10 rows of 5M took \(elapsed)")
    }

    @Test(arguments: generated)
    func `100k rows generate in well under two seconds`(name: String) {
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        for row in Self.make(name, rows: 100_000, seed: 1).rows() where !row.isEmpty { count += 1 }
        let elapsed = clock.now - start
        #expect(count == 100_000)
        #expect(elapsed < .seconds(2), "100k \(name) rows took \(elapsed)")
    }
}
