/// The documented range of every number a user writes — in `tables.yml`, scenario files and on the command
/// lines — checked where it is read (exit 64), so that no value asks for unbounded memory or time and arithmetic
/// on it cannot overflow. The README's "Bounds" table lists them; keep the two in step.
public enum Bounds {
    /// Rows per batch: each batch is held in memory (twice, while the next one is read).
    public static let batchSize = 1...1_000_000
    /// Ten years of 365.25 days: a watermark moved back by it stays far from `Int64`'s limits.
    public static let lookbackSeconds = 0...315_576_000
    /// `verify_cycle`: runs a rolling verification takes to cover a table (one slice per run).
    public static let verifyCycle = 1...10_000
    /// `estimated_rows` only steers `auto`'s choice of strategy.
    public static let estimatedRows = 0...1_000_000_000_000
    /// `estimated_size_mb`: one exabyte.
    public static let estimatedSizeMB = 0.0...1e12
    /// Fractions of a table, such as `--reload-fraction`.
    public static let fraction = 0.0...1.0
    /// `--bisection-factor`: sub-ranges per differing range.
    public static let bisectionFactor = 2...1024
    /// `--leaf-size`: rows compared one by one.
    public static let leafSize = 1...1_000_000
    /// A scenario's `runs:` step: loader runs under test.
    public static let runs = 1...1000
    /// Rows a scenario generates (`generate:`, a generated fixture's row count).
    public static let generatedRows = 0...1_000_000
    /// A scenario's `clock_skew:` seconds, either way.
    public static let clockSkewSeconds = -lookbackSeconds.upperBound...lookbackSeconds.upperBound
    /// Any other count in a scenario file (`every:`, `fail_inside_commit:`, expected `fallback_runs:`, `rows_loaded:`).
    public static let scenarioCount = 0...1_000_000_000
    /// `bench --rows`.
    public static let benchRows = 1000...100_000_000
    /// `bench --scale`.
    public static let benchScale = 1...100
    /// `bench --many-tables` (0 skips the case).
    public static let benchManyTables = 0...10_000
    /// `tables.yml` and scenario files larger than this are refused before they are read.
    public static let fileBytes = 16 << 20

    /// `from 1 to 1,000,000`: how errors state a range.
    public static func describe<T: Comparable & CustomStringConvertible>(_ range: ClosedRange<T>) -> String {
        "from \(grouped(range.lowerBound)) to \(grouped(range.upperBound))"
    }

    /// `1000000` as `1,000,000`; other numbers as written.
    public static func grouped(_ value: some CustomStringConvertible) -> String {
        let text = value.description
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard digits.count > 3, digits.allSatisfy(\.isNumber) else { return text }
        var result = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return (text.hasPrefix("-") ? "-" : "") + result
    }
}
