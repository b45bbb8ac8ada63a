import Foundation
import Testing
@testable import TidemarkConfig

/// A fresh directory under the system temp dir, removed when the test is done with it.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("tidemark-config-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `text` to `name` inside the directory and returns the file's path.
    func write(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }
}

/// Parses `yaml` expecting failure, and returns the error (recording an issue if there was none).
func parseError(_ yaml: String, file: String = "tables.yml",
                sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
    #expect(throws: ConfigError.self, sourceLocation: sourceLocation) {
        try TablesFile.parse(yaml, file: file)
    }
}

/// A one-table config whose table `t` has the given field lines (already indented by four spaces).
func oneTable(_ fieldLines: String) -> String {
    "tables:\n  t:\n" + fieldLines
}
