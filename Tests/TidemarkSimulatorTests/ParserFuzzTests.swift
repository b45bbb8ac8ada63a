import Foundation
import Testing
import TidemarkConfig
import TidemarkDrivers
import TidemarkFixtures
import TidemarkSimulator

/// Seeded mutations of valid inputs for the three parsers users feed: URLs, tables.yml and scenario files. None may
/// crash or hang, a URL error never shows the password, and a file's rejection names the file (and a line where
/// the text has one). One seed drives each run; a failure prints the seed and the input, which replay it.
@Suite struct ParserFuzzTests {
    static let seeds: [UInt64] = [1, 2, 3]
    static let iterations = 1500
    static let password = "Fz9Pw"

    /// Characters that matter to the parsers, so mutations reach their branches rather than only plain text.
    static let alphabet = Array(":/?@#&=%'\"\\ ,[]{}-\n\t*&!|>0123456789aZ.~") + ["é", "\u{0}"]

    /// Deletes, inserts, duplicates or swaps a few characters or lines of `text`.
    static func mutate(_ text: String, _ random: inout SeededRandom) -> String {
        var chars = Array(text)
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let at = chars.isEmpty ? 0 : Int.random(in: 0..<chars.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where !chars.isEmpty: chars.remove(at: at)
            case 1: chars.insert(alphabet.randomElement(using: &random)!, at: at)
            case 2 where !chars.isEmpty:
                let end = min(chars.count, at + Int.random(in: 1...12, using: &random))
                chars.insert(contentsOf: chars[at..<end], at: end)
            case 3 where !chars.isEmpty:
                chars.replaceSubrange(at..<min(chars.count, at + 1), with: [alphabet.randomElement(using: &random)!])
            default:
                let digits = Array(String(UInt64.random(in: 0...UInt64.max, using: &random)))
                chars.insert(contentsOf: (Bool.random(using: &random) ? ["-"] : []) + digits, at: at)
            }
        }
        return String(chars)
    }

    /// Runs `check` on `iterations` mutations of the seeds' inputs, recording the seed and input of each failure.
    func fuzz(_ inputs: [String], seed: UInt64, _ check: (String) throws -> String?) {
        var random = SeededRandom(seed: seed)
        for iteration in 0..<Self.iterations {
            let input = Self.mutate(inputs[iteration % inputs.count], &random)
            let started = Date()
            let problem: String?
            do {
                problem = try check(input)
            } catch {
                problem = "unexpected error \(type(of: error)): \(error)"
            }
            let seconds = Date().timeIntervalSince(started)
            if let problem = problem ?? (seconds > 1 ? "took \(seconds) s" : nil) {
                Issue.record("seed \(seed), iteration \(iteration): \(problem)\ninput: \(input.debugDescription)")
                return
            }
        }
    }

    @Test(arguments: seeds)
    func `URLs: no crash, no password in an error`(seed: UInt64) {
        let p = Self.password
        let valid = ["postgresql://tm:\(p)@db.example:5433/od?sslmode=require", "postgres://tm:\(p)@%2Ftmp/od",
                     "host=/tmp port=5433 user=tm password=\(p) dbname=od", "password='\(p)' host=db sslmode=disable",
                     "sqlite:data/od.db", "postgresql://[::1]:5432,h2:5433/od?password=\(p)&application_name=x"]
        fuzz(valid, seed: seed) { input in
            do {
                // A mutation may make the password text part of a valid database name; what must stay hidden is
                // whatever the URL now holds as its password.
                let url = try DatabaseURL(input)
                guard case .postgres(let parameters) = url,
                      let password = parameters.first(where: { $0.keyword == "password" })?.value, password.count > 2
                else { return nil }
                return url.redacted.contains(password) ? "redacted form shows the password: \(url.redacted)" : nil
            } catch let error as DatabaseURLError {
                return "\(error)".contains(p) ? "error shows the password: \(error)" : nil
            }
        }
    }

    @Test(arguments: seeds)
    func `tables.yml: no crash, errors name file and line`(seed: UInt64) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/tables.yml").path
        let valid = [try String(contentsOfFile: path, encoding: .utf8)]
        fuzz(valid, seed: seed) { input in
            do {
                _ = try TablesFile.parse(input, file: "fuzz.yml")
                return nil
            } catch let error as ConfigError {
                return error.file == "fuzz.yml" && error.description.hasPrefix("fuzz.yml") ? nil : "unlocated: \(error)"
            }
        }
    }

    @Test(arguments: seeds)
    func `scenario files: no crash, errors name file and line`(seed: UInt64) throws {
        let directory = ScenarioLibrary.defaultDirectory()
        let valid = try ["stale-medication", "dbt-views"].map {
            try String(contentsOfFile: directory + "/\($0).yaml", encoding: .utf8)
        }
        fuzz(valid, seed: seed) { input in
            do {
                _ = try ScenarioParser.parse(input, file: "fuzz.yaml")
                return nil
            } catch let error as ScenarioError {
                // Only an empty document has no line to point at.
                return error.file == "fuzz.yaml" && (error.line != nil || error.reason.contains("empty"))
                    ? nil : "unlocated: \(error)"
            }
        }
    }
}
