/// Converting what a source stored into what its column means: the one place that decides, per logical type
/// and storage variant, what arrives exactly and what is a rejection (the README's type table says the same).
///
/// Sources written by other tools store values in many ways — SQLite keeps `12.50` in a DECIMAL column as the
/// REAL `12.5`, `'true'` in a BOOLEAN one, `2024-05-01T10:00:00Z` in a DATETIME one — and the row must reach the
/// target, and verify, as the one value it means. A conversion is exact or it is refused with a reason: nothing
/// is rounded, truncated or guessed (an epoch number in a timestamp column could be seconds or milliseconds).
extension ColumnType {
    /// What converting a value to this type does.
    public enum Conversion: Sendable {
        /// The value already is what the column holds (the common case: nothing to copy).
        case asIs
        case converted(Value)
        case refused(ConversionFailure)
    }

    /// The conversion of `value`, with the cheap answer for a value already in its column's form.
    public func conversion(of value: Value) -> Conversion {
        if holds(value) { return .asIs }
        switch convert(value) {
        case .success(let converted): return .converted(converted)
        case .failure(let failure): return .refused(failure)
        }
    }

    /// True when the value already is what a column of this type holds (the storage every driver produces for
    /// a source that holds it plainly); a key that is not is never a cursor.
    public func holds(_ value: Value) -> Bool {
        switch (self, value) {
        case (_, .null), (.bigint, .integer), (.boolean, .boolean), (.double, .double), (.date, .date),
             (.timestamp, .timestamp), (.timestampWithTimeZone, .timestamp), (.bytes, .bytes), (.numeric(0, _), .decimal):
            return true
        case (.integer, .integer(let i)): return Int32(exactly: i) != nil
        case (.smallint, .integer(let i)): return Int16(exactly: i) != nil
        case (.numeric(let p, let s), .decimal(let d)): return d.scale == s && d.digits.count <= p
        case (.text, .text(let t)), (.json, .text(let t)), (.jsonb, .text(let t)), (.foreign, .text(let t)):
            return !t.utf8.contains(0)
        // A text of at most n bytes has at most n characters.
        case (.varchar(let n), .text(let t)): return t.utf8.count <= n && !t.utf8.contains(0)
        default: return false
        }
    }

    /// The value as a column of this type holds it, or the reason it cannot be held exactly. NULL stays NULL.
    public func convert(_ value: Value) -> Result<Value, ConversionFailure> {
        if value.isNull { return .success(.null) }
        switch self {
        case .bigint: return integer(value, in: Int64.min...Int64.max)
        case .integer: return integer(value, in: Int64(Int32.min)...Int64(Int32.max))
        case .smallint: return integer(value, in: Int64(Int16.min)...Int64(Int16.max))
        case .boolean: return boolean(value)
        case .numeric(let precision, let scale): return numeric(value, precision: precision, scale: scale)
        case .real: return float(value, single: true)
        case .double: return float(value, single: false)
        case .text, .json, .jsonb, .foreign: return text(value, limit: nil, padded: false)
        case .varchar(let n): return text(value, limit: n, padded: false)
        case .character(let n): return text(value, limit: n, padded: true)
        case .date: return date(value)
        case .time: return time(value)
        case .duration: return duration(value)
        case .timestamp, .timestampWithTimeZone: return timestamp(value)
        case .bytes: return bytes(value)
        case .uuid: return uuid(value)
        }
    }

    private func refuse(_ value: Value, _ why: String) -> Result<Value, ConversionFailure> {
        .failure(ConversionFailure(value: value, type: self, why: why))
    }

    private func integer(_ value: Value, in range: ClosedRange<Int64>) -> Result<Value, ConversionFailure> {
        let whole: Int64?
        switch value {
        case .integer(let i): whole = i
        case .boolean(let b): whole = b ? 1 : 0
        case .double(let d): whole = d.rounded() == d ? Int64(exactly: d) : nil
        case .decimal(let d): whole = d.scaledExactly(to: 0).flatMap { Int64($0.description) }
        case .text(let s): whole = Int64(s.trimming(" "))
        default: whole = nil
        }
        guard let whole else { return refuse(value, "it is not a whole number") }
        guard range ~= whole else { return refuse(value, "it is out of the type's range") }
        return .success(.integer(whole))
    }

    private func boolean(_ value: Value) -> Result<Value, ConversionFailure> {
        switch value {
        case .boolean: return .success(value)
        case .integer(0): return .success(.boolean(false))
        case .integer(1): return .success(.boolean(true))
        case .double(0): return .success(.boolean(false))
        case .double(1): return .success(.boolean(true))
        case .text(let s):
            switch s.trimming(" ").lowercased() {
            case "t", "true", "1", "yes", "y", "on": return .success(.boolean(true))
            case "f", "false", "0", "no", "n", "off": return .success(.boolean(false))
            default: return refuse(value, "it is not a truth value")
            }
        default: return refuse(value, "it is not a truth value (0/1, true/false)")
        }
    }

    private func numeric(_ value: Value, precision: Int, scale: Int) -> Result<Value, ConversionFailure> {
        var number: ExactDecimal?
        switch value {
        case .decimal(let d): number = d
        case .integer(let i): number = ExactDecimal(i)
        case .double(let d):
            guard d.isFinite else { return .success(.text(PostgresSpelling.special(d))) }
            number = ExactDecimal(shortest: d)
        case .text(let s):
            let trimmed = String(s.trimming(" "))
            // PostgreSQL's numeric has NaN and ±Infinity; they travel as its spelling.
            if ["NaN", "Infinity", "-Infinity"].contains(trimmed) { return .success(.text(trimmed)) }
            number = ExactDecimal(scientific: trimmed)
        default: number = nil
        }
        guard var number else { return refuse(value, "it is not a number") }
        guard precision > 0 else { return .success(.decimal(number)) }
        guard let scaled = number.scaledExactly(to: scale) else {
            return refuse(value, "it has more than \(scale) digits after the point, which the column would round")
        }
        number = scaled
        guard number.digits.count - scale <= precision - scale || number.digits == "0" else {
            return refuse(value, "it has more than \(precision - scale) digits before the point")
        }
        return .success(.decimal(number))
    }

    private func float(_ value: Value, single: Bool) -> Result<Value, ConversionFailure> {
        var number: Double?
        switch value {
        case .double(let d): number = d
        case .integer(let i): number = Double(exactly: i)
        case .decimal(let d): number = Double(d.description)
        case .text(let s): number = PostgresSpelling.double(String(s.trimming(" ")))
        default: number = nil
        }
        guard let number else { return refuse(value, "it is not a number a double holds exactly") }
        if single, !number.isNaN, Double(Float(number)) != number {
            return refuse(value, "a 4-byte float cannot hold it exactly")
        }
        return .success(.double(number))
    }

    private func text(_ value: Value, limit: Int?, padded: Bool) -> Result<Value, ConversionFailure> {
        var text: String
        switch value {
        case .text(let s): text = s
        case .integer, .decimal, .date, .timestamp: text = value.plainText
        case .double(let d): text = PostgresSpelling.text(d)
        case .boolean(let b): text = b ? "true" : "false"
        case .bytes(let b):
            guard let decoded = String(validating: b, as: UTF8.self) else {
                return refuse(value, "its bytes are not UTF-8 text")
            }
            text = decoded
        case .null: return .success(.null)
        }
        if text.utf8.contains(0) { return refuse(value, "it holds a NUL character, which PostgreSQL text cannot") }
        guard let limit else { return .success(.text(text)) }
        var length = text.unicodeScalars.count
        if padded {
            // char(n) ignores trailing blanks: extra ones are dropped, missing ones added.
            while length > limit, text.hasSuffix(" ") {
                text.removeLast()
                length -= 1
            }
            if length < limit { text += String(repeating: " ", count: limit - length) }
        }
        guard length <= limit else { return refuse(value, "it is \(length) characters long") }
        return .success(.text(text))
    }

    private func date(_ value: Value) -> Result<Value, ConversionFailure> {
        switch value {
        case .date: return .success(value)
        case .timestamp(let t) where t.isMidnight: return .success(.date(t.date))
        case .text(let s):
            if let t = LocalTimestamp(s), t.isMidnight { return .success(.date(t.date)) }
            if PostgresSpelling.isSpecialDate(s) { return .success(value) }
            return refuse(value, "it is not a date")
        case .integer, .double: return refuse(value, "a number is not a date (an epoch is ambiguous)")
        default: return refuse(value, "it is not a date")
        }
    }

    private func time(_ value: Value) -> Result<Value, ConversionFailure> {
        guard case .text(let s) = value else { return refuse(value, "it is not a time of day") }
        guard let time = TimeOfDay(s) else { return refuse(value, "it is not a time of day between 00:00 and 24:00") }
        return .success(.text(time.description))
    }

    private func duration(_ value: Value) -> Result<Value, ConversionFailure> {
        guard case .text(let s) = value, let span = TimeSpan(s) else {
            return refuse(value, "it is not a span of hours, minutes and seconds")
        }
        return .success(.text(span.description))
    }

    private func timestamp(_ value: Value) -> Result<Value, ConversionFailure> {
        switch value {
        case .timestamp: return .success(value)
        case .date(let d): return .success(.timestamp(LocalTimestamp(date: d)))
        case .text(let s):
            if let t = LocalTimestamp(s) { return .success(.timestamp(t)) }
            if PostgresSpelling.isSpecialDate(s) { return .success(value) }
            return refuse(value, "it is not a timestamp (or finer than a microsecond)")
        case .integer, .double: return refuse(value, "a number is not a timestamp (an epoch is ambiguous)")
        default: return refuse(value, "it is not a timestamp")
        }
    }

    private func bytes(_ value: Value) -> Result<Value, ConversionFailure> {
        switch value {
        case .bytes: return .success(value)
        case .text(let s): return .success(.bytes(Array(s.utf8)))
        default: return refuse(value, "it is not a byte string")
        }
    }

    private func uuid(_ value: Value) -> Result<Value, ConversionFailure> {
        var hex: [UInt8] = []
        switch value {
        case .text(let s):
            for byte in s.utf8 where byte != UInt8(ascii: "-") && byte != UInt8(ascii: "{") && byte != UInt8(ascii: "}") {
                hex.append(byte | 0x20)  // lowercase
            }
            guard hex.count == 32, hex.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                return refuse(value, "it is not a UUID")
            }
        case .bytes(let b) where b.count == 16:
            for byte in b { hex.append(contentsOf: hexByte(byte).utf8) }
        default: return refuse(value, "it is not a UUID")
        }
        for position in [20, 16, 12, 8] { hex.insert(UInt8(ascii: "-"), at: position) }
        return .success(.text(String(decoding: hex, as: UTF8.self)))
    }
}

/// A value its column's type cannot hold exactly: the reason a rejected row carries.
public struct ConversionFailure: Error, Sendable, CustomStringConvertible {
    public let value: Value
    public let type: ColumnType
    public let why: String

    public var description: String {
        "\(value.kindName) \(String(value.description.prefix(80))) does not fit \(type): \(why)"
    }
}

/// Spellings PostgreSQL's text forms use for values outside the plain numbers and dates.
public enum PostgresSpelling {
    static func special(_ d: Double) -> String {
        d.isNaN ? "NaN" : d < 0 ? "-Infinity" : "Infinity"
    }

    /// A double as float8 input reads it back exactly.
    public static func text(_ d: Double) -> String { d.isFinite ? String(d) : special(d) }

    /// A float from its text, PostgreSQL's special spellings included.
    public static func float(_ text: String) -> Float? { double(text).flatMap { $0.isFinite ? Float(text) : Float($0) } }

    /// A double from its text, PostgreSQL's special spellings included.
    public static func double(_ text: String) -> Double? {
        switch text.lowercased() {
        case "nan": return .nan
        case "infinity", "inf", "+infinity": return .infinity
        case "-infinity", "-inf": return -.infinity
        default: return Double(text)
        }
    }

    /// `infinity`, `-infinity` and BC dates (`0044-03-15 BC`, `0044-03-15 12:00:00 BC`): dates and timestamps
    /// PostgreSQL holds and the value model does not, carried as PostgreSQL spells them.
    static func isSpecialDate(_ text: String) -> Bool {
        text == "infinity" || text == "-infinity" || (text.hasSuffix(" BC") && LocalDate(String(text.prefix(10))) != nil)
    }
}

/// A time of day to the microsecond, `00:00:00` through `24:00:00`, spelled as PostgreSQL's `time` prints it.
public struct TimeOfDay: Sendable, Hashable, CustomStringConvertible {
    public let microseconds: Int64

    /// Parses `H:MM`, `HH:MM:SS` and `HH:MM:SS.f…` (up to six fraction digits, more when they are zeros).
    public init?(_ text: String) {
        guard let span = TimeSpan(text), !span.isNegative, span.hourDigits <= 2,
            (0...86_400_000_000).contains(span.microseconds)
        else { return nil }
        self.microseconds = span.microseconds
    }

    public var description: String { TimeSpan(microseconds: microseconds).description }
}

/// A signed span of hours, minutes and seconds to the microsecond (MySQL's TIME, `-838:59:59` to `838:59:59`),
/// spelled as PostgreSQL prints such an interval: `[-]HH:MM:SS[.f]`, hours past 24 as they are, the fraction
/// without trailing zeros.
public struct TimeSpan: Sendable, Hashable, CustomStringConvertible {
    public let microseconds: Int64
    /// How many digits the hours were written with (a time of day has at most two).
    let hourDigits: Int
    /// Whether it was written with a minus sign (`-00:00:00.5` is negative though its hours are 0).
    var isNegative: Bool { microseconds < 0 }

    init(microseconds: Int64) {
        self.microseconds = microseconds
        self.hourDigits = 2
    }

    /// Parses `[-]H…:MM`, `[-]H…:MM:SS` and `[-]H…:MM:SS.f…` (up to six fraction digits, more when they are
    /// zeros).
    public init?(_ text: String) {
        var body = Substring(text.trimming(" "))
        let negative = body.hasPrefix("-")
        if negative { body = body.dropFirst() }
        let parts = body.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), (1...6).contains(parts[0].count), parts[0].allSatisfy(\.isASCIIDigit),
            let hour = Int64(parts[0]), parts[1].count == 2, parts[1].allSatisfy(\.isASCIIDigit),
            let minute = Int64(parts[1]), (0...59).contains(minute)
        else { return nil }
        var micros: Int64 = 0
        var second: Int64 = 0
        if parts.count == 3 {
            let secondParts = parts[2].split(separator: ".", omittingEmptySubsequences: false)
            guard (1...2).contains(secondParts.count), secondParts[0].count == 2,
                secondParts[0].allSatisfy(\.isASCIIDigit), let s = Int64(secondParts[0]), (0...59).contains(s)
            else { return nil }
            second = s
            if secondParts.count == 2 {
                let fraction = secondParts[1]
                guard !fraction.isEmpty, fraction.allSatisfy(\.isASCIIDigit),
                    fraction.dropFirst(6).allSatisfy({ $0 == "0" })
                else { return nil }
                micros = Int64(String(fraction.prefix(6)).padding(toLength: 6))!
            }
        }
        let total = ((hour * 60 + minute) * 60 + second) * 1_000_000 + micros
        self.microseconds = negative ? -total : total
        self.hourDigits = parts[0].count
    }

    public var description: String {
        let magnitude = microseconds.magnitude
        let seconds = magnitude / 1_000_000
        var text = (microseconds < 0 ? "-" : "") + twoDigits(seconds / 3600) + ":" + twoDigits(seconds / 60 % 60) + ":"
            + twoDigits(seconds % 60)
        let fraction = magnitude % 1_000_000
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 6 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text
    }

    private func twoDigits(_ n: UInt64) -> String { n < 10 ? "0" + String(n) : String(n) }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension String {
    /// Right-padded with zeros to `length` characters.
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: "0", count: length - count)
    }
}

extension Value {
    /// The value's plain text: digits, ISO dates and timestamps, text as it is. For conversions to text.
    var plainText: String {
        switch self {
        case .text(let s): return s
        case .double(let d): return PostgresSpelling.text(d)
        default: return description
        }
    }
}

extension LocalTimestamp {
    var isMidnight: Bool { hour == 0 && minute == 0 && second == 0 && microsecond == 0 }
}
