/// Why a document is not strict RFC 8259 JSON, and where.
///
/// `line` and `column` are 1-based; columns count Unicode scalars, so they match what an
/// editor shows for UTF-8 text. `path` names the member or element being read when the error
/// struck, so a caller can say `accounts.x: duplicate key "scopes"` instead of a position.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The byte offset of the offending input.
    public let offset: Int
    /// The 1-based line of `offset`.
    public let line: Int
    /// The 1-based column of `offset`, in Unicode scalars.
    public let column: Int
    /// What was wrong, in a few words: "expected ',' or '}'".
    public let reason: String
    /// The enclosing members and elements, outermost first.
    public let path: [JSONPathElement]
    /// The repeated member name when the error is a duplicate key, so callers can word it their way.
    public let duplicateKey: String?

    public init(
        offset: Int, line: Int, column: Int, reason: String, path: [JSONPathElement] = [],
        duplicateKey: String? = nil
    ) {
        self.offset = offset
        self.line = line
        self.column = column
        self.reason = reason
        self.path = path
        self.duplicateKey = duplicateKey
    }

    public var description: String { "line \(line), column \(column): \(reason)" }
}

/// One step into a JSON document: a member name or an array position.
public enum JSONPathElement: Sendable, Equatable {
    case key(String)
    case index(Int)
}
