/// The completion scripts `--generate-completion-script SHELL` prints, made from the command
/// table: subcommands, each command's options, option values that are a fixed set of words,
/// file names for path options, and arguments whose values the program itself lists at
/// completion time (``ArgumentCompletion/listedBy(_:)``).
public enum CompletionScript {
    public static func render(_ table: CommandTable, shell: CompletionShell) -> String {
        switch shell {
        case .bash: BashCompletion.render(table)
        case .zsh: ZshCompletion.render(table)
        case .fish: FishCompletion.render(table)
        }
    }

    /// The commands a shell offers: the table's, then `help`.
    static func commands(_ table: CommandTable) -> [(name: String, abstract: String)] {
        table.commands.map { ($0.name, $0.abstract) }
            + [(CommandLineParser.helpCommand.name, CommandLineParser.helpCommand.abstract)]
    }

    /// The command's arguments whose values the program lists (by position from 0), with the
    /// arguments that make it print them.
    static func listedArguments(_ command: CommandSpec) -> [(position: Int, arguments: [String])] {
        command.arguments.enumerated().compactMap { position, argument in
            guard case .listedBy(let arguments) = argument.completion else { return nil }
            return (position, arguments)
        }
    }

    /// The program's name as a shell function name: `redirect-catcher` → `redirect_catcher`.
    static func identifier(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// `text` inside single quotes for bash and zsh.
    static func singleQuoted(_ text: String) -> String {
        "'" + text.replacingAll("'", with: "'\\''") + "'"
    }
}

extension String {
    /// Every occurrence of `target` replaced (the standard library has no such method without
    /// Foundation).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}
