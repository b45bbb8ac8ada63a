import TidemarkDatabase

/// The `medication` fixture: 1090 rows with ids between 1 and 1545, shaped like the clinic's table at the time
/// of the stale-state incident. Every id the incident names, and every edge value, sits at a fixed id (listed
/// in `Fixtures/README.md`); the remaining ids and their values come from one fixed seed.
enum MedicationFixture {
    static let schema = TableSchema(
        name: TableName("medication"),
        columns: [
            ColumnDefinition("MedicationNum", .bigint, nullable: false),
            ColumnDefinition("MedName", .varchar(length: 255)),
            ColumnDefinition("GenericNum", .bigint),
            ColumnDefinition("Notes", .text),
            ColumnDefinition("DateTStamp", .timestamp),
            ColumnDefinition("RxCui", .bigint),
        ],
        primaryKey: ["MedicationNum"])

    static let rowCount = 1090
    static let maxID: Int64 = 1545
    /// The highest id that existed before the four October 2025 additions.
    static let lastIDBeforeIncident: Int64 = 1541
    /// No generated row is stamped after this, so only the incident's named rows are recent.
    static let latestOrdinaryStamp = Clock.micros(2025, 10, 5, 23, 59, 59, 999_999)

    /// The rows the incident names, with the values it records.
    struct Named {
        let name: String
        let generic: Int64
        let notes: Value
        let stamp: LocalTimestamp
        let rxCui: Value
    }

    static let officeUpgradeStamp = LocalTimestamp(year: 2024, month: 10, day: 29, hour: 9, minute: 41, second: 27)
    static let batchImportStamp = LocalTimestamp(
        year: 2019, month: 6, day: 3, hour: 16, minute: 5, second: 44, microsecond: 250_000)
    static let tafamidisStamp = LocalTimestamp(
        year: 2025, month: 10, day: 8, hour: 11, minute: 52, second: 36, microsecond: 770_291)

    static let named: [Int64: Named] = [
        100: Named(name: "Amoxicillin", generic: 100, notes: "Premedication: 2 g 1 hour before appointment",
                   stamp: officeUpgradeStamp, rxCui: 723),
        137: Named(name: "Codeine", generic: 137, notes: "", stamp: officeUpgradeStamp, rxCui: 2670),
        171: Named(name: "Chlorhexidine Gluconate 0.12% Oral Rinse", generic: 171,
                   notes: "Rinse 15 mL for 30 seconds twice daily — updated by front desk",
                   stamp: LocalTimestamp(year: 2025, month: 10, day: 9, hour: 14, minute: 22, second: 31,
                                         microsecond: 118_204),
                   rxCui: 1_000_078),
        360: Named(name: "Azithromycin", generic: 360, notes: "Z-Pak", stamp: officeUpgradeStamp, rxCui: 18631),
        630: Named(name: "Morphine Sulfate", generic: 630, notes: "", stamp: officeUpgradeStamp, rxCui: 7052),
        1515: Named(name: "Aspirin", generic: 1515, notes: "81 mg daily",
                    stamp: LocalTimestamp(year: 2025, month: 9, day: 23, hour: 10, minute: 7, second: 45,
                                          microsecond: 663_012),
                    rxCui: 1191),
        1542: Named(name: "Teriparatide", generic: 1542, notes: "",
                    stamp: LocalTimestamp(year: 2025, month: 10, day: 8, hour: 11, minute: 48, second: 2,
                                          microsecond: 115_730),
                    rxCui: 110_634),
        1543: Named(name: "Tafamidis Meglumine", generic: 1543, notes: "",
                    stamp: LocalTimestamp(year: 2025, month: 10, day: 8, hour: 11, minute: 50, second: 19,
                                          microsecond: 402_186),
                    rxCui: 1_804_808),
        1544: Named(name: "Vyndaqel", generic: 1543, notes: "", stamp: tafamidisStamp, rxCui: 1_804_813),
        1545: Named(name: "Vyndamax", generic: 1543, notes: "", stamp: tafamidisStamp, rxCui: 2_198_439),
    ]

    // Edge values at fixed ids.
    static let zeroDateIDs: Set<Int64> = [7, 333, 888, 1300]
    static let nullDateIDs: Set<Int64> = [12, 505, 1207]
    /// Share ``officeUpgradeStamp`` with 100, 137, 360 and 630.
    static let officeUpgradeIDs: Set<Int64> = [101, 250, 777, 1010]
    /// Share ``batchImportStamp``.
    static let batchImportIDs: Set<Int64> = [240, 241, 242, 243, 244]
    static let edgeNotes: [Int64: String] = [
        40: "Take with food; don't crush or chew",
        41: "Patient calls it \"the pink one\"",
        42: "Line one\nLine two\nLine three",
        43: "Dose:\t1 tab\tq6h",
        44: "Imported from C:\\OpenDental\\Import\\rx.csv",
        45: "Café au lait — Müller; 中文说明; 💊🦷",
        46: "Windows line\r\nending",
        47: "NULL",
        48: "   ",
        49: "O'Brien wrote \"\\n\" literally, then a tab:\t",
    ]
    static let nullNotesIDs: Set<Int64> = [50, 51]
    static let zeroRxCuiIDs: Set<Int64> = [60, 61]
    static let nullRxCuiIDs: Set<Int64> = [62, 63]
    static let emptyNameID: Int64 = 70
    /// Ids 71, 72, … carry ``DrugNames/awkward`` in order.
    static let firstAwkwardNameID: Int64 = 71

    /// Ids that always exist, whatever the seed picks.
    static var pinnedIDs: Set<Int64> {
        var ids = Set(named.keys).union(zeroDateIDs).union(nullDateIDs).union(officeUpgradeIDs)
            .union(batchImportIDs).union(edgeNotes.keys).union(nullNotesIDs).union(zeroRxCuiIDs).union(nullRxCuiIDs)
        ids.insert(emptyNameID)
        for i in 0..<DrugNames.awkward.count { ids.insert(firstAwkwardNameID + Int64(i)) }
        return ids
    }

    static let seed: UInt64 = 0x6D65_6469_6361_7469  // "medicati"

    static let table = FixtureTable(schema: schema, storedRows: makeRows())

    static func makeRows() -> [[Value]] {
        var random = SeededRandom(seed: seed)
        let pinned = pinnedIDs
        // Which of the other pre-incident ids survive: a seeded shuffle, the first ones kept.
        var candidates = (1...lastIDBeforeIncident).filter { !pinned.contains($0) }
        random.shuffle(&candidates)
        let ids = (pinned.union(candidates.prefix(rowCount - pinned.count))).sorted()
        precondition(ids.count == rowCount && ids.last == maxID)

        var rows: [[Value]] = []
        rows.reserveCapacity(rowCount)
        for (index, id) in ids.enumerated() {
            if let n = named[id] {
                rows.append([.integer(id), .text(n.name), .integer(n.generic), n.notes, .timestamp(n.stamp), n.rxCui])
                continue
            }
            rows.append([
                .integer(id), name(for: id, random: &random), genericNum(for: id, earlier: ids[..<index], random: &random),
                notes(for: id, random: &random), stamp(for: id, random: &random), rxCui(for: id, random: &random),
            ])
        }
        return rows
    }

    static func name(for id: Int64, random: inout SeededRandom) -> Value {
        if id == emptyNameID { return "" }
        let awkward = Int(id - firstAwkwardNameID)
        if DrugNames.awkward.indices.contains(awkward) { return .text(DrugNames.awkward[awkward]) }
        let base = random.chance(650) ? random.pick(DrugNames.generic) : random.pick(DrugNames.brand)
        let strength = random.pick(DrugNames.strengths)
        return .text(strength.isEmpty ? base : base + " " + strength)
    }

    /// Mostly the row itself (a generic); otherwise an earlier row (a brand pointing at its generic).
    static func genericNum(for id: Int64, earlier: ArraySlice<Int64>, random: inout SeededRandom) -> Value {
        if earlier.isEmpty || random.chance(700) { return .integer(id) }
        return .integer(earlier[earlier.startIndex + random.below(earlier.count)])
    }

    static func notes(for id: Int64, random: inout SeededRandom) -> Value {
        if let edge = edgeNotes[id] { return .text(edge) }
        if nullNotesIDs.contains(id) { return .null }
        let roll = random.below(1000)
        if roll < 80 { return .null }
        if roll < 200 { return .text(random.pick(DrugNames.notes)) }
        return ""
    }

    /// Older ids were created earlier; about a third were edited again some time later. All before
    /// ``latestOrdinaryStamp``.
    static func stamp(for id: Int64, random: inout SeededRandom) -> Value {
        if zeroDateIDs.contains(id) { return .timestamp(.zeroDate) }
        if nullDateIDs.contains(id) { return .null }
        if officeUpgradeIDs.contains(id) { return .timestamp(officeUpgradeStamp) }
        if batchImportIDs.contains(id) { return .timestamp(batchImportStamp) }
        let first = Clock.micros(2012, 1, 3, 8)
        let created = first + (latestOrdinaryStamp - first) / maxID * (id - 1)
        let room = latestOrdinaryStamp - created
        let window = random.chance(330) ? room : min(room, 120 * Clock.microsecondsPerDay)
        return .timestamp(Clock.timestamp(micros: created + Int64(random.below(Int(window) + 1))))
    }

    static func rxCui(for id: Int64, random: inout SeededRandom) -> Value {
        if zeroRxCuiIDs.contains(id) { return 0 }
        if nullRxCuiIDs.contains(id) { return .null }
        let roll = random.below(1000)
        if roll < 30 { return 0 }
        if roll < 50 { return .null }
        return .integer(Int64(random.within(100...2_700_000)))
    }
}
