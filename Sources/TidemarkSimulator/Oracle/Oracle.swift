import TidemarkDatabase

/// The simulator's judge: compares a source table with a target table row by row and column by column.
///
/// It has its own canonical encoding and its own reads, and shares nothing with the loader's planning,
/// writing or (future) verification, so a bug there cannot hide itself here.
public enum Oracle {
    /// One value in the oracle's canonical text: the kind, then an exact rendering. Timestamps keep their
    /// microseconds, decimals their scale, NULL is not '', doubles compare by bit pattern.
    public static func canonical(_ value: Value) -> String {
        switch value {
        case .null: return "∅"
        case .integer(let i): return "i" + String(i)
        case .boolean(let b): return b ? "b1" : "b0"
        case .double(let d): return "f" + String(d.bitPattern, radix: 16)
        case .decimal(let d): return "d" + d.description
        case .text(let s): return "t" + s
        case .bytes(let b): return "x" + b.map { String($0, radix: 16) }.joined(separator: ",")
        case .date(let d): return "D" + d.description
        case .timestamp(let t): return "T" + t.description
        }
    }

    /// Differences between two tables, by key.
    public struct Difference: Sendable, Equatable {
        public var missing: [String] = []
        public var extra: [String] = []
        public var changed: [String] = []
        /// Columns the source has and the target lacks.
        public var missingColumns: [String] = []

        public var isEmpty: Bool { missing.isEmpty && extra.isEmpty && changed.isEmpty && missingColumns.isEmpty }

        /// "3 missing (100, 137, 360), 1 changed (42)", at most five keys each.
        public var summary: String {
            var parts: [String] = []
            func list(_ keys: [String], _ word: String) {
                guard !keys.isEmpty else { return }
                let shown = keys.prefix(5).joined(separator: ", ") + (keys.count > 5 ? ", …" : "")
                parts.append("\(keys.count) \(word) (\(shown))")
            }
            if !missingColumns.isEmpty { parts.append("target lacks columns \(missingColumns.joined(separator: ", "))") }
            list(missing, "missing")
            list(extra, "extra")
            list(changed, "changed")
            return parts.isEmpty ? "equal" : parts.joined(separator: ", ")
        }
    }

    /// The canonical rows of a table keyed by their canonical key, over the given columns: one string per row,
    /// each canonical value prefixed with its byte length so no two rows can run together.
    public static func snapshot(_ db: any Connection, _ table: TableName, columns: [String], key: String,
                                where filter: (sql: String, parameters: [Value])? = nil) throws -> [String: String] {
        var sql = "SELECT \(quoteIdentifiers([key] + columns)) FROM \(table.quoted)"
        if let filter { sql += " WHERE " + filter.sql }
        var rows: [String: String] = [:]
        try db.stream(sql, filter?.parameters ?? [], batchSize: 5000) { batch in
            for row in batch {
                var line = ""
                for value in row.values.dropFirst() {
                    let text = canonical(value)
                    line += String(text.utf8.count)
                    line += ":"
                    line += text
                }
                rows[canonical(row[0])] = line
            }
        }
        return rows
    }

    /// Compares every row and column of `source` with `target` (the target may hold extra columns).
    /// `ignoring` are canonical keys (`Oracle.canonical(.integer(1546))`) left out of the comparison.
    public static func compare(source: any Connection, _ sourceTable: TableName, target: any Connection,
                               _ targetTable: TableName, key: String, ignoring: Set<String> = []) throws -> Difference {
        let sourceColumns = try source.columns(of: sourceTable).map(\.name)
        let targetColumns = Set(try target.columns(of: targetTable).map(\.name))
        var difference = Difference()
        difference.missingColumns = sourceColumns.filter { !targetColumns.contains($0) }
        let shared = sourceColumns.filter { targetColumns.contains($0) && $0 != key }
        guard targetColumns.contains(key) else {
            difference.missingColumns = sourceColumns
            return difference
        }
        let left = try snapshot(source, sourceTable, columns: shared, key: key).filter { !ignoring.contains($0.key) }
        let right = try snapshot(target, targetTable, columns: shared, key: key).filter { !ignoring.contains($0.key) }
        for (k, row) in left {
            guard let other = right[k] else {
                difference.missing.append(k)
                continue
            }
            if other != row { difference.changed.append(k) }
        }
        difference.extra = right.keys.filter { left[$0] == nil }
        difference.missing.sort(by: keyOrder)
        difference.extra.sort(by: keyOrder)
        difference.changed.sort(by: keyOrder)
        return difference
    }

    /// A fingerprint of a table's content, for comparing the end states of different strategies.
    public static func fingerprint(_ db: any Connection, _ table: TableName, key: String) throws -> String {
        let columns = try db.columns(of: table).map(\.name).filter { $0 != key }
        let rows = try snapshot(db, table, columns: columns, key: key)
        var hasher = FNV1a()
        for k in rows.keys.sorted() {
            hasher.add(k)
            hasher.add(rows[k]!)
        }
        return String(hasher.value, radix: 16) + "/\(rows.count)"
    }

    /// Integer keys in numeric order, others as text; the display drops the kind prefix.
    static func keyOrder(_ a: String, _ b: String) -> Bool {
        if let x = Int64(a.dropFirst()), let y = Int64(b.dropFirst()) { return x < y }
        return a < b
    }
}

extension Oracle.Difference {
    /// Keys without the oracle's kind prefix, for people.
    func displayed() -> Oracle.Difference {
        func strip(_ keys: [String]) -> [String] { keys.map { String($0.dropFirst()) } }
        var copy = self
        copy.missing = strip(missing)
        copy.extra = strip(extra)
        copy.changed = strip(changed)
        return copy
    }
}

/// 64-bit FNV-1a over canonical strings, with a separator so ("ab","c") ≠ ("a","bc").
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) {
        for byte in text.utf8 { mix(byte) }
        mix(0x1f)
    }

    private mutating func mix(_ byte: UInt8) {
        value ^= UInt64(byte)
        value = value &* 0x0000_0100_0000_01b3
    }
}
