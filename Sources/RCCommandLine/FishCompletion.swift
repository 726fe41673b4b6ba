/// `complete` commands for fish, which parses the line itself (long options with `=` too); two
/// helper functions tell which subcommand is being completed.
enum FishCompletion {
    static func render(_ table: CommandTable) -> String {
        let prefix = "__" + CompletionScript.identifier(table.name)
        let program = table.name
        var lines = [
            "# fish completion for \(program); made by '\(program) --generate-completion-script fish'.",
            "",
            "# The subcommand on the line so far (its first word that is not an option); fails if none.",
            "function \(prefix)_command",
            "    set -l words (commandline -opc)",
            "    for word in $words[2..-1]",
            "        switch $word",
            "            case '-*'",
            "                continue",
            "            case '*'",
            "                echo $word",
            "                return 0",
            "        end",
            "    end",
            "    return 1",
            "end",
            "",
            "function \(prefix)_using -a expected",
            "    set -l command (\(prefix)_command)",
            "    test \"$command\" = \"$expected\"",
            "end",
            "",
            "# Whether the word being typed is the subcommand's positional argument number N (from 0).",
            "function \(prefix)_at_argument -a position",
            "    set -l count -1",
            "    for word in (commandline -opc)[2..-1]",
            "        switch $word",
            "            case '-*'",
            "                continue",
            "        end",
            "        set count (math $count + 1)",
            "    end",
            "    test $count -eq $position",
            "end",
            "",
            "complete -c \(program) -f",
            "complete -c \(program) -s h -l help -d 'Show help information.'",
            "complete -c \(program) -l version -d 'Show the version.'",
        ]
        let atTop = quoted("not \(prefix)_command >/dev/null")
        for command in CompletionScript.commands(table) {
            lines.append("complete -c \(program) -n \(atTop) -a \(quoted(command.name)) -d \(quoted(command.abstract))")
        }
        let helpCondition = quoted("\(prefix)_using help")
        for command in table.commands {
            lines.append("complete -c \(program) -n \(helpCondition) -a \(quoted(command.name)) -d \(quoted(command.abstract))")
        }
        for command in table.commands {
            let condition = quoted("\(prefix)_using \(command.name)")
            for option in command.visibleOptions {
                var line = "complete -c \(program) -n \(condition) -l \(option.name)"
                if case .value(let value) = option.kind {
                    switch value.type {
                    case .path: line += " -r -F"
                    case .choice(let words): line += " -x -a \(quoted(words.joined(separator: " ")))"
                    case .text, .integer, .date: line += " -x"
                    }
                }
                lines.append(line + " -d \(quoted(option.help))")
            }
            for (position, arguments) in CompletionScript.listedArguments(command) {
                let at = quoted("\(prefix)_using \(command.name); and \(prefix)_at_argument \(position)")
                let run = quoted("(\(([program] + arguments).joined(separator: " ")) 2>/dev/null)")
                lines.append("complete -c \(program) -n \(at) -x -a \(run)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Fish's single quotes, where only `\` and `'` need a backslash.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingAll("\\", with: "\\\\").replacingAll("'", with: "\\'") + "'"
    }
}
