/// `work` or `work.graph`: an account's name, and the name of one of its extra tokens if the
/// label is for one. Its text names the token's socket (`work.graph.sock`), the argument of
/// `token` and `refresh`, the words shell completion offers, and the token in logs.
public struct TokenLabel: Hashable, Sendable, CustomStringConvertible {
    public let account: String
    /// nil for the account's own token.
    public let token: String?

    public var description: String { token.map { account + "." + $0 } ?? account }

    /// Account and token names become socket file names, so no dot, slash or space: 1 to 64
    /// characters from A-Z a-z 0-9 _ -.
    public static func isValidName(_ name: some StringProtocol) -> Bool {
        (1...64).contains(name.utf8.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}

extension TokenLabel {
    /// Parses `NAME` or `NAME.TOKEN`: names hold no dot, so there is at most one; nil unless
    /// each part is a valid name.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, parts.allSatisfy(Self.isValidName) else { return nil }
        self.init(account: String(parts[0]), token: parts.count == 2 ? String(parts[1]) : nil)
    }
}
