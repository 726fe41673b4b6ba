/// Turns argv into what it asks for, checked against a ``CommandTable``. Pure: no I/O, no
/// exit; the caller prints help or the error and picks the exit status.
///
/// The rules, the same for every command:
/// - `-h`, `--help` and `--version` anywhere before `--` win over everything else on the line,
///   so that a person who adds `--help` to a broken command line gets help, not an error.
/// - `--name VALUE` and `--name=VALUE`; a value may not start with `-` in the first form
///   (it would be an option forgotten its value), but may in the second.
/// - `--` ends the options: what follows is positional, even if it starts with `-`.
/// - Given twice, the last value of an option counts.
/// - No subcommand at all: the top help. `help [COMMAND]` is help too.
public enum CommandLineParser {
    static let helpSpellings: Set<String> = ["-h", "--help"]
    static let versionSpelling = "--version"

    /// The hidden top-level options every program has: completion scripts and the man page.
    static let topOptions: [OptionSpec] = [
        .value(
            "generate-completion-script", ValueSpec("shell", .choice(CompletionShell.allCases.map(\.rawValue))),
            help: "Print a completion script for bash, zsh or fish.", hidden: true),
        .flag("generate-manual", help: "Print the man page (mdoc).", hidden: true),
        .value(
            "date", ValueSpec("date", .date),
            help: "The man page's date (default: $SOURCE_DATE_EPOCH, else today).", hidden: true),
    ]

    static let helpCommand = CommandSpec(
        name: "help", abstract: "Show help for a command.",
        arguments: [ArgumentSpec("subcommand", help: "The command to show help for.", isOptional: true)])

    /// Parses `arguments`, argv without the program name.
    public static func parse(_ arguments: [String], table: CommandTable) throws(UsageError) -> ParseOutcome {
        let optionsEnd = arguments.firstIndex(of: "--") ?? arguments.endIndex
        let commandIndex = self.commandIndex(in: arguments)
        let commandName = commandIndex.map { arguments[$0] }
        let asksHelp = arguments[..<optionsEnd].contains { helpSpellings.contains($0) }
        let asksVersion = arguments[..<optionsEnd].contains(versionSpelling)
        if asksHelp || asksVersion {
            if let commandName, commandName != helpCommand.name, table.command(named: commandName) == nil {
                throw unknownCommand(commandName, table: table)
            }
            guard asksHelp else { return .version }
            return .help(command: commandName == helpCommand.name ? nil : commandName)
        }

        let top = CommandSpec(name: table.name, abstract: table.abstract, options: topOptions)
        let topArguments = arguments[..<(commandIndex ?? arguments.endIndex)]
        let topLevel = try parse(topArguments, as: top, table: table, isTop: true)
        let completion = topLevel.value("generate-completion-script").flatMap(CompletionShell.init(rawValue:))
        let manual = topLevel.flag("generate-manual")
        if completion != nil, manual {
            throw UsageError(.conflict("--generate-completion-script", "--generate-manual"), program: table.name, command: nil)
        }
        if topLevel.value("date") != nil, !manual {
            throw UsageError(.needs(option: "--date", other: "--generate-manual"), program: table.name, command: nil)
        }
        if completion != nil || manual, let commandName {
            throw UsageError(.unexpectedArgument(commandName), program: table.name, command: nil)
        }
        if let completion { return .completionScript(completion) }
        if manual { return .manual(date: topLevel.value("date").flatMap(ManualDate.init(iso:))) }

        guard let commandIndex, let commandName else { return .help(command: nil) }
        let rest = arguments[(commandIndex + 1)...]
        if commandName == helpCommand.name {
            let asked = try parse(rest, as: helpCommand, table: table, isTop: false)
            guard let subcommand = asked.argument("subcommand") else { return .help(command: nil) }
            if subcommand == helpCommand.name { return .help(command: nil) }
            guard table.command(named: subcommand) != nil else { throw unknownCommand(subcommand, table: table) }
            return .help(command: subcommand)
        }
        guard let command = table.command(named: commandName) else { throw unknownCommand(commandName, table: table) }
        return .command(try parse(rest, as: command, table: table, isTop: false))
    }

    /// Where the subcommand's name is: the first word at the top level that is not an option or
    /// a top-level option's value; nil if there is none before `--`.
    static func commandIndex(in arguments: [String]) -> Int? {
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            if argument == "--" { return nil }
            if !looksLikeOption(argument) { return index }
            if let option = topOptions.first(where: { $0.spelling == argument }), case .value = option.kind {
                index += 1
            }
            index += 1
        }
        return nil
    }

    static func looksLikeOption(_ argument: String) -> Bool {
        argument.hasPrefix("-") && argument != "-"
    }

    static func unknownCommand(_ name: String, table: CommandTable) -> UsageError {
        let names = table.commands.map(\.name) + [helpCommand.name]
        return UsageError(
            .unknownCommand(name, suggestion: Suggestion.closest(to: name, among: names)), program: table.name, command: nil)
    }

    /// Parses one command's options and positional arguments.
    static func parse(
        _ arguments: ArraySlice<String>, as command: CommandSpec, table: CommandTable, isTop: Bool
    ) throws(UsageError) -> Invocation {
        func failure(_ kind: UsageError.Kind) -> UsageError {
            UsageError(kind, program: table.name, command: isTop ? nil : command)
        }
        var invocation = Invocation(command: command.name)
        var positional: [String] = []
        var optionsEnded = false
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            if optionsEnded || !looksLikeOption(argument) {
                positional.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            let spelling: String
            let inline: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                spelling = String(argument[..<equals])
                inline = String(argument[argument.index(after: equals)...])
            } else {
                spelling = argument
                inline = nil
            }
            guard let option = command.option(spelled: spelling) else {
                throw failure(unknownOption(spelling, in: command, table: table, isTop: isTop))
            }
            switch option.kind {
            case .flag:
                if inline != nil { throw failure(.flagWithValue(spelling)) }
                invocation.flags.insert(option.name)
            case .value(let value):
                let text: String
                if let inline {
                    text = inline
                } else if index < arguments.endIndex, !looksLikeOption(arguments[index]) {
                    text = arguments[index]
                    index += 1
                } else {
                    throw failure(.missingValue(option: spelling, valueName: value.name))
                }
                if text.isEmpty { throw failure(.missingValue(option: spelling, valueName: value.name)) }
                guard value.type.accepts(text) else {
                    throw failure(.invalidValue(option: spelling, value: text, expectation: value.type.expectation))
                }
                invocation.values[option.name] = text
            }
        }
        if positional.count > command.arguments.count {
            throw failure(.unexpectedArgument(positional[command.arguments.count]))
        }
        for (offset, spec) in command.arguments.enumerated() {
            if offset < positional.count {
                invocation.arguments[spec.name] = positional[offset]
            } else if !spec.isOptional {
                throw failure(.missingArgument(spec.name))
            }
        }
        for option in command.options {
            if case .value(let value) = option.kind, invocation.values[option.name] == nil, let fallback = value.defaultValue {
                invocation.values[option.name] = fallback
            }
        }
        return invocation
    }

    static func unknownOption(_ spelling: String, in command: CommandSpec, table: CommandTable, isTop: Bool) -> UsageError.Kind {
        if isTop {
            let owners = table.commands.filter { $0.visibleOptions.contains { $0.spelling == spelling } }
            if let option = owners.first?.option(spelled: spelling) {
                return .optionBeforeCommand(option: spelling, synopsis: option.synopsis, commands: owners.map(\.name))
            }
        }
        let candidates = command.visibleOptions.map(\.spelling) + ["--help", versionSpelling]
        return .unknownOption(spelling, suggestion: Suggestion.closest(to: spelling, among: candidates))
    }
}
