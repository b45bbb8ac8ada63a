import TidemarkDatabase

/// The simulator's judge: compares a source table with a target table row by row and column by column.
///
/// It has its own canonical encoding and its own reads, and shares nothing with the loader's planning, writing
/// or verification, so a bug there cannot hide itself here.
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

    /// One value in the oracle's binary row encoding: a kind byte, then fixed-width fields or a length-prefixed
    /// payload, so no two rows can run together and no value needs formatting. Same exactness as `canonical`.
    public static func encode(_ value: Value, into bytes: inout [UInt8]) {
        func fixed(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        func prefixed<C: Collection>(_ payload: C) where C.Element == UInt8 {
            fixed(UInt64(payload.count))
            bytes.append(contentsOf: payload)
        }
        func date(_ d: LocalDate) {
            fixed(UInt64(bitPattern: Int64(d.year)))
            bytes.append(UInt8(d.month))
            bytes.append(UInt8(d.day))
        }
        switch value {
        case .null: bytes.append(0)
        case .integer(let i): bytes.append(1); fixed(UInt64(bitPattern: i))
        case .boolean(let b): bytes.append(2); bytes.append(b ? 1 : 0)
        case .double(let d): bytes.append(3); fixed(d.bitPattern)
        case .decimal(let d):
            bytes.append(4)
            bytes.append(d.isNegative ? 1 : 0)
            fixed(UInt64(d.scale))
            prefixed(d.digits.utf8)
        case .text(let s): bytes.append(5); prefixed(s.utf8)
        case .bytes(let b): bytes.append(6); prefixed(b)
        case .date(let d): bytes.append(7); date(d)
        case .timestamp(let t):
            bytes.append(8)
            date(t.date)
            bytes.append(UInt8(t.hour))
            bytes.append(UInt8(t.minute))
            bytes.append(UInt8(t.second))
            fixed(UInt64(t.microsecond))
        }
    }

    /// The encoded rows of a table keyed by their canonical key, over the given columns; with `meanings`, each
    /// value is first normalized to what it means (see ``Meaning``).
    public static func snapshot(_ db: any Connection, _ table: TableName, columns: [String], key: [String],
                                meanings: [Meaning]? = nil,
                                where filter: (sql: String, parameters: [Value])? = nil) throws -> [String: [UInt8]] {
        var rows: [String: [UInt8]] = [:]
        try scan(db, table, columns: columns, key: key, meanings: meanings, where: filter) { rows[$0] = $1 }
        return rows
    }

    /// Reads the table in key order, handing each row's canonical key and encoding to `body`.
    static func scan(_ db: any Connection, _ table: TableName, columns: [String], key: [String],
                     meanings: [Meaning]? = nil, where filter: (sql: String, parameters: [Value])? = nil,
                     _ body: (String, [UInt8]) -> Void) throws {
        var sql = "SELECT \(quoteIdentifiers(key + columns)) FROM \(table.quoted)"
        if let filter { sql += " WHERE " + filter.sql }
        sql += " ORDER BY \(quoteIdentifiers(key))"
        try db.stream(sql, filter?.parameters ?? [], batchSize: 5000) { batch in
            for row in batch {
                var line: [UInt8] = []
                line.reserveCapacity(256)
                for (index, value) in row.values.dropFirst(key.count).enumerated() {
                    encode(meanings.map { $0[index].normalize(value) } ?? value, into: &line)
                }
                body(canonicalKey(row.values.prefix(key.count)), line)
            }
        }
    }

    /// Compares every row and column of `source` with `target` (the target may hold extra columns).
    /// `ignoring` are canonical keys (`Oracle.canonical(.integer(1546))`) left out of the comparison; `loadedAs`
    /// are the table's `column_types:` (column → logical type name), read in that meaning on both sides.
    public static func compare(source: any Connection, _ sourceTable: TableName, target: any Connection,
                               _ targetTable: TableName, key: [String], ignoring: Set<String> = [],
                               loadedAs: [String: String] = [:]) throws -> Difference {
        let sourceColumns = try source.columns(of: sourceTable).map(\.name)
        let targetColumns = Set(try target.columns(of: targetTable).map(\.name))
        var difference = Difference()
        difference.missingColumns = sourceColumns.filter { !targetColumns.contains($0) }
        if try source.primaryKey(of: sourceTable).isEmpty {
            // No key: the rows are a multiset, and each copy counts.
            let shared = sourceColumns.filter { targetColumns.contains($0) }
            let meanings = try Meaning.of(source, sourceTable, columns: shared, loadedAs: loadedAs)
            let left = try copies(source, sourceTable, columns: shared, key: key, meanings: meanings)
            let right = try copies(target, targetTable, columns: shared, key: key, meanings: meanings)
            for (row, count) in left where count > right[row, default: 0] {
                difference.missing.append(row.label(count - right[row, default: 0]))
            }
            for (row, count) in right where count > left[row, default: 0] {
                difference.extra.append(row.label(count - left[row, default: 0]))
            }
            difference.missing.sort()
            difference.extra.sort()
            return difference
        }
        let shared = sourceColumns.filter { targetColumns.contains($0) && !key.contains($0) }
        guard key.allSatisfy(targetColumns.contains) else {
            difference.missingColumns = sourceColumns
            return difference
        }
        // Both sides are read by what the source's columns mean: a SQLite source may store 12.50 as the REAL 12.5.
        let meanings = try Meaning.of(source, sourceTable, columns: shared, loadedAs: loadedAs)
        let left = try snapshot(source, sourceTable, columns: shared, key: key, meanings: meanings)
            .filter { !ignoring.contains($0.key) }
        let right = try snapshot(target, targetTable, columns: shared, key: key, meanings: meanings)
            .filter { !ignoring.contains($0.key) }
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

    /// A fingerprint of a table's content, for comparing the end states of different strategies. A table
    /// without a key is fingerprinted as its multiset of rows (the order copies are stored in is no content).
    public static func fingerprint(_ db: any Connection, _ table: TableName, key: [String]) throws -> String {
        let keyless = try db.primaryKey(of: table).isEmpty
        let columns = try db.columns(of: table).map(\.name).filter { keyless || !key.contains($0) }
        var hasher = FNV1a()
        var count = 0
        var rows: [(String, [UInt8])] = []
        try scan(db, table, columns: columns, key: key) { key, row in rows.append((key, row)) }
        if keyless { rows.sort { $0.1.lexicographicallyPrecedes($1.1) } }
        for (key, row) in rows {
            hasher.add(key.utf8)
            hasher.add(row)
            count += 1
        }
        return String(hasher.value, radix: 16) + "/\(count)"
    }

    /// One distinct row of a table without a key: its encoding, and the canonical value of the column steps
    /// select by, for people.
    struct CopyOfRow: Hashable {
        let selector: String
        let encoded: [UInt8]

        /// "k4·2": two copies of a row whose selecting column holds 4 (the display drops the kind prefix).
        func label(_ copies: Int) -> String { selector + "·\(copies)" }
    }

    /// How many copies of each distinct row a table holds.
    static func copies(_ db: any Connection, _ table: TableName, columns: [String], key: [String],
                       meanings: [Meaning]) throws -> [CopyOfRow: Int] {
        var counts: [CopyOfRow: Int] = [:]
        try scan(db, table, columns: columns, key: key, meanings: meanings) { key, row in
            counts[CopyOfRow(selector: key, encoded: row), default: 0] += 1
        }
        return counts
    }

    /// A row's key as the oracle names it: ``canonical(_:)`` of a single key; a composite key is `K(…)` with
    /// its components' canonical texts, `,` `)` and `\` in them escaped, so no two keys run together.
    static func canonicalKey(_ values: ArraySlice<Value>) -> String {
        guard values.count > 1 else { return canonical(values.first!) }
        func escaped(_ text: String) -> String { String(text.flatMap { ",)\\".contains($0) ? ["\\", $0] : [$0] }) }
        return "K(" + values.map { escaped(canonical($0)) }.joined(separator: ", ") + ")"
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

/// 64-bit FNV-1a over canonical strings or bytes, with a separator so ("ab","c") ≠ ("a","bc").
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ text: String) { add(text.utf8) }

    mutating func add<C: Sequence>(_ bytes: C) where C.Element == UInt8 {
        for byte in bytes { mix(byte) }
        mix(0x1f)
    }

    private mutating func mix(_ byte: UInt8) {
        value ^= UInt64(byte)
        value = value &* 0x0000_0100_0000_01b3
    }
}
