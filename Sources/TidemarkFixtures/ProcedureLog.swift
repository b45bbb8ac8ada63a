import TidemarkDatabase

/// Generates Open Dental `procedurelog` rows: one row per procedure, edited in place, so `DateTStamp` follows
/// the last edit rather than the id. Everything comes from the seed; each row costs a handful of integer
/// operations and picks from prebuilt value pools (no string formatting per row). Nothing depends on the total
/// row count, so a larger table starts with exactly the rows of a smaller one built from the same seed.
struct ProcedureLogGenerator: RowGenerator {
    static let schema = TableSchema(
        name: TableName("procedurelog"),
        columns: [
            ColumnDefinition("ProcNum", .bigint, nullable: false),
            ColumnDefinition("PatNum", .bigint),
            ColumnDefinition("ProcDate", .date),
            ColumnDefinition("ProcFee", .numeric(precision: 10, scale: 2)),
            ColumnDefinition("ProcStatus", .smallint),
            ColumnDefinition("CodeNum", .bigint),
            ColumnDefinition("ToothNum", .varchar(length: 10)),
            ColumnDefinition("Surf", .varchar(length: 10)),
            ColumnDefinition("IsLocked", .boolean),
            ColumnDefinition("DateTStamp", .timestamp),
            ColumnDefinition("DateComplete", .date),
            ColumnDefinition("Note", .text),
        ],
        primaryKey: ["ProcNum"])

    static let salt: UInt64 = 0x7072_6F63_6C6F_6721  // "proclog!"
    static let firstDay = Clock.days(year: 2015, month: 1, day: 2)
    static let lastDay = Clock.days(year: 2025, month: 10, day: 10)
    static let latestStamp = Clock.micros(2025, 10, 10, 23, 59, 59, 999_999)
    static let zeroDate = Value.date(LocalDate(year: 1, month: 1, day: 1))
    static let zeroStamp = Value.timestamp(.zeroDate)

    /// The fee of each procedure code (index = CodeNum), fixed for every seed: a fee schedule does not change
    /// with the data generated from it.
    static let feeSchedule: [Value] = {
        var random = SeededRandom(seed: 0x6665_6573)  // "fees"
        return (0...codeCount).map { _ in
            let dollars = random.within(15...2400)
            let cents = random.chance(600) ? 0 : (random.chance(500) ? 50 : random.below(100))
            return cents2(dollars * 100 + cents)
        }
    }()
    static let codeCount = 420
    static let adjustments: [Value] = [-2500, -1050, -10000, -1, -5733, -1999].map(cents2)
    static let zeroFee = cents2(0)

    /// An exact two-place decimal from a count of cents; only used to build the pools above.
    static func cents2(_ cents: Int) -> Value {
        let magnitude = abs(cents)
        let fraction = magnitude % 100
        let text = (cents < 0 ? "-" : "") + String(magnitude / 100) + "." + (fraction < 10 ? "0" : "")
            + String(fraction)
        return .decimal(ExactDecimal(text)!)
    }

    static let teeth: [Value] = (1...32).map { .text(String($0)) } + "ABCDEFGHIJKLMNOPQRST".map { .text(String($0)) }
    static let surfaces: [Value] = ["O", "MO", "DO", "MOD", "B", "L", "F", "I", "MODL", "MODBL", "BV", "DL"]
    static let quadrants: [Value] = ["UR", "UL", "LR", "LL", "U", "L"]
    static let notes: [Value] = [
        "Pt tolerated procedure well", "Anesthetic: 1 carpule 2% lido w/ epi 1:100,000",
        "Pt said \"it's fine\" — no numbing needed", "Patient's mother present; consent signed",
        "Re-cement crown #8\nTemp: Durelon", "Tab\tseparated\tnote", "Back\\slash C:\\xrays\\pano.jpg",
        "Señora García: próxima cita en 6 meses", "患者不适，建议复诊", "Great visit 😀🦷",
        "Insurance estimate only; see claim", "NULL", "  ",
    ]
    /// ProcStatus 1 TP, 2 C, 3 EC, 4 EO, 5 R, 6 D, 7 Cn, 8 TPi — cumulative weights in thousandths.
    static let statusWeights: [(limit: Int, status: Int64)] = [
        (200, 1), (750, 2), (800, 3), (840, 4), (870, 5), (920, 6), (980, 7), (1000, 8),
    ]

    var random: SeededRandom
    var previousStamp: Value = .null

    init(seed: UInt64) {
        random = SeededRandom(seed: seed, salt: Self.salt)
    }

    mutating func row(at position: Int) -> [Value] {
        let id = Int64(position)
        // The patient list grows with the table.
        let patNum = Int64(1 + random.below(50 + position / 8))

        // Procedures are dated roughly in id order, a few weeks either way, on a curve that never passes the
        // last day however many rows there are (see ``Curve``).
        let planned = Self.firstDay + Int64(Double(Self.lastDay - Self.firstDay) * Curve.fraction(position))
        let day = min(Self.lastDay, max(Self.firstDay, planned + Int64(random.within(-20...20))))
        let procDate = Value.date(Clock.date(days: day))

        let statusRoll = random.below(1000)
        var status: Int64 = 2
        for (limit, s) in Self.statusWeights where statusRoll < limit {
            status = s
            break
        }
        let codeNum = random.chance(500) ? 1 + random.below(40) : 1 + random.below(Self.codeCount)

        var fee: Value
        let feeRoll = random.below(1000)
        if status == 7 || feeRoll < 30 {
            fee = Self.zeroFee
        } else if feeRoll < 42 {
            fee = random.pick(Self.adjustments)
        } else {
            fee = Self.feeSchedule[codeNum]
        }

        var tooth: Value = ""
        var surface: Value = ""
        let toothRoll = random.below(1000)
        if toothRoll < 450 {
            tooth = random.pick(Self.teeth)
            if random.chance(700) { surface = random.pick(Self.surfaces) }
        } else if toothRoll < 550 {
            surface = random.pick(Self.quadrants)
        }

        let isLocked = Value.boolean(status == 2 && random.chance(250))

        let entered = day * Clock.microsecondsPerDay + 7 * 3600 * Clock.microsecondsPerSecond
            + Int64(random.below(12 * 3600 * 1_000_000))
        var fresh = min(entered, Self.latestStamp)
        if random.chance(300) {  // edited again later, in place
            fresh += Int64(random.below(Int(Self.latestStamp - fresh) + 1))
        }
        var stamp: Value
        let stampRoll = random.below(1000)
        if stampRoll < 25, !previousStamp.isNull {
            stamp = previousStamp  // saved in the same transaction as the previous procedure
        } else if stampRoll < 28 {
            stamp = Self.zeroStamp
        } else {
            stamp = .timestamp(Clock.timestamp(micros: fresh))
        }

        var dateComplete: Value = .null
        if status == 2 {
            dateComplete = random.chance(30) ? Self.zeroDate : procDate
        } else if random.chance(150) {
            dateComplete = Self.zeroDate
        }

        var note: Value
        let noteRoll = random.below(1000)
        if noteRoll < 400 {
            note = .null
        } else if noteRoll < 800 {
            note = ""
        } else {
            note = random.pick(Self.notes)
        }

        // A few fixed edges near the start, so even a small generated table holds them.
        switch position {
        case 3: note = Self.notes[2]
        case 4: note = Self.notes[8]
        case 5: stamp = Self.zeroStamp
        case 6: stamp = .timestamp(Clock.timestamp(micros: fresh))
        case 7: stamp = previousStamp
        case 8: fee = Self.adjustments[0]
        case 9: fee = Self.zeroFee
        default: break
        }

        previousStamp = stamp
        return [
            .integer(id), .integer(patNum), procDate, fee, .integer(status), .integer(Int64(codeNum)), tooth,
            surface, isLocked, stamp, dateComplete, note,
        ]
    }
}
