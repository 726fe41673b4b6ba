/// One `--name` a command accepts: a flag, or an option that takes a value
/// (`--name VALUE` or `--name=VALUE`).
public struct OptionSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case flag
        case value(ValueSpec)
    }

    /// The long name without its dashes, and the key its value is found under.
    public var name: String
    public var kind: Kind
    /// One or two sentences for the help's OPTIONS list.
    public var help: String
    /// More, shown under the help (help and man page only); empty for none.
    public var discussion: String
    /// Parsed as usual but left out of help, completions and the man page.
    public var isHidden: Bool

    public static func flag(_ name: String, help: String, discussion: String = "", hidden: Bool = false) -> OptionSpec {
        OptionSpec(name: name, kind: .flag, help: help, discussion: discussion, isHidden: hidden)
    }

    public static func value(
        _ name: String, _ value: ValueSpec, help: String, discussion: String = "", hidden: Bool = false
    ) -> OptionSpec {
        OptionSpec(name: name, kind: .value(value), help: help, discussion: discussion, isHidden: hidden)
    }

    /// `--name`.
    public var spelling: String { "--" + name }

    /// `--name`, or `--name <value>`.
    public var synopsis: String {
        switch kind {
        case .flag: spelling
        case .value(let value): "\(spelling) <\(value.name)>"
        }
    }
}

/// What an option's value is called, what it may be, and what it is when left out.
public struct ValueSpec: Sendable, Equatable {
    /// Shown as `<name>` in help.
    public var name: String
    public var type: ValueType
    /// Filled in when the option is not given; nil leaves it absent.
    public var defaultValue: String?

    public init(_ name: String, _ type: ValueType = .text, default defaultValue: String? = nil) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
    }
}

/// What the parser accepts as a value; anything else is a usage error naming what would do.
public enum ValueType: Sendable, Equatable {
    /// Any non-empty text.
    case text
    /// A file; shells complete file names for it.
    case path
    /// Exactly one of these words.
    case choice([String])
    /// A whole number in the range, in decimal.
    case integer(ClosedRange<Int>)
    /// A calendar date as YYYY-MM-DD.
    case date

    /// Whether `text` is acceptable.
    func accepts(_ text: String) -> Bool {
        switch self {
        case .text, .path: !text.isEmpty
        case .choice(let words): words.contains(text)
        case .integer(let range): Self.decimal(text).map(range.contains) ?? false
        case .date: ManualDate(iso: text) != nil
        }
    }

    /// What to type instead, after "use".
    var expectation: String {
        switch self {
        case .text: "some text"
        case .path: "a path"
        case .choice(let words): "one of " + words.joined(separator: ", ")
        case .integer(let range): "a whole number from \(range.lowerBound) to \(range.upperBound)"
        case .date: "a date as YYYY-MM-DD"
        }
    }

    /// Plain decimal digits with an optional leading minus: no "+", spaces, or "0x".
    static func decimal(_ text: String) -> Int? {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }
}
