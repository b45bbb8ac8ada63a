import Foundation
import Testing
@testable import TidemarkConfig

/// Every number in tables.yml has a documented range, and only small regular files are read.
@Suite struct BoundsTests {
    @Test(arguments: [
        ("batch_size: 9223372036854775807", "batch_size", "expected an integer from 1 to 1,000,000"),
        ("batch_size: 10000000000", "batch_size", "expected an integer from 1 to 1,000,000"),
        ("lookback_seconds: 9223372036854775807", "lookback_seconds", "expected an integer from 0 to 315,576,000"),
        ("lookback_seconds: 315576001", "lookback_seconds", "expected an integer from 0 to 315,576,000"),
        ("estimated_size_mb: 1e300", "estimated_size_mb", "expected a number from 0.0 to 1000000000000.0"),
    ])
    func `a number out of its range names file, line, field and the range`(line: String, field: String,
                                                                             message: String) throws {
        let error = try #require(parseError("tables:\n  t:\n    \(line)\n"))
        #expect(error.line == 3 && error.field == field && error.message.hasPrefix(message), "\(error)")
    }

    @Test func `the largest documented values are accepted`() throws {
        let file = try TablesFile.parse(
            "tables:\n  t: {batch_size: 1000000, lookback_seconds: 315576000}\n", file: "tables.yml")
        #expect(file.tables.first?.batchSize == 1_000_000)
        #expect(file.tables.first?.lookbackSeconds == 315_576_000)
    }

    @Test(arguments: ["/dev/zero", "/dev/null", "/tmp"])
    func `a path that is not a regular file is refused at once`(path: String) {
        let started = Date()
        #expect {
            try TablesFile.load(path: path)
        } throws: { error in
            (error as? ConfigError)?.description.contains("not a regular file") == true
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func `a FIFO without a writer is refused, not waited on`() throws {
        let directory = try TemporaryDirectory()
        let path = directory.url.appendingPathComponent("tables.yml").path
        #expect(mkfifo(path, 0o600) == 0)
        #expect {
            try TablesFile.load(path: path)
        } throws: { error in
            (error as? ConfigError)?.description == "\(path): not a regular file (a device, FIFO or socket)"
        }
    }

    @Test func `a file over the size cap is refused`() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("tables.yml", "tables:\n  t: {}\n" + String(repeating: "#", count: 16 << 20))
        #expect {
            try TablesFile.load(path: path)
        } throws: { error in
            (error as? ConfigError)?.description == "\(path): larger than the 16 MiB a config file may be"
        }
    }

    @Test func `ranges read with digit groups`() {
        #expect(Bounds.describe(1...1_000_000) == "from 1 to 1,000,000")
        #expect(Bounds.describe(-315_576_000...315_576_000) == "from -315,576,000 to 315,576,000")
        #expect(Bounds.describe(0...100) == "from 0 to 100")
    }
}
