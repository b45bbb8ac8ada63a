import Yams

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed `tables.yml`: the tables in file order, plus what was odd but usable.
public struct TablesFile: Sendable {
    public let path: String
    public let tables: [TableConfig]
    public let warnings: [ConfigWarning]
    private let index: [String: Int]

    /// For callers that build a config in code (tests, a table named only on the command line).
    /// If two tables share a name, the subscript returns the first.
    public init(path: String, tables: [TableConfig], warnings: [ConfigWarning] = []) {
        self.path = path
        self.tables = tables
        self.warnings = warnings
        var index: [String: Int] = [:]
        for (position, table) in tables.enumerated() where index[table.name] == nil {
            index[table.name] = position
        }
        self.index = index
    }

    /// Looks a table up by its exact name.
    public subscript(name: String) -> TableConfig? {
        index[name].map { tables[$0] }
    }

    /// Reads and parses the file at `path`; errors carry `path` as given.
    public static func load(path: String) throws(ConfigError) -> TablesFile {
        let text = try readConfigText(path: path)
        return try parse(text, file: path)
    }

    /// Parses YAML text; `file` only labels errors and warnings.
    public static func parse(_ yaml: String, file: String) throws(ConfigError) -> TablesFile {
        var parser = TablesParser(file: file)
        let tables = try parser.parse(yaml)
        return TablesFile(path: file, tables: tables, warnings: parser.warnings)
    }

    /// Reads one table's fields, the mapping that would stand under its name in `tables.yml`, for a file that
    /// embeds table settings (a simulator scenario): the same reader, so the same errors and warnings, naming
    /// `file`, the line, the table and the field. Lines are those of the document `fields` was composed from.
    public static func parseFields(_ fields: Node, table: String, file: String)
        throws(ConfigError) -> (config: TableConfig, warnings: [ConfigWarning]) {
        var parser = TablesParser(file: file)
        let config = try parser.parseTable(name: table, key: nil, value: fields)
        return (config, parser.warnings)
    }
}

// MARK: - Reading the file

/// Reads a user's text file (`tables.yml`, a scenario) with POSIX calls, so the error carries the OS's own reason
/// (`No such file or directory`, …). Anything but a regular file of at most ``Bounds/fileBytes`` is refused before
/// it is read: `/dev/zero` or a FIFO would otherwise hang the reader or fill memory.
public func readConfigText(path: String) throws(ConfigError) -> String {
    func failure(_ message: String) -> ConfigError { ConfigError(file: path, line: nil, message: message) }
    func systemFailure(_ action: String) -> ConfigError {
        failure("cannot \(action) the file: \(String(cString: strerror(errno)))")
    }

    // Non-blocking, so opening a FIFO with no writer returns at once and is then refused as not a regular file.
    let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else { throw systemFailure("open") }
    defer { close(descriptor) }
    var status = stat()
    guard fstat(descriptor, &status) == 0 else { throw systemFailure("inspect") }
    switch status.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: throw failure("not a regular file: Is a directory")
    default: throw failure("not a regular file (a device, FIFO or socket)")
    }
    let limit = Bounds.fileBytes
    let tooLarge = failure("larger than the \(limit >> 20) MiB a config file may be")
    guard status.st_size <= limit else { throw tooLarge }

    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw systemFailure("read")
        }
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
        // A file growing while it is read.
        guard bytes.count <= limit else { throw tooLarge }
    }
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw failure("the file is not valid UTF-8 text")
    }
    return text
}
