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
        var negative = false
        var whole: [UInt8] = []
        var fraction: [UInt8] = []
        var seenPoint = false
        var sawSign = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if seenPoint { fraction.append(byte) } else { whole.append(byte) }
            case UInt8(ascii: "."):
                guard !seenPoint else { return nil }
                seenPoint = true
            case UInt8(ascii: "-"), UInt8(ascii: "+"):
                guard !sawSign, whole.isEmpty, !seenPoint else { return nil }
                sawSign = true
                negative = byte == UInt8(ascii: "-")
            case UInt8(ascii: " ") where whole.isEmpty && !seenPoint && !sawSign:
                continue
            default:
                return nil
            }
        }
        guard !(whole.isEmpty && fraction.isEmpty) else { return nil }
        var unscaled = ArraySlice(whole + fraction)
        while unscaled.first == UInt8(ascii: "0") { unscaled = unscaled.dropFirst() }
        self.digits = unscaled.isEmpty ? "0" : String(decoding: unscaled, as: UTF8.self)
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
        var text = text
        guard let date = text.withUTF8({ bytes in bytes.count == 10 ? Self.parse(bytes, at: 0) : nil }) else {
            return nil
        }
        self = date
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
        guard b.count >= 19, b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
            let h = digits(b, 11, 2), let mi = digits(b, 14, 2), let sec = digits(b, 17, 2),
            (0...23).contains(h), (0...59).contains(mi), (0...60).contains(sec)
        else { return nil }
        var micros = 0
        if b.count > 19 {
            let fractionDigits = b.count - 20
            guard b[19] == UInt8(ascii: "."), (1...6).contains(fractionDigits),
                let f = digits(b, 20, fractionDigits)
            else { return nil }
            micros = f * pow10(6 - fractionDigits)
        }
        return LocalTimestamp(date: date, hour: h, minute: mi, second: sec, microsecond: micros)
    }

    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(26)
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
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func < (a: LocalTimestamp, b: LocalTimestamp) -> Bool {
        (a.date, a.hour, a.minute, a.second, a.microsecond) < (b.date, b.hour, b.minute, b.second, b.microsecond)
    }
}

/// The decimal number in `count` ASCII digits at `offset`, or nil when one is not a digit.
private func digits(_ b: UnsafeBufferPointer<UInt8>, _ offset: Int, _ count: Int) -> Int? {
    var value = 0
    for i in offset..<(offset + count) {
        let d = Int(b[i]) - 48
        guard d >= 0, d <= 9 else { return nil }
        value = value * 10 + d
    }
    return value
}

/// Appends `n` zero-padded to at least `width` digits (n ≥ 0).
private func appendDigits(_ bytes: inout [UInt8], _ n: Int, _ width: Int) {
    var count = 1
    var power = 10
    while power <= n, count < 19 {
        count += 1
        power &*= 10
    }
    for _ in count..<max(width, count) { bytes.append(48) }
    let start = bytes.count
    bytes.append(contentsOf: repeatElement(48, count: count))
    var v = n
    for i in stride(from: start + count - 1, through: start, by: -1) {
        bytes[i] = UInt8(48 + v % 10)
        v /= 10
    }
}

private func pow10(_ n: Int) -> Int {
    var r = 1
    for _ in 0..<n { r *= 10 }
    return r
}

