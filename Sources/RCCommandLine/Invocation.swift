/// A command line that parsed: the command and the values it was given, already checked
/// against the table (values of their type, every required argument present), with option
/// defaults filled in.
public struct Invocation: Sendable, Equatable {
    public var command: String
    /// Option values by option name, defaults included.
    public var values: [String: String]
    /// The names of the flags that were given.
    public var flags: Set<String>
    /// Positional arguments by argument name.
    public var arguments: [String: String]

    public init(command: String, values: [String: String] = [:], flags: Set<String> = [], arguments: [String: String] = [:]) {
        self.command = command
        self.values = values
        self.flags = flags
        self.arguments = arguments
    }

    public func value(_ name: String) -> String? { values[name] }

    /// The option's value as a number; the parser has checked it against the option's range.
    public func integer(_ name: String) -> Int? { values[name].flatMap(ValueType.decimal) }

    public func flag(_ name: String) -> Bool { flags.contains(name) }

    public func argument(_ name: String) -> String? { arguments[name] }
}

/// What a command line asks for.
public enum ParseOutcome: Sendable, Equatable {
    /// Run a command.
    case command(Invocation)
    /// Print help: the top help for nil, else that command's.
    case help(command: String?)
    /// Print the version.
    case version
    /// Print a completion script (`--generate-completion-script SHELL`).
    case completionScript(CompletionShell)
    /// Print the man page (`--generate-manual [--date YYYY-MM-DD]`).
    case manual(date: ManualDate?)
}

/// The shells `--generate-completion-script` writes for.
public enum CompletionShell: String, Sendable, CaseIterable {
    case bash, zsh, fish
}
