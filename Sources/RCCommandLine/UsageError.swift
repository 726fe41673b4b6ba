/// A command line that does not parse. Its description is the one line to show on stderr: what
/// was wrong, what to type instead where that can be known, and where the help is.
public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case unknownCommand(String, suggestion: String?)
        case unknownOption(String, suggestion: String?)
        /// An option typed before the command it belongs to (`redirect-catcher --json status`).
        case optionBeforeCommand(option: String, synopsis: String, commands: [String])
        case missingValue(option: String, valueName: String)
        case invalidValue(option: String, value: String, expectation: String)
        case flagWithValue(String)
        case missingArgument(String)
        case unexpectedArgument(String)
        /// An option that only goes with another (`--date` without `--generate-manual`).
        case needs(option: String, other: String)
        case conflict(String, String)
        /// A command's own complaint about what it was given.
        case other(String)
    }

    public var kind: Kind
    /// The program's name, for "See '... --help'".
    public var program: String
    /// The command that was being parsed; nil at the top level.
    public var command: CommandSpec?

    public init(_ kind: Kind, program: String, command: CommandSpec?) {
        self.kind = kind
        self.program = program
        self.command = command
    }

    public var description: String {
        let invoked = command.map { "\(program) \($0.name)" } ?? program
        let scope = command.map { " for \($0.name)" } ?? ""
        var text: String
        var question: String?
        switch kind {
        case .unknownCommand(let name, let suggestion):
            text = "unknown command '\(name)'"
            question = suggestion
        case .unknownOption(let option, let suggestion):
            text = "unknown option '\(option)'\(scope)"
            question = suggestion
        case .optionBeforeCommand(let option, let synopsis, let commands):
            text = "'\(option)' is an option of \(Self.list(commands)): type it after the command"
            if let first = commands.first { text += ", as in '\(program) \(first) \(synopsis)'" }
        case .missingValue(let option, let valueName):
            text = "missing value for '\(option)'; type '\(option) <\(valueName)>'"
        case .invalidValue(let option, let value, let expectation):
            text = "invalid value '\(value)' for '\(option)'; use \(expectation)"
        case .flagWithValue(let option):
            text = "'\(option)' takes no value; type '\(option)' alone"
        case .missingArgument(let name):
            text = "missing <\(name)>"
            if let command { text += "; type '\(program) \(command.name) \(Self.argumentSynopsis(command))'" }
        case .unexpectedArgument(let argument):
            text = "unexpected argument '\(argument)'"
            if let command {
                text +=
                    command.arguments.isEmpty
                    ? ": \(command.name) takes no arguments"
                    : ": \(command.name) takes only \(Self.argumentSynopsis(command))"
            }
        case .needs(let option, let other):
            text = "'\(option)' goes with '\(other)'"
        case .conflict(let first, let second):
            text = "'\(first)' and '\(second)' cannot be used together"
        case .other(let message):
            text = message
        }
        if let question {
            text += "; did you mean '\(question)'?"
        } else if !text.hasSuffix(".") {
            text += "."
        }
        return "Error: \(text) See '\(invoked) --help'."
    }

    static func argumentSynopsis(_ command: CommandSpec) -> String {
        command.arguments.map(\.synopsis).joined(separator: " ")
    }

    static func list(_ words: [String]) -> String {
        guard words.count > 1, let last = words.last else { return words.first ?? "" }
        return words.dropLast().joined(separator: ", ") + " and " + last
    }
}
