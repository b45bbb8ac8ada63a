/// Calendar arithmetic on local dates and timestamps, without Foundation or time zones (proleptic Gregorian
/// calendar, Howard Hinnant's days-from-civil algorithms).
extension LocalDate {
    /// Days since 1970-01-01 (negative before).
    public var daysSinceEpoch: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` after 1970-01-01.
    public init(daysSinceEpoch days: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(year: Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0)), month: Int(month), day: Int(day))
    }
}

extension LocalTimestamp {
    static let microsecondsPerDay: Int64 = 86_400_000_000

    /// Microseconds since 1970-01-01 00:00:00.
    public var microsecondsSinceEpoch: Int64 {
        date.daysSinceEpoch * Self.microsecondsPerDay
            + Int64(hour * 3600 + minute * 60 + second) * 1_000_000 + Int64(microsecond)
    }

    /// The timestamp `micros` microseconds after 1970-01-01 00:00:00.
    public init(microsecondsSinceEpoch micros: Int64) {
        var days = micros / Self.microsecondsPerDay
        var rest = micros % Self.microsecondsPerDay
        if rest < 0 {
            days -= 1
            rest += Self.microsecondsPerDay
        }
        let seconds = Int(rest / 1_000_000)
        self.init(date: LocalDate(daysSinceEpoch: days), hour: seconds / 3600, minute: seconds / 60 % 60,
                  second: seconds % 60, microsecond: Int(rest % 1_000_000))
    }

    /// This timestamp moved by whole seconds; never before the zero date.
    public func adding(seconds: Int) -> LocalTimestamp {
        let moved = LocalTimestamp(microsecondsSinceEpoch: microsecondsSinceEpoch + Int64(seconds) * 1_000_000)
        return moved < .zeroDate ? .zeroDate : moved
    }
}
