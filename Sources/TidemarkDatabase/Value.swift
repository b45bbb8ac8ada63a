/// One database value, in the small model every driver, the loader and the simulator share.
///
/// The model is deliberately narrower than either engine's type system: whatever a column holds is mapped
/// to one of these cases, and a value written through one driver reads back equal through the other.
/// Exact decimals and timestamps are kept as exact values (never rounded through a `Double`).
public enum Value: Sendable, Hashable {
    case null
    case integer(Int64)
    case double(Double)
    case decimal(ExactDecimal)
    case text(String)
    case bytes([UInt8])
    case boolean(Bool)
    case date(LocalDate)
    case timestamp(LocalTimestamp)

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value as a 64-bit integer when it is one (or a boolean, as 0/1).
    public var int64: Int64? {
        switch self {
        case .integer(let v): return v
        case .boolean(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// The value as text when it is text.
    public var string: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    /// A short name of the case, for messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .integer: return "integer"
        case .double: return "double"
        case .decimal: return "decimal"
        case .text: return "text"
        case .bytes: return "bytes"
        case .boolean: return "boolean"
        case .date: return "date"
        case .timestamp: return "timestamp"
        }
    }
}

extension Value: ExpressibleByNilLiteral, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self = .boolean(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension Value: CustomStringConvertible {
    /// A readable rendering for reports and test failures. Never used to build SQL.
    public var description: String {
        switch self {
        case .null: return "NULL"
        case .integer(let v): return String(v)
        case .double(let v): return String(v)
        case .decimal(let d): return d.description
        case .text(let s): return "'" + s + "'"
        case .bytes(let b): return "x'" + b.map { hexByte($0) }.joined() + "'"
        case .boolean(let b): return b ? "true" : "false"
        case .date(let d): return d.description
        case .timestamp(let t): return t.description
        }
    }
}

func hexByte(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
}

// MARK: - Exact decimal

/// An exact decimal number with its scale, as PostgreSQL `numeric(p,s)` holds it: `12.50` keeps two digits
/// after the point and is a different value from `12.5` for comparison purposes.
public struct ExactDecimal: Sendable, Hashable, CustomStringConvertible {
    /// True for values below zero (zero is never negative).
    public let isNegative: Bool
    /// The unscaled magnitude as decimal digits, without leading zeros ("0" for zero).
    public let digits: String
    /// Digits after the decimal point.
    public let scale: Int

    /// Parses `[+-]digits[.digits]`. Returns nil for anything else (exponents, NaN, empty strings).
    public init?(_ text: String) {
        var s = Substring(text.trimming(" "))
        var negative = false
        if s.first == "-" || s.first == "+" {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty),
            whole.allSatisfy({ $0.isASCII && $0.isNumber }),
            fraction.allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        var unscaled = String(whole + fraction).drop { $0 == "0" }
        if unscaled.isEmpty { unscaled = "0" }
        self.digits = String(unscaled)
        self.scale = fraction.count
        self.isNegative = negative && self.digits != "0"
    }

    public init(_ value: Int64) {
        self.init(String(value))!
    }

    public var description: String {
        var body = digits
        if scale > 0 {
            if body.count <= scale { body = String(repeating: "0", count: scale - body.count + 1) + body }
            body.insert(".", at: body.index(body.endIndex, offsetBy: -scale))
        }
        return (isNegative ? "-" : "") + body
    }
}

extension StringProtocol {
    func trimming(_ character: Character) -> Substring {
        var s = Substring(self)
        while s.first == character { s = s.dropFirst() }
        while s.last == character { s = s.dropLast() }
        return s
    }
}

// MARK: - Dates and timestamps

/// A calendar date without a time zone (`date`).
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: String) {
        let fields = text.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 3, fields[0].count == 4, fields[1].count == 2, fields[2].count == 2,
            let y = Int(fields[0]), let m = Int(fields[1]), let d = Int(fields[2]),
            (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var description: String {
        pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }
}

/// A timestamp without time zone, to the microsecond (`timestamp` / Open Dental's `datetime`).
///
/// Its text form is `YYYY-MM-DD HH:MM:SS` followed by `.ffffff` when the microseconds are not zero. That one
/// spelling per instant is what Tidemark writes to SQLite, so text comparison there orders like time.
public struct LocalTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let date: LocalDate
    public let hour: Int
    public let minute: Int
    public let second: Int
    public let microsecond: Int

    public init(date: LocalDate, hour: Int = 0, minute: Int = 0, second: Int = 0, microsecond: Int = 0) {
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
    }

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
                microsecond: Int = 0) {
        self.init(date: LocalDate(year: year, month: month, day: day), hour: hour, minute: minute,
                  second: second, microsecond: microsecond)
    }

    /// Open Dental's "no date" (MySQL's zero date as it arrives in analytics). Never advances a cursor.
    public static let zeroDate = LocalTimestamp(year: 1, month: 1, day: 1)

    /// Parses `YYYY-MM-DD[ T]HH:MM:SS[.f…]` (one to six fraction digits) or a bare date.
    public init?(_ text: String) {
        let trimmed = String(text.trimming(" "))
        guard trimmed.count >= 10, let date = LocalDate(String(trimmed.prefix(10))) else { return nil }
        let rest = trimmed.dropFirst(10)
        if rest.isEmpty {
            self.init(date: date)
            return
        }
        guard rest.first == " " || rest.first == "T" else { return nil }
        let time = rest.dropFirst()
        let clockAndFraction = time.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let clock = clockAndFraction[0].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, clock.allSatisfy({ $0.count == 2 }),
            let h = Int(clock[0]), let mi = Int(clock[1]), let s = Int(clock[2]),
            (0...23).contains(h), (0...59).contains(mi), (0...60).contains(s)
        else { return nil }
        var micros = 0
        if clockAndFraction.count == 2 {
            let fraction = clockAndFraction[1]
            guard (1...6).contains(fraction.count), fraction.allSatisfy({ $0.isASCII && $0.isNumber }),
                let f = Int(fraction)
            else { return nil }
            micros = f * Int(pow10(6 - fraction.count))
        }
        self.init(date: date, hour: h, minute: mi, second: s, microsecond: micros)
    }

    public var description: String {
        var text = date.description + " " + pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2)
        if microsecond != 0 { text += "." + pad(microsecond, 6) }
        return text
    }

    public static func < (a: LocalTimestamp, b: LocalTimestamp) -> Bool {
        (a.date, a.hour, a.minute, a.second, a.microsecond) < (b.date, b.hour, b.minute, b.second, b.microsecond)
    }
}

private func pow10(_ n: Int) -> Int {
    var r = 1
    for _ in 0..<n { r *= 10 }
    return r
}

func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
