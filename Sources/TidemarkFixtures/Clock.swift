import TidemarkDatabase

/// Integer calendar arithmetic for the generators: timestamps are handled as microseconds since
/// 1970-01-01 00:00:00 and turned into `LocalTimestamp` without Foundation (proleptic Gregorian calendar,
/// H. Hinnant's days-from-civil algorithms).
enum Clock {
    static let microsecondsPerSecond: Int64 = 1_000_000
    static let microsecondsPerDay: Int64 = 86_400 * microsecondsPerSecond

    /// Days since 1970-01-01 of a calendar date.
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The calendar date of a day count since 1970-01-01.
    static func date(days: Int64) -> LocalDate {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return LocalDate(year: Int(year), month: Int(month), day: Int(day))
    }

    /// Microseconds since the epoch of a wall-clock time.
    static func micros(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0,
                       _ second: Int = 0, _ microsecond: Int = 0) -> Int64 {
        days(year: year, month: month, day: day) * microsecondsPerDay
            + Int64(hour * 3600 + minute * 60 + second) * microsecondsPerSecond + Int64(microsecond)
    }

    /// The wall-clock time of a microsecond count since the epoch.
    static func timestamp(micros: Int64) -> LocalTimestamp {
        var days = micros / microsecondsPerDay
        var rest = micros % microsecondsPerDay
        if rest < 0 {
            days -= 1
            rest += microsecondsPerDay
        }
        let seconds = Int(rest / microsecondsPerSecond)
        return LocalTimestamp(date: date(days: days), hour: seconds / 3600, minute: seconds / 60 % 60,
                              second: seconds % 60, microsecond: Int(rest % microsecondsPerSecond))
    }

    /// The calendar date holding a microsecond count since the epoch.
    static func date(micros: Int64) -> LocalDate {
        date(days: micros >= 0 ? micros / microsecondsPerDay : (micros + 1) / microsecondsPerDay - 1)
    }
}

/// How far through a generated table's time range row `position` sits: about linear for the first tens of
/// thousands of rows, then flattening so that no row count ever runs past the end. It depends on the position
/// alone, which keeps generated tables prefix-stable.
enum Curve {
    static let halfway = 20_000.0

    static func fraction(_ position: Int) -> Double {
        let p = Double(position - 1)
        return p / (p + halfway)
    }
}
