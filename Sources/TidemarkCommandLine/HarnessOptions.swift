import ArgumentParser
import Foundation
import TidemarkConfig
import TidemarkDatabase

/// The options `simulate` and `bench` share: the PostgreSQL server, the seed and where the reports go.
public struct HarnessOptions: ParsableArguments {
    @Option(help: "An existing PostgreSQL server (otherwise a throwaway cluster is started and removed).")
    public var postgresURL: String?
    @Option(help: "An existing MariaDB/MySQL server, a mysql:// URL (otherwise a throwaway server is started and removed).")
    public var mysqlURL: String?
    @Option(help: "The seed every generated value derives from (the same seed replays the same data).")
    public var seed: UInt64 = 1
    @Option(help: "Write the report as JSON to this file.") public var json: String?
    @Option(help: "Write a self-contained HTML report to this file.") public var html: String?

    public init() {}

    /// Checks the URL here rather than as an argument type, whose error would echo the value and its password.
    public func validate() throws {
        if let postgresURL {
            do { _ = try DatabaseURL(postgresURL) } catch { throw ValidationError("--postgres-url: \(error)") }
        }
        if let mysqlURL {
            let url: DatabaseURL
            do { url = try DatabaseURL(mysqlURL) } catch { throw ValidationError("--mysql-url: \(error)") }
            guard case .mysql = url else { throw ValidationError("--mysql-url: not a mysql:// or mariadb:// URL") }
        }
    }

    /// The server `--mysql-url` names, if any.
    public func mysqlServer() throws -> DatabaseURL? {
        try mysqlURL.map { try DatabaseURL($0) }
    }

    /// The server `--postgres-url` names, if any.
    public func postgresServer() throws -> DatabaseURL? {
        try postgresURL.map { try DatabaseURL($0) }
    }
}

/// Refuses a number outside its documented range (exit 64), naming the flag and the range.
public func checkBounds<T: Comparable & CustomStringConvertible>(_ flag: String, _ value: T, _ range: ClosedRange<T>)
    throws {
    guard range.contains(value) else { throw ValidationError("\(flag): must be \(Bounds.describe(range)), not \(value)") }
}

/// Writes a report to `path`, creating its folder; nothing (and no rendering) without a path.
public func writeReport(_ text: @autoclosure () throws -> String, to path: String?) throws {
    guard let path else { return }
    let directory = (path as NSString).deletingLastPathComponent
    if !directory.isEmpty {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    try text().write(toFile: path, atomically: true, encoding: .utf8)
}
