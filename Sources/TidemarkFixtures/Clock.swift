import TidemarkDatabase

/// The generators' clock: timestamps as microseconds since 1970-01-01 00:00:00 (arithmetic in TidemarkDatabase).
enum Clock {
    static let microsecondsPerSecond: Int64 = 1_000_000
    static let microsecondsPerDay: Int64 = 86_400 * microsecondsPerSecond

    /// Days since 1970-01-01 of a calendar date.
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        LocalDate(year: year, month: month, day: day).daysSinceEpoch
    }

    /// The calendar date of a day count since 1970-01-01.
    static func date(days: Int64) -> LocalDate { LocalDate(daysSinceEpoch: days) }

    /// Microseconds since the epoch of a wall-clock time.
    static func micros(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0,
                       _ second: Int = 0, _ microsecond: Int = 0) -> Int64 {
        LocalTimestamp(year: year, month: month, day: day, hour: hour, minute: minute, second: second,
                       microsecond: microsecond).microsecondsSinceEpoch
    }

    /// The wall-clock time of a microsecond count since the epoch.
    static func timestamp(micros: Int64) -> LocalTimestamp { LocalTimestamp(microsecondsSinceEpoch: micros) }

    /// The calendar date holding a microsecond count since the epoch.
    static func date(micros: Int64) -> LocalDate { LocalTimestamp(microsecondsSinceEpoch: micros).date }
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
