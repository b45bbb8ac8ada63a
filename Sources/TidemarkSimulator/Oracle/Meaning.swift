import TidemarkDatabase

extension Oracle {
    /// What a column's values mean, read by the oracle itself from the source's declaration — deliberately not
    /// through the loader's type mapping or conversions, so a mistake there shows up as a difference here. A
    /// source written by other tools stores one value in many ways (SQLite keeps `12.50` in a DECIMAL column as
    /// the REAL `12.5`, `'true'` in a BOOLEAN one); both sides are normalized to the one value it means before
    /// they are compared.
    public enum Meaning: Sendable, Equatable {
        case asStored
        case integer
        case decimal(scale: Int?)
        case double
        case boolean
        case date
        case timestamp
        case time
        case uuid
        case text

        /// The meanings of `columns` of a source table; a column in `loadedAs` (its `column_types:` entry, a
        /// logical type name) means what that name says, read by the same keywords.
        static func of(_ db: any Connection, _ table: TableName, columns: [String],
                       loadedAs: [String: String] = [:]) throws -> [Meaning] {
            let declared = Dictionary(try db.columns(of: table).map { ($0.name, $0.declaredType) },
                                      uniquingKeysWith: { a, _ in a })
            return columns.map { Meaning(declared: loadedAs[$0] ?? declared[$0] ?? "") }
        }

        /// The oracle's own reading of a declaration, by keyword.
        init(declared: String) {
            let d = declared.lowercased()
            let scale = d.split(separator: ",").dropFirst().first.flatMap { Int($0.filter(\.isNumber)) }
            if d.contains("[]") || d.contains("interval") || d.contains("json") { self = .asStored }
            else if d.contains("int") { self = .integer }
            else if d.contains("dec") || d.contains("numeric") { self = .decimal(scale: scale) }
            else if d.contains("doub") || d.contains("float") || d.contains("real") { self = .double }
            else if d.contains("bool") { self = .boolean }
            else if d.contains("timestamp") || d.contains("datetime") { self = .timestamp }
            else if d.contains("date") { self = .date }
            else if d.contains("time") { self = .time }
            else if d.contains("uuid") { self = .uuid }
            else if d.contains("bytea") || d.contains("blob") { self = .asStored }
            else { self = .text }
        }

        /// The value as the one thing it means; a value that means nothing of the kind is left as stored (and
        /// so differs from any value that does).
        func normalize(_ value: Value) -> Value {
            switch (self, value) {
            case (_, .null), (.asStored, _): return value
            case (.integer, .double(let d)) where d.rounded() == d && abs(d) < 9.2e18: return .integer(Int64(d))
            // MySQL's TINYINT(1) flags, and an unsigned BIGINT loaded as numeric(20,0).
            case (.integer, .boolean(let b)): return .integer(b ? 1 : 0)
            case (.integer, .decimal(let d)): return Int64(d.description).map(Value.integer) ?? value
            // Whole-number text loaded as an integer (`column_types:`), blanks around it allowed.
            case (.integer, .text(let t)): return Int64(t.filter { $0 != " " }).map(Value.integer) ?? value
            case (.decimal(let scale), _): return Self.decimal(value, scale: scale).map(Value.text) ?? value
            case (.double, .integer(let i)): return .double(Double(i))
            case (.double, .double(let d)): return .double(d == 0 ? 0 : d)  // SQLite keeps no sign of zero
            case (.double, .text(let t)):
                switch t { case "NaN": return .double(.nan); case "Infinity": return .double(.infinity)
                           case "-Infinity": return .double(-.infinity); default: return value }
            case (.boolean, .integer(let i)) where i == 0 || i == 1: return .boolean(i == 1)
            case (.boolean, .text(let t)):
                switch t.lowercased() { case "true", "t", "1": return .boolean(true)
                                        case "false", "f", "0": return .boolean(false); default: return value }
            case (.timestamp, .text(let t)): return LocalTimestamp(t).map(Value.timestamp) ?? value
            case (.timestamp, .date(let d)): return .timestamp(LocalTimestamp(date: d))
            case (.date, .text(let t)): return LocalDate(String(t.prefix(10))).map(Value.date) ?? value
            case (.time, .text(let t)): return Self.time(t).map(Value.text) ?? value
            case (.uuid, .text(let t)): return Self.uuid(t).map(Value.text) ?? value
            case (.text, .integer(let i)): return .text(String(i))
            case (.text, .double(let d)): return .text(String(d))
            default: return value
            }
        }

        /// A number as decimal digits at `scale` (trailing zeros only added or dropped), by string arithmetic.
        static func decimal(_ value: Value, scale: Int?) -> String? {
            var text: String
            switch value {
            case .integer(let i): text = String(i)
            case .decimal(let d): text = d.description
            case .double(let d) where d.isFinite: text = plain(String(d))
            case .text(let t): text = plain(t)
            default: return nil
            }
            let negative = text.hasPrefix("-")
            if negative || text.hasPrefix("+") { text.removeFirst() }
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), parts.allSatisfy({ $0.allSatisfy(\.isNumber) }) else { return nil }
            var whole = String(parts[0].drop { $0 == "0" })
            if whole.isEmpty { whole = "0" }
            var fraction = parts.count == 2 ? String(parts[1]) : ""
            if let scale {
                while fraction.count > scale, fraction.hasSuffix("0") { fraction.removeLast() }
                fraction += String(repeating: "0", count: max(0, scale - fraction.count))
            }
            let zero = whole == "0" && fraction.allSatisfy { $0 == "0" }
            return (negative && !zero ? "-" : "") + whole + (fraction.isEmpty ? "" : "." + fraction)
        }

        /// `1.5e3` as `1500`, `2e-2` as `0.02`; other text unchanged.
        static func plain(_ text: String) -> String {
            guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }), let exponent = Int(text[text.index(after: e)...])
            else { return text }
            var mantissa = String(text[..<e])
            let negative = mantissa.hasPrefix("-")
            if negative { mantissa.removeFirst() }
            let point = mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count
            let digits = mantissa.filter { $0 != "." }
            let newPoint = point + exponent
            let padded = newPoint <= 0 ? String(repeating: "0", count: 1 - newPoint) + digits
                : digits + String(repeating: "0", count: max(0, newPoint - digits.count))
            let at = max(newPoint, 1)
            let body = String(padded.prefix(at)) + (padded.count > at ? "." + padded.dropFirst(at) : "")
            return (negative ? "-" : "") + body
        }

        /// `H:MM[:SS[.f]]` as `HH:MM:SS[.f]` without trailing fraction zeros.
        static func time(_ text: String) -> String? {
            let parts = text.split(separator: ":")
            guard parts.count >= 2, let hour = Int(parts[0]) else { return nil }
            var seconds = parts.count > 2 ? String(parts[2]) : "00"
            if seconds.contains(".") {
                while seconds.hasSuffix("0") { seconds.removeLast() }
                if seconds.hasSuffix(".") { seconds.removeLast() }
            }
            return (hour < 10 ? "0" : "") + String(hour) + ":" + parts[1] + ":" + seconds
        }

        /// Lower case, hyphenated 8-4-4-4-12.
        static func uuid(_ text: String) -> String? {
            let hex = Array(text.lowercased().filter { $0.isHexDigit })
            guard hex.count == 32 else { return nil }
            return [hex[0..<8], hex[8..<12], hex[12..<16], hex[16..<20], hex[20..<32]].map { String($0) }.joined(separator: "-")
        }
    }
}
