import TidemarkDatabase

/// Generates Open Dental `securitylog` rows: an audit trail that is only ever appended to, so `LogDateTime`
/// never decreases as `SecurityLogNum` grows (several entries often share one instant). Prefix-stable like
/// ``ProcedureLogGenerator``.
struct SecurityLogGenerator: RowGenerator {
    static let schema = TableSchema(
        name: TableName("securitylog"),
        columns: [
            ColumnDefinition("SecurityLogNum", .bigint, nullable: false),
            ColumnDefinition("PermType", .smallint),
            ColumnDefinition("UserNum", .bigint),
            ColumnDefinition("LogDateTime", .timestamp),
            ColumnDefinition("LogText", .text),
            ColumnDefinition("PatNum", .bigint),
            ColumnDefinition("CompName", .varchar(length: 255)),
            ColumnDefinition("LogSource", .smallint),
            ColumnDefinition("DateTPrevious", .timestamp),
        ],
        primaryKey: ["SecurityLogNum"])

    static let salt: UInt64 = 0x7365_636C_6F67_2121  // "seclog!!"
    static let firstMicros = Clock.micros(2023, 1, 2, 7, 0, 0)
    static let lastMicros = Clock.micros(2025, 10, 10, 22, 0, 0)
    static let zeroStamp = Value.timestamp(.zeroDate)

    /// Permission types an office logs most (Open Dental's `Permissions` enum values).
    static let permTypes: [Int64] = [1, 2, 6, 8, 10, 14, 17, 24, 28, 35, 45, 60, 83, 104, 130, 175, 203]
    static let logSources: [Int64] = [1, 2, 3, 4, 7, 9, 12]
    static let computers: [Value] = [
        "FRONTDESK-01", "FRONTDESK-02", "OP1", "OP2", "OP3", "HYG-ROOM", "DR-SMITH-PC", "BILLING",
        "RÉCEPTION-02", "", "laptop-o'neil",
    ]
    static let texts: [Value] = [
        "Patient Info edited", "Appointment moved from 09:00 to 10:30", "Procedure completed: D1110",
        "Claim sent to carrier", "Payment of $125.50 entered", "Logged on", "Logged off",
        "Medical history viewed", "Rx printed: Amoxicillin 500 mg", "Chart viewed",
        "Account edited: \"Smith, John\" → guarantor changed", "Note edited: it's been\nsplit over two lines",
        "Imaging: C:\\Images\\S\\Smith12\\pano.jpg", "Tab\tseparated\tentry", "Paciente: José Núñez — cita confirmada",
        "患者信息已更新", "Birthday card sent 🎂", "", "Insurance plan changed from 'Delta' to 'MetLife'",
    ]

    var random: SeededRandom
    var previous: Int64 = firstMicros

    init(seed: UInt64) {
        random = SeededRandom(seed: seed, salt: Self.salt)
    }

    /// The earliest moment row `position` may be logged at; strictly increasing with the position.
    static func base(_ position: Int) -> Int64 {
        firstMicros + Int64(Double(lastMicros - firstMicros) * Curve.fraction(position))
    }

    mutating func row(at position: Int) -> [Value] {
        let start = Self.base(position)
        let width = Self.base(position + 1) - start
        var micros = start + (width > 1 ? Int64(random.below(Int(width))) : 0)
        if random.chance(60) || position == 4 { micros = previous }  // logged in the same instant
        micros = max(micros, previous)
        previous = micros

        let patNum: Int64 = random.chance(400) ? 0 : Int64(1 + random.below(50 + position / 20))
        let user: Int64 = random.chance(30) ? 0 : Int64(1 + random.below(25))

        var text = random.pick(Self.texts)
        if position == 2 { text = Self.texts[10] }
        if position == 3 { text = Self.texts[15] }

        var previousEdit: Value
        let previousRoll = random.below(1000)
        let back = Int64(random.below(400)) * Clock.microsecondsPerDay + Int64(random.below(86_400_000_000))
        if previousRoll < 600 || position == 1 {
            previousEdit = Self.zeroStamp
        } else if previousRoll < 620 {
            previousEdit = .null
        } else {
            previousEdit = .timestamp(Clock.timestamp(micros: micros - back))
        }

        return [
            .integer(Int64(position)), .integer(random.pick(Self.permTypes)), .integer(user),
            .timestamp(Clock.timestamp(micros: micros)), text, .integer(patNum), random.pick(Self.computers),
            .integer(random.chance(850) ? 0 : random.pick(Self.logSources)), previousEdit,
        ]
    }
}
