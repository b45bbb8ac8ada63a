import Foundation

/// The machine-readable report (`--json FILE`): the Codable result model, pretty-printed with sorted keys.
public enum JSONReport {
    /// The report as JSON, ending with a newline. Throws `EncodingError` when a duration is not a finite number.
    public static func render(_ report: SimulationReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(report)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
