/// A problem in `tables.yml` that Tidemark can work around, e.g. a field it does not know.
public struct ConfigWarning: Sendable, Equatable, CustomStringConvertible {
    public let file: String
    /// 1-based.
    public let line: Int?
    public let table: String?
    public let field: String?
    public let message: String

    public init(file: String, line: Int?, table: String? = nil, field: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.table = table
        self.field = field
        self.message = message
    }

    public var description: String {
        diagnosticText(file: file, line: line, table: table, field: field, message: message)
    }
}

/// A `tables.yml` that cannot be used; the first problem found, located well enough to fix it.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    /// 1-based; `nil` when the problem has no place in the text (an unreadable or empty file).
    public let line: Int?
    public let table: String?
    public let field: String?
    public let message: String

    public init(file: String, line: Int?, table: String? = nil, field: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.table = table
        self.field = field
        self.message = message
    }

    public var description: String {
        diagnosticText(file: file, line: line, table: table, field: field, message: message)
    }

    /// The description without file and line, for a caller that reports those its own way (a scenario file).
    public var reason: String {
        diagnosticReason(table: table, field: field, message: message)
    }
}

/// `file:line: table 't', field 'f': message`, leaving out the parts that are unknown.
func diagnosticText(file: String, line: Int?, table: String?, field: String?, message: String) -> String {
    var text = file
    if let line { text += ":\(line)" }
    return text + ": " + diagnosticReason(table: table, field: field, message: message)
}

/// `table 't', field 'f': message`, leaving out the parts that are unknown.
func diagnosticReason(table: String?, field: String?, message: String) -> String {
    var subject: [String] = []
    if let table { subject.append("table '\(table)'") }
    if let field { subject.append("field '\(field)'") }
    return subject.isEmpty ? message : subject.joined(separator: ", ") + ": " + message
}
