import TidemarkDatabase

/// The `allergydef` fixture: 21 allergy definitions. Five of them point at medications (3, 4, 8, 67, 69);
/// every other row has `MedicationNum = 0`, Open Dental's "no medication".
enum AllergyDefFixture {
    static let schema = TableSchema(
        name: TableName("allergydef"),
        columns: [
            ColumnDefinition("AllergyDefNum", .bigint, nullable: false),
            ColumnDefinition("Description", .varchar(length: 255)),
            ColumnDefinition("IsHidden", .boolean),
            ColumnDefinition("DateTStamp", .timestamp),
            ColumnDefinition("SnomedType", .smallint),
            ColumnDefinition("MedicationNum", .bigint),
            ColumnDefinition("UniiCode", .varchar(length: 255)),
        ],
        primaryKey: ["AllergyDefNum"])

    static func at(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, _ us: Int) -> Value {
        .timestamp(LocalTimestamp(year: y, month: mo, day: d, hour: h, minute: mi, second: s, microsecond: us))
    }

    static let zero = Value.timestamp(.zeroDate)

    // AllergyDefNum, Description, IsHidden, DateTStamp, SnomedType, MedicationNum, UniiCode
    static let rows: [[Value]] = [
        [1, "Latex", false, at(2013, 5, 14, 10, 2, 11, 0), 3, 0, ""],
        [2, "Sulfa Drugs", false, at(2013, 5, 14, 10, 2, 11, 0), 5, 0, ""],
        [3, "Aspirin", false, at(2016, 2, 9, 15, 44, 3, 517_201), 5, 1515, "R16CO5Y76E"],
        [4, "Codeine", false, at(2014, 8, 21, 9, 13, 50, 80_412), 5, 137, "UX6OWY2V7J"],
        [5, "Iodine", true, zero, 4, 0, .null],
        [6, "Ibuprofen/NSAIDs", false, at(2017, 11, 2, 12, 0, 0, 1), 6, 0, ""],
        [7, "Erythromycin", false, at(2015, 3, 30, 8, 59, 59, 999_999), 5, 0, ""],
        [8, "Penicillin or Other Antibiotics", false, at(2013, 5, 14, 10, 2, 11, 0), 5, 100, "804826J2HU"],
        [9, "Shellfish", false, at(2018, 7, 19, 16, 27, 8, 304_118), 7, 0, .null],
        [10, "Peanuts", true, zero, 7, 0, ""],
        [11, "Nickel (jewelry, crowns)", false, at(2019, 1, 8, 11, 31, 45, 662_090), 4, 0, ""],
        [12, "Acrylic/Methyl Methacrylate", false, at(2020, 6, 23, 14, 5, 17, 250_000), 3, 0, ""],
        [13, "Chlorhexidine (Peridex®)", false, at(2021, 9, 14, 13, 48, 22, 717_003), 4, 0, ""],
        [14, "Local Anesthetic – ester type (Benzocaine)", false, at(2022, 4, 5, 9, 20, 1, 33), .null, 0, .null],
        [15, "Bee Stings", true, at(2023, 2, 27, 17, 55, 40, 120_554), 9, 0, ""],
        [16, "Patient's \"seasonal\" allergies", false, zero, 0, 0, ""],
        [67, "Morphine", false, at(2024, 3, 11, 10, 40, 4, 491_327), 5, 630, "76I7G6D29C"],
        [68, "Epinephrine\tsensitivity\n(palpitations)", true, at(2024, 3, 11, 10, 40, 4, 491_327), 6, 0, .null],
        [69, "Azithromycin/ZPak", false, at(2024, 10, 29, 9, 41, 27, 0), 5, 360, "J2KLZ20U1M"],
        [70, "Pénicilline (allergie) / 青霉素", false, at(2025, 6, 2, 8, 3, 12, 904_775), 5, 0, ""],
        [79, "", true, at(2025, 9, 30, 18, 14, 55, 5), .null, 0, ""],
    ]

    static let table = FixtureTable(schema: schema, storedRows: rows)
}
