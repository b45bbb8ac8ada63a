/// Where a connection goes, parsed from the URL forms `etl-run` and `simulate` accept:
///
/// - `sqlite:PATH` (relative or absolute; `sqlite:///abs/path` also works) and `sqlite::memory:`
/// - `postgresql://…` or `postgres://…` URIs, as libpq defines them
/// - a libpq `key=value` connection string (`host=/tmp port=5433 dbname=analytics`)
/// - `mysql://[user[:password]@][host[:port]][/database][?socket=/path]` or `mariadb://…`
///
/// PostgreSQL settings not given here come from the PG* environment variables, exactly as libpq applies them.
/// MySQL settings not given are libmariadb's defaults (localhost through its default socket, port 3306, the
/// login name as user); no MYSQL_* variable or option file is read.
/// A malformed URL is rejected with a ``DatabaseURLError`` naming the part that is wrong; neither the error nor
/// ``redacted`` ever shows a password.
public enum DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(parameters: [ConnectionParameter])
    /// Keywords `host`, `port`, `user`, `password`, `database` and `socket`, each at most once.
    case mysql(parameters: [ConnectionParameter])

    public static let sqliteMemoryPath = ":memory:"

    public var engine: Engine {
        switch self {
        case .sqlite: return .sqlite
        case .postgres: return .postgres
        case .mysql: return .mysql
        }
    }

    public init(_ text: String) throws(DatabaseURLError) {
        let trimmed = String(text.trimming(" "))
        guard !trimmed.isEmpty else { throw DatabaseURLError(part: "URL", reason: "is empty") }
        let secrets = SecretSpans(trimmed)
        if trimmed.hasPrefix("sqlite:") {
            var path = String(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else {
                throw DatabaseURLError(part: "path", reason: "is missing: write sqlite:PATH or sqlite::memory:")
            }
            self = .sqlite(path: path)
        } else if trimmed.hasPrefix("postgresql://") || trimmed.hasPrefix("postgres://") {
            self = .postgres(parameters: try parsePostgresURI(trimmed, secrets))
        } else if trimmed.hasPrefix("mysql://") || trimmed.hasPrefix("mariadb://") {
            self = .mysql(parameters: try parseMySQLURL(trimmed, secrets))
        } else if let colon = trimmed.firstIndex(of: ":"), !trimmed[..<colon].contains("="),
            trimmed[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" })
        {
            throw DatabaseURLError(
                part: "scheme",
                reason: "\(secrets.quote(trimmed[..<colon])) is not supported: "
                    + "use sqlite:PATH, postgresql://…, mysql://… or key=value")
        } else if trimmed.contains("=") {
            self = .postgres(parameters: try parseKeywordValueString(trimmed))
        } else {
            throw DatabaseURLError(
                part: "URL", reason: "is neither sqlite:PATH, a postgresql:// or mysql:// URL nor a key=value string")
        }
    }

    /// The URL with any password replaced by `***`: safe for logs, reports and errors.
    public var redacted: String {
        switch self {
        case .sqlite(let path): return "sqlite:" + path
        case .postgres(let parameters):
            return parameters.map { p in
                p.keyword == "password" || p.keyword == "sslpassword" ? "\(p.keyword)=***" : "\(p.keyword)=\(p.value)"
            }.joined(separator: " ")
        case .mysql(let parameters):
            func value(_ keyword: String) -> String? { parameters.first { $0.keyword == keyword }?.value }
            var text = "mysql://"
            if let user = value("user") { text += user + (value("password") == nil ? "@" : ":***@") }
            text += value("host").map { $0.contains(":") ? "[\($0)]" : $0 } ?? ""
            if let port = value("port") { text += ":" + port }
            if let database = value("database") { text += "/" + database }
            if let socket = value("socket") { text += "?socket=" + socket }
            return text
        }
    }

    public var description: String { redacted }
}

/// One libpq connection keyword and its value.
public struct ConnectionParameter: Sendable, Equatable {
    public let keyword: String
    public let value: String

    public init(_ keyword: String, _ value: String) {
        self.keyword = keyword
        self.value = value
    }
}

/// A connection URL that could not be parsed. Names the part and never contains a password.
public struct DatabaseURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let part: String
    public let reason: String

    public var description: String { "bad database URL: \(part) \(reason)" }
}

/// The keywords libpq 15 understands (see "Parameter Key Words" in the libpq documentation).
let libpqKeywords: Set<String> = [
    "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "channel_binding", "connect_timeout",
    "client_encoding", "options", "application_name", "fallback_application_name", "keepalives",
    "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout", "replication", "gssencmode",
    "sslmode", "requiressl", "sslcompression", "sslcert", "sslkey", "sslpassword", "sslrootcert", "sslcrl",
    "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version", "ssl_max_protocol_version", "krbsrvname",
    "gsslib", "service", "target_session_attrs",
]

/// Values libpq accepts for the keywords whose values form a closed set, checked here so that a typo is a usage
/// error (exit 64) naming the allowed values rather than a connection failure.
let libpqChoices: [String: [String]] = [
    "sslmode": ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"],
    "gssencmode": ["disable", "prefer", "require"],
    "channel_binding": ["disable", "prefer", "require"],
    "target_session_attrs": ["any", "read-write", "read-only", "primary", "standby", "prefer-standby"],
]

extension DatabaseURL {
    /// What stands in a message for a command-line argument that may hold a password.
    public static let hiddenArgument = "<not shown: it may hold a password>"

    /// `message`, built by code that quotes command-line arguments as they are (ArgumentParser's "Unexpected
    /// argument '…'" or "The value '…' is invalid"), with every argument that may hold a password replaced by
    /// ``hiddenArgument``, and then any text of those arguments that may be a password by `***`. An argument may
    /// hold a password when the rule of ``SecretSpans`` finds a span in it (`user:…@`, or everything after the
    /// `:` that follows `://`) or it says `password=`; `--option=value` is looked at whole and as its value.
    public static func redactingArguments(_ arguments: [String], in message: String) -> String {
        var message = message
        var secrets: [Substring] = []
        for argument in arguments {
            var candidates = [Substring(argument)]
            if argument.hasPrefix("-"), let equals = argument.firstIndex(of: "=") {
                candidates.append(argument[argument.index(after: equals)...])
            }
            for candidate in candidates {
                let spans = SecretSpans.texts(in: candidate)
                guard !spans.isEmpty else { continue }
                message = message.replacing(candidate, with: hiddenArgument)
                secrets += spans
            }
        }
        for secret in secrets where !secret.isEmpty { message = message.replacing(secret, with: "***") }
        return message
    }
}

/// The one redaction rule for URL text an error quotes: the spans that may hold a password, found before anything
/// is parsed, so that no message quotes a fragment of them however malformed the text. Only the scheme and the
/// host are ever quoted; other parts are named by role or position (see ``parameterName(_:position:)``), and a
/// port never, since a password written without its host (`postgresql://tm:S3cr3t/tm`) reads as one.
///
/// The span is everything between the first `:` (after `://` when there is one) and the last `@`: an unencoded
/// `/`, `?`, `@`, `#` or `:` in a password moves where a parser thinks the user info ends, never where this span
/// ends. With no `@`, it is everything after the `:` that follows `://`.
struct SecretSpans {
    private var spans: [Range<String.Index>] = []

    init(_ text: String) {
        let scheme = text.firstRange(of: "://")
        let rest = text[(scheme?.upperBound ?? text.startIndex)...]
        if let colon = rest.firstIndex(of: ":") {
            if let at = rest.lastIndex(of: "@") {
                if colon < at { spans.append(text.index(after: colon)..<at) }
            } else if scheme != nil {
                spans.append(text.index(after: colon)..<text.endIndex)
            }
        }
    }

    /// The texts of `text` that may hold a password: the spans above, and whatever follows a `password=`.
    static func texts(in text: Substring) -> [Substring] {
        let string = String(text)
        var texts = SecretSpans(string).spans.map { string[$0] }
        var rest = string[...]
        while let keyword = rest.firstRange(of: "password=") {
            rest = rest[keyword.upperBound...]
            texts.append(rest)
        }
        return texts
    }

    /// `'fragment'`, or `'…'` when the fragment touches a span that may hold a password.
    func quote(_ fragment: Substring) -> String {
        let range = fragment.startIndex..<fragment.endIndex
        return spans.contains(where: { $0.overlaps(range) || (range.isEmpty && $0.contains(range.lowerBound)) })
            ? "'…'" : "'\(fragment)'"
    }
}

/// How an error names the `position`th parameter: by its keyword when that is libpq's (a fixed word, never a
/// secret), else by position — other text there may be a password that lost its `password=` or its quotes.
private func parameterName(_ keyword: Substring, position: Int) -> String {
    libpqKeywords.contains(String(keyword)) ? "parameter '\(keyword)'" : "parameter \(position)"
}

private func checkKeyword(_ keyword: Substring, position: Int) throws(DatabaseURLError) {
    guard libpqKeywords.contains(String(keyword)) else {
        let near = keyword.count > 40 ? nil : libpqKeywords.sorted().first { editDistance($0, keyword) <= 2 }
        throw DatabaseURLError(part: parameterName(keyword, position: position),
                               reason: "is not a libpq connection keyword" + (near.map { " (did you mean '\($0)'?)" } ?? ""))
    }
}

/// Levenshtein distance.
private func editDistance(_ a: String, _ b: Substring) -> Int {
    let b = Array(b)
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
        var current = [i + 1]
        for (j, y) in b.enumerated() {
            current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
        }
        previous = current
    }
    return previous[b.count]
}

/// Checks what libpq would only reject when connecting. A port is never quoted: a password written without its
/// host (`postgresql://tm:S3cr3t/db`) reads as one.
private func checkValue(_ keyword: String, _ value: String) throws(DatabaseURLError) {
    if keyword == "port" {
        for single in value.split(separator: ",", omittingEmptySubsequences: false) {
            guard let n = Int(single), (1...65535).contains(n) else {
                throw DatabaseURLError(part: "port", reason: "is not a number from 1 to 65535")
            }
        }
    }
    if let allowed = libpqChoices[keyword], !allowed.contains(value) {
        throw DatabaseURLError(part: keyword, reason: "must be one of \(allowed.joined(separator: ", "))")
    }
}

/// `postgresql://[user[:password]@][host[:port][,…]][/dbname][?keyword=value&…]`
private func parsePostgresURI(_ text: String, _ secrets: SecretSpans) throws(DatabaseURLError) -> [ConnectionParameter] {
    var rest = text[text.index(after: text.firstIndex(of: ":")!)...].dropFirst(2)
    var parameters: [ConnectionParameter] = []

    var query: Substring = ""
    if let q = rest.firstIndex(of: "?") {
        query = rest[rest.index(after: q)...]
        rest = rest[..<q]
    }
    var authority = rest
    var path: Substring = ""
    if let slash = rest.firstIndex(of: "/") {
        authority = rest[..<slash]
        path = rest[rest.index(after: slash)...]
    }
    // libpq would take the text before such an '@' as the host or the database: part of a password, shown.
    guard !path.contains("@"), !query.contains("@") else {
        throw DatabaseURLError(
            part: "URI", reason: "has an '@' after the host: write '/', '?' and '@' in a password as %2F, %3F, %40")
    }
    let dbname = try percentDecode(path, part: "database name")
    if !dbname.isEmpty { parameters.append(.init("dbname", dbname)) }
    parameters += try parseUserInfo(&authority)
    if !authority.isEmpty {
        var hosts: [String] = []
        var ports: [String] = []
        for hostPort in authority.split(separator: ",", omittingEmptySubsequences: false) {
            let (host, port) = try splitHostPort(hostPort, secrets)
            hosts.append(try percentDecode(host, part: "host"))
            if !port.isEmpty { try checkValue("port", String(port)) }
            ports.append(String(port))
        }
        if hosts.contains(where: { !$0.isEmpty }) { parameters.append(.init("host", hosts.joined(separator: ","))) }
        if ports.contains(where: { !$0.isEmpty }) { parameters.append(.init("port", ports.joined(separator: ","))) }
    }
    for (position, pair) in query.split(separator: "&").enumerated() {
        guard let eq = pair.firstIndex(of: "=") else {
            throw DatabaseURLError(part: "query " + parameterName(pair, position: position + 1), reason: "has no '=value'")
        }
        try checkKeyword(pair[..<eq], position: position + 1)
        let keyword = String(pair[..<eq])
        let value = try percentDecode(pair[pair.index(after: eq)...], part: "query parameter '\(keyword)'")
        try checkValue(keyword, value)
        parameters.append(.init(keyword, value))
    }
    return parameters
}

/// `host[:port]` or `[IPv6]:port` into its host and port (either may be empty).
private func splitHostPort(_ hostPort: Substring,
                           _ secrets: SecretSpans) throws(DatabaseURLError) -> (Substring, Substring) {
    if hostPort.first == "[" {
        guard let close = hostPort.firstIndex(of: "]") else {
            throw DatabaseURLError(part: "host", reason: "\(secrets.quote(hostPort)) has an unclosed '['")
        }
        let after = hostPort[hostPort.index(after: close)...]
        guard after.isEmpty || after.first == ":" else {
            throw DatabaseURLError(part: "host", reason: "\(secrets.quote(hostPort)) is malformed")
        }
        return (hostPort[hostPort.index(after: hostPort.startIndex)..<close], after.dropFirst())
    }
    guard let colon = hostPort.lastIndex(of: ":") else { return (hostPort, "") }
    return (hostPort[..<colon], hostPort[hostPort.index(after: colon)...])
}

/// Takes `user[:password]@` off the front of a URL's authority: the user and password parameters.
private func parseUserInfo(_ authority: inout Substring) throws(DatabaseURLError) -> [ConnectionParameter] {
    guard let at = authority.lastIndex(of: "@") else { return [] }
    let userInfo = authority[..<at]
    authority = authority[authority.index(after: at)...]
    var parameters: [ConnectionParameter] = []
    let colon = userInfo.firstIndex(of: ":")
    let user = try percentDecode(userInfo[..<(colon ?? userInfo.endIndex)], part: "user name")
    if !user.isEmpty { parameters.append(.init("user", user)) }
    if let colon {
        // The password is decoded but never quoted back in an error.
        guard let password = try? percentDecode(userInfo[userInfo.index(after: colon)...], part: "password")
        else { throw DatabaseURLError(part: "password", reason: "has a malformed %-escape") }
        parameters.append(.init("password", password))
    }
    return parameters
}

/// `mysql://[user[:password]@][host[:port]][/database][?socket=/path]` (or `mariadb://`). One host; an IPv6
/// address goes in brackets.
private func parseMySQLURL(_ text: String, _ secrets: SecretSpans) throws(DatabaseURLError) -> [ConnectionParameter] {
    var rest = Substring(text[text.index(after: text.firstIndex(of: ":")!)...].dropFirst(2))
    var query: Substring = ""
    if let q = rest.firstIndex(of: "?") {
        query = rest[rest.index(after: q)...]
        rest = rest[..<q]
    }
    var authority = rest
    var database = ""
    if let slash = rest.firstIndex(of: "/") {
        authority = rest[..<slash]
        database = try percentDecode(rest[rest.index(after: slash)...], part: "database name")
        guard !database.contains("/") else {
            throw DatabaseURLError(part: "database name", reason: "holds a '/'")
        }
    }
    var parameters = try parseUserInfo(&authority)
    guard !authority.contains(",") else {
        throw DatabaseURLError(part: "host", reason: "\(secrets.quote(authority)) lists several hosts; MySQL takes one")
    }
    let (host, port) = try splitHostPort(authority, secrets)
    let hostName = try percentDecode(host, part: "host")
    if !hostName.isEmpty { parameters.append(.init("host", hostName)) }
    if !port.isEmpty {
        try checkValue("port", String(port))
        parameters.append(.init("port", String(port)))
    }
    if !database.isEmpty { parameters.append(.init("database", database)) }
    for (position, pair) in query.split(separator: "&").enumerated() {
        guard let eq = pair.firstIndex(of: "=") else {
            throw DatabaseURLError(part: "query parameter \(position + 1)", reason: "has no '=value'")
        }
        let keyword = try percentDecode(pair[..<eq], part: "query parameter name")
        guard keyword == "socket" else {
            throw DatabaseURLError(part: "query parameter \(position + 1)", reason: "is not supported: only socket is")
        }
        guard !parameters.contains(where: { $0.keyword == keyword }) else {
            throw DatabaseURLError(part: "query parameter '\(keyword)'", reason: "is given twice")
        }
        let socket = try percentDecode(pair[pair.index(after: eq)...], part: "socket path")
        guard socket.hasPrefix("/") else {
            throw DatabaseURLError(part: "socket path", reason: "is not an absolute path")
        }
        parameters.append(.init("socket", socket))
    }
    return parameters
}

private func percentDecode(_ text: Substring, part: String) throws(DatabaseURLError) -> String {
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8).makeIterator()
    while let byte = iterator.next() {
        if byte == UInt8(ascii: "%") {
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                throw DatabaseURLError(part: part, reason: "has a malformed %-escape")
            }
            bytes.append(high << 4 | low)
        } else {
            bytes.append(byte)
        }
    }
    guard let decoded = String(validating: bytes, as: UTF8.self) else {
        throw DatabaseURLError(part: part, reason: "is not valid UTF-8 once decoded")
    }
    return decoded
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}

/// `keyword = value …` with optional single-quoted values (`\'` and `\\` escapes), as libpq parses it.
private func parseKeywordValueString(_ text: String) throws(DatabaseURLError)
    -> [ConnectionParameter] {
    var parameters: [ConnectionParameter] = []
    var i = text.startIndex
    var position = 0
    func skipSpaces() { while i < text.endIndex, text[i].isWhitespace { i = text.index(after: i) } }
    while true {
        skipSpaces()
        if i >= text.endIndex { break }
        let start = i
        position += 1
        while i < text.endIndex, !text[i].isWhitespace, text[i] != "=" { i = text.index(after: i) }
        let keyword = text[start..<i]
        skipSpaces()
        guard i < text.endIndex, text[i] == "=" else {
            throw DatabaseURLError(part: parameterName(keyword, position: position), reason: "is missing '=' and a value")
        }
        i = text.index(after: i)
        try checkKeyword(keyword, position: position)
        skipSpaces()
        var value = ""
        if i < text.endIndex, text[i] == "'" {
            i = text.index(after: i)
            var closed = false
            while i < text.endIndex {
                if text[i] == "\\", text.index(after: i) < text.endIndex {
                    i = text.index(after: i)
                } else if text[i] == "'" {
                    i = text.index(after: i)
                    closed = true
                    break
                }
                value.append(text[i])
                i = text.index(after: i)
            }
            guard closed else {
                throw DatabaseURLError(part: "parameter '\(keyword)'", reason: "has an unterminated quoted value")
            }
        } else {
            while i < text.endIndex, !text[i].isWhitespace {
                if text[i] == "\\", text.index(after: i) < text.endIndex { i = text.index(after: i) }
                value.append(text[i])
                i = text.index(after: i)
            }
        }
        try checkValue(String(keyword), value)
        parameters.append(.init(String(keyword), value))
    }
    return parameters
}
