/// A column's logical type chosen by the user (`column_types:` in `tables.yml`) instead of the one its source
/// declaration maps to: the names it is written with, and which changes the loader can carry out and verify.
extension ColumnType {
    /// The names a user writes, as the README's type table and ``description`` spell them; `numeric`,
    /// `varchar` and `char` take arguments: `numeric(12,4)`, `numeric(12)`, `varchar(40)`, `char(2)`.
    public static let logicalNames = [
        "smallint", "integer", "bigint", "boolean", "numeric", "numeric(p,s)", "real", "double", "text", "varchar(n)",
        "char(n)", "date", "time", "duration", "timestamp", "timestamptz", "bytes", "uuid", "json", "jsonb",
    ]

    /// The type a logical name stands for (see ``logicalNames``), or nil for any other text.
    public init?(logicalName: String) {
        let written = DeclaredType(logicalName)
        let arguments = written.arguments
        // DeclaredType drops what is not a whole number between the parentheses: count the commas instead.
        let argumentCount = logicalName.firstIndex(of: "(").map { open in
            logicalName[open...].split(separator: ",", omittingEmptySubsequences: false).count
        } ?? 0
        guard argumentCount == arguments.count, !written.isArray, !written.isUnsigned else { return nil }
        switch (written.base, arguments.count) {
        case ("smallint", 0): self = .smallint
        case ("integer", 0): self = .integer
        case ("bigint", 0): self = .bigint
        case ("boolean", 0): self = .boolean
        case ("numeric", 0): self = .numeric(precision: 0, scale: 0)
        case ("numeric", 1...2):
            let precision = arguments[0], scale = arguments.count > 1 ? arguments[1] : 0
            guard (1...1000).contains(precision), (0...precision).contains(scale) else { return nil }
            self = .numeric(precision: precision, scale: scale)
        case ("real", 0): self = .real
        case ("double", 0): self = .double
        case ("text", 0): self = .text
        case ("varchar", 1) where (1...10_485_760).contains(arguments[0]): self = .varchar(length: arguments[0])
        case ("char", 1) where (1...10_485_760).contains(arguments[0]): self = .character(length: arguments[0])
        case ("date", 0): self = .date
        case ("time", 0): self = .time
        case ("duration", 0): self = .duration
        case ("timestamp", 0): self = .timestamp
        case ("timestamptz", 0): self = .timestampWithTimeZone
        case ("bytes", 0): self = .bytes
        case ("uuid", 0): self = .uuid
        case ("json", 0): self = .json
        case ("jsonb", 0): self = .jsonb
        default: return nil
        }
    }

    /// Why a column of this (the source's) type cannot be loaded as `override`, or nil when it can. Allowed are
    /// the changes whose values ``convert(_:)`` turns exactly into the override's, or rejects row by row, *and*
    /// whose checksum spelling every source dialect can compute from the stored value (so the table verifies):
    ///
    /// - whole numbers: any of smallint, integer, bigint and boolean into another (0/1 only into boolean), a
    ///   numeric into an integer (whole values only), whole-number text into an integer;
    /// - numbers: an integer or numeric into numeric(p,s) (rows needing more digits are rejected), an integer,
    ///   real or double into a real or double;
    /// - times: time and duration either way (a duration into time only from 00:00 to 24:00);
    /// - text: text of any length, an integer, numeric, time, duration, uuid, json or foreign type into text or
    ///   varchar(n) (longer text rejected).
    ///
    /// Anything else — bytes into a number, a date into an integer, a boolean or a double into text (whose
    /// spelling differs between engines) — is refused.
    public func overrideRefusal(as override: ColumnType) -> String? {
        if self == override { return nil }
        let allowed: Bool
        switch override {
        case .smallint, .integer, .bigint: allowed = isInteger || isWholeNumberSource
        case .boolean: allowed = isInteger || self == .boolean
        case .numeric: allowed = isInteger || isNumeric
        case .real, .double: allowed = isInteger || self == .real || self == .double
        case .time, .duration: allowed = self == .time || self == .duration
        case .text, .varchar:
            switch self {
            case .bigint, .integer, .smallint, .numeric, .text, .varchar, .character, .time, .duration, .uuid, .json,
                 .jsonb, .foreign: allowed = true
            default: allowed = false
            }
        // char(n) pads: only PostgreSQL's own char(n) spells the padding in its checksum.
        default: allowed = false
        }
        guard !allowed else { return nil }
        return "a \(self) column cannot be loaded as \(override): the loader has no exact conversion from one to the "
            + "other that verification can check"
    }

    private var isText: Bool {
        switch self {
        case .text, .varchar, .character: return true
        default: return false
        }
    }

    private var isNumeric: Bool {
        if case .numeric = self { return true }
        return false
    }

    /// Sources whose values may be whole numbers, converted row by row: booleans, numerics and text.
    private var isWholeNumberSource: Bool { self == .boolean || isNumeric || isText }
}
