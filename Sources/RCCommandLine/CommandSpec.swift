/// One subcommand: its name, what help says about it, its options and positional arguments.
public struct CommandSpec: Sendable, Equatable {
    public var name: String
    /// One sentence, shown in the command list and as the command's OVERVIEW.
    public var abstract: String
    /// Paragraphs (separated by newlines) under the overview; empty for none.
    public var discussion: String
    public var options: [OptionSpec]
    /// In the order they are typed; required ones before optional ones.
    public var arguments: [ArgumentSpec]

    public init(
        name: String, abstract: String, discussion: String = "", options: [OptionSpec] = [], arguments: [ArgumentSpec] = []
    ) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.options = options
        self.arguments = arguments
    }

    /// The options help, completions and the man page show.
    public var visibleOptions: [OptionSpec] { options.filter { !$0.isHidden } }

    func option(spelled spelling: String) -> OptionSpec? {
        options.first { $0.spelling == spelling }
    }
}

/// A positional argument, such as the account name of `token NAME`.
public struct ArgumentSpec: Sendable, Equatable {
    /// Shown as `<name>`, and the key its value is found under in an ``Invocation``.
    public var name: String
    public var help: String
    public var isOptional: Bool
    /// What shells offer for it.
    public var completion: ArgumentCompletion

    public init(_ name: String, help: String, isOptional: Bool = false, completion: ArgumentCompletion = .none) {
        self.name = name
        self.help = help
        self.isOptional = isOptional
        self.completion = completion
    }

    /// `<name>`, or `[<name>]` when it may be left out.
    public var synopsis: String { isOptional ? "[<\(name)>]" : "<\(name)>" }
}

/// What the completion scripts offer for a positional argument.
public enum ArgumentCompletion: Sendable, Equatable {
    /// Nothing: the value is the person's to type.
    case none
    /// The lines the program itself prints when run with these arguments (a hidden command),
    /// run at completion time: values that live in the person's files, such as account names,
    /// which no script generated at install time could know. The command should print nothing,
    /// and exit 0, when it has nothing to offer.
    case listedBy([String])
}
