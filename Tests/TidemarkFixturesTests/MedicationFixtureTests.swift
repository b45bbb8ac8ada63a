import Testing
import TidemarkDrivers
import TidemarkFixtures
import TidemarkTestSupport

/// The medication and allergydef fixtures reproduce the stale-medication incident's source data.
@Suite struct MedicationFixtureTests {
    let medication = Fixtures.medication()
    let allergydef = Fixtures.allergydef()

    func ts(_ text: String) -> LocalTimestamp { LocalTimestamp(text)! }

    @Test func `medication has the Open Dental columns and key`() {
        let columns = medication.schema.columns
        #expect(medication.schema.name == TableName("medication"))
        #expect(columns.map(\.name) == ["MedicationNum", "MedName", "GenericNum", "Notes", "DateTStamp", "RxCui"])
        #expect(columns.map(\.type) == [.bigint, .varchar(length: 255), .bigint, .text, .timestamp, .bigint])
        #expect(columns.map(\.isNullable) == [false, true, true, true, true, true])
        #expect(medication.schema.primaryKey == ["MedicationNum"])
    }

    @Test func `medication has 1090 rows with ids up to 1545 in key order`() {
        let ids = FixtureCheck.column("MedicationNum", of: medication).map { $0.int64! }
        #expect(medication.rowCount == 1090)
        #expect(ids.count == 1090)
        #expect(ids.first! >= 1)
        #expect(ids.last == 1545)
        #expect(ids.max() == Fixtures.incidentWatermarkKey)
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
        // 1086 rows existed before the four October additions: the 2025-10-06 load's count.
        #expect(ids.filter { $0 <= 1541 }.count == 1086)
        #expect(Array(ids.suffix(4)) == [1542, 1543, 1544, 1545])
    }

    @Test func `the incident's medications carry their names and dates`() throws {
        let rows = FixtureCheck.byID(medication)
        let expected: [(Int64, String, String?)] = [
            (100, "Amoxicillin", "2024-10-29"), (137, "Codeine", "2024-10-29"), (360, "Azithromycin", "2024-10-29"),
            (630, "Morphine Sulfate", "2024-10-29"), (1515, "Aspirin", "2025-09-23"), (171, "", "2025-10-09"),
            (1542, "Teriparatide", "2025-10-08"), (1543, "Tafamidis Meglumine", "2025-10-08"),
            (1544, "Vyndaqel", "2025-10-08"), (1545, "Vyndamax", "2025-10-08"),
        ]
        for (id, name, day) in expected {
            let row = try #require(rows[id], "medication \(id) is missing")
            if !name.isEmpty { #expect(row[1] == .text(name), "name of \(id)") }
            let stamp = try #require(FixtureCheck.timestamp(row[4]), "DateTStamp of \(id)")
            #expect(stamp.date.description == day, "DateTStamp of \(id)")
        }
        #expect(rows[171]?[1].string?.isEmpty == false)
        // The brands point at their generic.
        #expect(rows[1544]?[2] == 1543)
        #expect(rows[1545]?[2] == 1543)
        #expect(rows[100]?[2] == 100)
    }

    @Test func `no DateTStamp is after the incident's watermark`() {
        let watermark = Fixtures.incidentWatermarkTimestamp
        #expect(watermark.description == "2025-10-11 23:10:58.906547")
        let stamps = FixtureCheck.column("DateTStamp", of: medication).compactMap(FixtureCheck.timestamp)
        #expect(stamps.allSatisfy { $0 <= watermark })
        #expect(stamps.max()! < watermark)
        // The incident's WHERE selects nothing: neither branch of the OR matches a row.
        let selected = medication.rows().filter { row in
            row[0].int64! > Fixtures.incidentWatermarkKey
                || FixtureCheck.timestamp(row[4]).map { $0 > watermark && $0 != .zeroDate } == true
        }
        #expect(selected.isEmpty)
    }

    @Test func `only the surviving ids are newer than the last good load`() {
        // What an incremental run after the 2025-10-06 load would have picked up: exactly the stale tail.
        let lastGoodLoad = ts("2025-10-06 20:04:51")
        let tail = medication.rows().filter { row in
            row[0].int64! > 1541 || FixtureCheck.timestamp(row[4]).map { $0 > lastGoodLoad } == true
        }
        #expect(tail.map { $0[0].int64! } == Fixtures.incidentSurvivingIDs)
    }

    @Test func `medication exercises NULLs, empty strings, zero dates, ties and awkward text`() {
        let rows = FixtureCheck.byID(medication)
        let notes = FixtureCheck.column("Notes", of: medication)
        #expect(notes.contains(.null))
        #expect(notes.filter { $0 == "" }.count > 500)  // mostly empty strings
        #expect(notes.contains("NULL"))
        #expect(rows[40]?[3].string?.contains("don't") == true)
        #expect(rows[41]?[3].string?.contains("\"the pink one\"") == true)
        #expect(rows[42]?[3].string?.contains("\n") == true)
        #expect(rows[43]?[3].string?.contains("\t") == true)
        #expect(rows[44]?[3].string?.contains("\\") == true)
        #expect(rows[45]?[3].string?.contains("中文") == true)
        #expect(rows[45]?[3].string?.contains("🦷") == true)
        #expect(rows[46]?[3].string?.contains("\r\n") == true)
        #expect(rows[48]?[3] == "   ")
        #expect(rows[50]?[3] == .null)
        #expect(rows[70]?[1] == "")
        #expect(rows[71]?[1] == "St. John's Wort")

        let stamps = FixtureCheck.column("DateTStamp", of: medication)
        for id: Int64 in [7, 333, 888, 1300] { #expect(rows[id]?[4] == .timestamp(.zeroDate), "zero date at \(id)") }
        for id: Int64 in [12, 505, 1207] { #expect(rows[id]?[4] == .null, "NULL DateTStamp at \(id)") }
        #expect(stamps.filter { $0 == .timestamp(.zeroDate) }.count == 4)
        #expect(stamps.filter(\.isNull).count == 3)
        // Most stamps are spread over 2012–2025 and carry microseconds.
        let real = stamps.compactMap(FixtureCheck.timestamp).filter { $0 != .zeroDate }
        #expect(real.min()!.date.year == 2012)
        #expect(real.filter { $0.microsecond != 0 }.count > 1000)

        // Ties: rows sharing one exact timestamp.
        let upgrade = Value.timestamp(ts("2024-10-29 09:41:27"))
        #expect(rows.filter { $0.value[4] == upgrade }.keys.sorted() == [100, 101, 137, 250, 360, 630, 777, 1010])
        let batch = Value.timestamp(ts("2019-06-03 16:05:44.25"))
        #expect(rows.filter { $0.value[4] == batch }.keys.sorted() == [240, 241, 242, 243, 244])
        #expect(rows[1544]?[4] == rows[1545]?[4])

        let rxCui = FixtureCheck.column("RxCui", of: medication)
        #expect(rxCui.contains(0))
        #expect(rxCui.contains(.null))
        #expect(rows[60]?[5] == 0)
        #expect(rows[62]?[5] == .null)
        #expect(rxCui.filter { ($0.int64 ?? 0) > 0 }.count > 1000)
    }

    @Test func `GenericNum is the row itself or another existing medication`() {
        let rows = FixtureCheck.byID(medication)
        let generics = rows.map { ($0.key, $0.value[2].int64!) }
        #expect(generics.allSatisfy { rows[$0.1] != nil })
        let selfGeneric = generics.filter { $0.0 == $0.1 }.count
        #expect(selfGeneric > 600 && selfGeneric < 1000)
    }

    @Test func `medication is the same on every call`() {
        #expect(Array(medication.rows()) == Array(Fixtures.medication().rows()))
    }

    @Test func `allergydef references the medications the stale target lost`() throws {
        #expect(allergydef.schema.columns.map(\.name)
            == ["AllergyDefNum", "Description", "IsHidden", "DateTStamp", "SnomedType", "MedicationNum", "UniiCode"])
        #expect(allergydef.schema.columns.map(\.type)
            == [.bigint, .varchar(length: 255), .boolean, .timestamp, .smallint, .bigint, .varchar(length: 255)])
        #expect(allergydef.rowCount == 21)
        let rows = FixtureCheck.byID(allergydef)
        #expect(rows.count == 21)
        let references: [Int64: Int64] = [3: 1515, 4: 137, 8: 100, 67: 630, 69: 360]
        for (id, row) in rows {
            #expect(row[5] == .integer(references[id] ?? 0), "MedicationNum of allergydef \(id)")
        }
        #expect(Set(references.values) == Set(Fixtures.incidentMissingReferencedIDs))
        let medications = FixtureCheck.byID(medication)
        for id in Fixtures.incidentMissingReferencedIDs { #expect(medications[id] != nil) }
        for id in Fixtures.incidentSurvivingIDs { #expect(medications[id] != nil) }
        #expect(Set(Fixtures.incidentSurvivingIDs).isDisjoint(with: Fixtures.incidentMissingReferencedIDs))
        #expect(rows[8]?[1] == "Penicillin or Other Antibiotics")
        #expect(rows[69]?[1] == "Azithromycin/ZPak")

        let hidden = FixtureCheck.column("IsHidden", of: allergydef)
        #expect(hidden.contains(true) && hidden.contains(false))
        let unii = FixtureCheck.column("UniiCode", of: allergydef)
        #expect(unii.contains("") && unii.contains(.null))
        let stamps = FixtureCheck.column("DateTStamp", of: allergydef)
        #expect(stamps.contains(.timestamp(.zeroDate)))
        #expect(stamps.compactMap(FixtureCheck.timestamp).allSatisfy { $0 <= Fixtures.incidentWatermarkTimestamp })
        #expect(FixtureCheck.column("SnomedType", of: allergydef).contains(.null))
        // The ids Fixtures/README.md names.
        #expect(rows.filter { $0.value[2] == true }.keys.sorted() == [5, 10, 15, 68, 79])
        #expect(rows.filter { $0.value[3] == .timestamp(.zeroDate) }.keys.sorted() == [5, 10, 16])
        #expect(rows.filter { $0.value[6] == .null }.keys.sorted() == [5, 9, 14, 68])
        #expect(rows.filter { $0.value[4] == .null }.keys.sorted() == [14, 79])
        #expect(rows[79]?[1] == "")
        #expect(rows[1]?[3] == rows[8]?[3] && rows[2]?[3] == rows[8]?[3] && rows[67]?[3] == rows[68]?[3])
    }
}
