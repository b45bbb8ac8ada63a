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
        var text = text
        guard let parsed = text.withUTF8({ ExactDecimal(utf8: $0) }) else { return nil }
        self = parsed
    }

    /// The same from UTF-8 bytes, without building a String first (drivers decode every decimal here).
    public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        var start = 0
        while start < bytes.count, bytes[start] == UInt8(ascii: " ") { start += 1 }
        var negative = false
        if start < bytes.count, bytes[start] == UInt8(ascii: "-") || bytes[start] == UInt8(ascii: "+") {
            negative = bytes[start] == UInt8(ascii: "-")
            start += 1
        }
        var point: Int?
        var digitCount = 0
        for index in start..<bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digitCount += 1
            case UInt8(ascii: ".") where point == nil: point = index
            default: return nil
            }
        }
        guard digitCount > 0 else { return nil }
        // The unscaled digits: every digit in order, leading zeros dropped.
        var unscaled: [UInt8] = []
        unscaled.reserveCapacity(digitCount)
        for index in start..<bytes.count where index != point {
            if unscaled.isEmpty && bytes[index] == UInt8(ascii: "0") { continue }
            unscaled.append(bytes[index])
        }
        self.digits = unscaled.isEmpty ? "0" : String(decoding: unscaled, as: UTF8.self)
        self.scale = point.map { bytes.count - $0 - 1 } ?? 0
        self.isNegative = negative && !unscaled.isEmpty
    }

    public init(_ value: Int64) {
        self.init(String(value))!
    }

    init(isNegative: Bool, digits: String, scale: Int) {
        let trimmed = digits.drop { $0 == "0" }
        self.digits = trimmed.isEmpty ? "0" : String(trimmed)
        self.scale = scale
        self.isNegative = isNegative && !trimmed.isEmpty
    }

    /// Also reads an exponent: `1.5e-7`, `2E10`.
    public init?(scientific text: String) {
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
            self.init(text)
            return
        }
        guard let mantissa = ExactDecimal(String(text[..<e])), let exponent = Int(text[text.index(after: e)...]),
            abs(exponent) <= 1000
        else { return nil }
        if exponent >= 0 {
            let shift = min(exponent, mantissa.scale)
            self.init(isNegative: mantissa.isNegative,
                      digits: mantissa.digits + String(repeating: "0", count: exponent - shift),
                      scale: mantissa.scale - shift)
        } else {
            self.init(isNegative: mantissa.isNegative, digits: mantissa.digits, scale: mantissa.scale - exponent)
        }
    }

    /// The shortest decimal that reads back as `value` (finite): what the double "is" to the people who stored
    /// it, e.g. `12.5` for the REAL SQLite keeps for `12.50`.
    public init(shortest value: Double) {
        self = ExactDecimal(scientific: String(value)) ?? ExactDecimal(0)
    }

    /// The same number with `scale` digits after the point, or nil when that would drop a non-zero digit.
    public func scaledExactly(to scale: Int) -> ExactDecimal? {
        if scale >= self.scale {
            return ExactDecimal(isNegative: isNegative, digits: digits + String(repeating: "0", count: scale - self.scale),
                                scale: scale)
        }
        let dropped = self.scale - scale
        guard digits == "0" || (digits.count >= dropped && digits.suffix(dropped).allSatisfy { $0 == "0" }) else {
            return nil
        }
        return ExactDecimal(isNegative: isNegative, digits: digits == "0" ? "0" : String(digits.dropLast(dropped)),
                            scale: scale)
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
    // Stored narrow so a `Value` stays small: every row in flight holds a dozen of them.
    private let storedYear: Int32
    private let storedMonth: UInt8
    private let storedDay: UInt8

    public var year: Int { Int(storedYear) }
    public var month: Int { Int(storedMonth) }
    public var day: Int { Int(storedDay) }

    public init(year: Int, month: Int, day: Int) {
        self.storedYear = Int32(clamping: year)
        self.storedMonth = UInt8(clamping: month)
        self.storedDay = UInt8(clamping: day)
    }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: String) {
        var text = text
        guard let date = text.withUTF8({ Self.parse($0) }) else {
            return nil
        }
        self = date
    }

    /// Exactly `YYYY-MM-DD` in UTF-8 bytes, without building a String first.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> LocalDate? {
        bytes.count == 10 ? parse(bytes, at: 0) : nil
    }

    /// `YYYY-MM-DD` at `offset` of UTF-8 bytes. Byte-level because every date a driver reads passes here.
    static func parse(_ b: UnsafeBufferPointer<UInt8>, at offset: Int) -> LocalDate? {
        guard b.count >= offset + 10, b[offset + 4] == UInt8(ascii: "-"), b[offset + 7] == UInt8(ascii: "-"),
            let y = digits(b, offset, 4), let m = digits(b, offset + 5, 2), let d = digits(b, offset + 8, 2),
            (1...12).contains(m), (1...31).contains(d)
        else { return nil }
        return LocalDate(year: y, month: m, day: d)
    }

    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(10)
        appendDigits(&bytes, year, 4)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(&bytes, month, 2)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(&bytes, day, 2)
        return String(decoding: bytes, as: UTF8.self)
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
    private let storedHour: UInt8
    private let storedMinute: UInt8
    private let storedSecond: UInt8
    private let storedMicrosecond: Int32

    public var hour: Int { Int(storedHour) }
    public var minute: Int { Int(storedMinute) }
    public var second: Int { Int(storedSecond) }
    public var microsecond: Int { Int(storedMicrosecond) }

    public init(date: LocalDate, hour: Int = 0, minute: Int = 0, second: Int = 0, microsecond: Int = 0) {
        self.date = date
        self.storedHour = UInt8(clamping: hour)
        self.storedMinute = UInt8(clamping: minute)
        self.storedSecond = UInt8(clamping: second)
        self.storedMicrosecond = Int32(clamping: microsecond)
    }

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
                microsecond: Int = 0) {
        self.init(date: LocalDate(year: year, month: month, day: day), hour: hour, minute: minute,
                  second: second, microsecond: microsecond)
    }

    /// Open Dental's "no date" (MySQL's zero date as it arrives in analytics). Never advances a cursor.
    public static let zeroDate = LocalTimestamp(year: 1, month: 1, day: 1)

    /// Parses `YYYY-MM-DD[ T]HH:MM[:SS[.f…]]` or a bare date, optionally followed by `Z` or an offset (`+02`,
    /// `+02:00`, `-0530`), which is applied: the result is then the instant in UTC. Fractions longer than six
    /// digits are read when the extra digits are zeros; a finer value does not parse (it would be rounded).
    public init?(_ text: String) {
        var text = text
        guard let timestamp = text.withUTF8(Self.parse) else { return nil }
        self = timestamp
    }

    /// Byte-level, because every timestamp a driver reads passes here.
    public static func parse(_ all: UnsafeBufferPointer<UInt8>) -> LocalTimestamp? {
        var start = 0
        var end = all.count
        while start < end, all[start] == UInt8(ascii: " ") { start += 1 }
        while end > start, all[end - 1] == UInt8(ascii: " ") { end -= 1 }
        let b = UnsafeBufferPointer(rebasing: all[start..<end])
        guard let date = LocalDate.parse(b, at: 0) else { return nil }
        if b.count == 10 { return LocalTimestamp(date: date) }
        guard b.count >= 16, b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T"), b[13] == UInt8(ascii: ":"),
            let h = digits(b, 11, 2), let mi = digits(b, 14, 2), (0...23).contains(h), (0...59).contains(mi)
        else { return nil }
        var i = 16
        var sec = 0
        var micros = 0
        if i < b.count, b[i] == UInt8(ascii: ":") {
            guard b.count >= 19, let s = digits(b, 17, 2), (0...59).contains(s) else { return nil }
            sec = s
            i = 19
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                var count = 0
                while i < b.count, (48...57).contains(b[i]) {
                    if count < 6 {
                        micros = micros * 10 + Int(b[i] - 48)
                    } else if b[i] != UInt8(ascii: "0") {
                        return nil
                    }
                    count += 1
                    i += 1
                }
                guard count > 0 else { return nil }
                for _ in count..<max(count, 6) { micros *= 10 }
            }
        }
        let local = LocalTimestamp(date: date, hour: h, minute: mi, second: sec, microsecond: micros)
        if i < b.count, b[i] == UInt8(ascii: " ") { i += 1 }
        if i == b.count { return local }
        guard let offset = offsetMinutes(b, from: i) else { return nil }
        return offset == 0 ? local
            : LocalTimestamp(microsecondsSinceEpoch: local.microsecondsSinceEpoch - Int64(offset) * 60_000_000)
    }

    /// `Z`, `±HH`, `±HHMM` or `±HH:MM` from `i` to the end, in minutes east of UTC.
    private static func offsetMinutes(_ b: UnsafeBufferPointer<UInt8>, from i: Int) -> Int? {
        let rest = b.count - i
        if rest == 1, b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") { return 0 }
        guard rest >= 3, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), let hours = digits(b, i + 1, 2),
            hours <= 15
        else { return nil }
        var minutes = 0
        switch rest {
        case 3: break
        case 5: guard let m = digits(b, i + 3, 2) else { return nil }; minutes = m
        case 6: guard b[i + 3] == UInt8(ascii: ":"), let m = digits(b, i + 4, 2) else { return nil }; minutes = m
        default: return nil
        }
        guard minutes < 60 else { return nil }
        return (hours * 60 + minutes) * (b[i] == UInt8(ascii: "-") ? -1 : 1)
    }

    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(26)
        append(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `YYYY-MM-DD HH:MM:SS`, then `.ffffff` when there is a fraction — with its trailing zeros as
    /// `description` prints it, or without them as PostgreSQL prints a timestamp.
    public func append(to bytes: inout [UInt8], trimmingFractionZeros: Bool = false) {
        appendDigits(&bytes, date.year, 4)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(&bytes, date.month, 2)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(&bytes, date.day, 2)
        bytes.append(UInt8(ascii: " "))
        appendDigits(&bytes, hour, 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(&bytes, minute, 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(&bytes, second, 2)
        if microsecond != 0 {
            bytes.append(UInt8(ascii: "."))
            appendDigits(&bytes, microsecond, 6)
            if trimmingFractionZeros {
                while bytes.last == UInt8(ascii: "0") { bytes.removeLast() }
            }
        }
    }

    public static func < (a: LocalTimestamp, b: LocalTimestamp) -> Bool {
        (a.date, a.hour, a.minute, a.second, a.microsecond) < (b.date, b.hour, b.minute, b.second, b.microsecond)
    }
}

/// The decimal number in `count` ASCII digits at `offset`, or nil when one is not a digit.
@inline(__always)
private func digits(_ b: UnsafeBufferPointer<UInt8>, _ offset: Int, _ count: Int) -> Int? {
    var value = 0
    for i in offset..<(offset + count) {
        let d = Int(b[i]) - 48
        guard d >= 0, d <= 9 else { return nil }
        value = value * 10 + d
    }
    return value
}

/// `n` (≥ 0) in decimal, zero-padded to `width` digits. On the hot path of every timestamp and date rendered
/// (COPY text, row checksums), hence one division per digit and no intermediate storage.
private func appendDigits(_ bytes: inout [UInt8], _ n: Int, _ width: Int) {
    var divisor = 1
    var count = 1
    while count < width || n / divisor >= 10 {
        divisor &*= 10
        count += 1
    }
    while divisor > 0 {
        bytes.append(UInt8(truncatingIfNeeded: 48 + (n / divisor) % 10))
        divisor /= 10
    }
}

private func pow10(_ n: Int) -> Int {
    var r = 1
    for _ in 0..<n { r *= 10 }
    return r
}

