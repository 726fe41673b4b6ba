/// The text `--help` prints: OVERVIEW, USAGE, ARGUMENTS, OPTIONS and SUBCOMMANDS sections,
/// filled to 80 columns, descriptions starting in one column.
public enum HelpText {
    /// The longest line: one short of 80, so that a terminal of 80 columns does not wrap
    /// a full line onto a blank one.
    static let width = 79
    /// Where descriptions start: two spaces, the label, at least one space.
    static let column = 26

    /// The top help for nil, else the named command's; nil for a name the table lacks.
    public static func render(_ table: CommandTable, command name: String?) -> String? {
        guard let name else { return top(table) }
        return table.command(named: name).map { help(for: $0, in: table) }
    }

    static let builtInRows: [(String, String)] = [
        ("--version", "Show the version."),
        ("-h, --help", "Show help information."),
    ]

    static func top(_ table: CommandTable) -> String {
        var lines = overview(table.abstract, discussion: table.discussion)
        lines += ["USAGE: \(table.name) <subcommand>", "", "OPTIONS:"]
        for (label, text) in builtInRows { lines += row(label, text) }
        lines += ["", "SUBCOMMANDS:"]
        for command in table.commands { lines += row(command.name, command.abstract) }
        lines += ["", "  See '\(table.name) help <subcommand>' for detailed help."]
        return lines.joined(separator: "\n") + "\n"
    }

    static func help(for command: CommandSpec, in table: CommandTable) -> String {
        var lines = overview(command.abstract, discussion: command.discussion)
        lines += usage(for: command, in: table) + [""]
        if !command.arguments.isEmpty {
            lines.append("ARGUMENTS:")
            for argument in command.arguments { lines += row("<\(argument.name)>", argument.help) }
            lines.append("")
        }
        lines.append("OPTIONS:")
        for option in command.visibleOptions {
            lines += row(option.synopsis, describe(option), discussion: option.discussion)
        }
        for (label, text) in builtInRows { lines += row(label, text) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The help of an option with its choices and default, as help and the man page show it.
    static func describe(_ option: OptionSpec) -> String {
        guard case .value(let value) = option.kind else { return option.help }
        var text = option.help
        // A no-break space keeps "(default:" on the line of its value.
        if case .choice(let words) = value.type {
            text += " (values:\(TextWrapping.noBreakSpace)\(words.joined(separator: ", ")))"
        }
        if let fallback = value.defaultValue { text += " (default:\(TextWrapping.noBreakSpace)\(fallback))" }
        return text
    }

    static func overview(_ abstract: String, discussion: String) -> [String] {
        var lines = TextWrapping.wrap("OVERVIEW: " + abstract, width: width) + [""]
        if !discussion.isEmpty { lines += TextWrapping.wrap(discussion, width: width) + [""] }
        return lines
    }

    /// `USAGE: program command [--option <value>] ... <argument>`, continued under the first
    /// word after "USAGE: " when it does not fit.
    static func usage(for command: CommandSpec, in table: CommandTable) -> [String] {
        let prefix = "USAGE: "
        let words = [table.name, command.name] + synopsisWords(command)
        var lines: [String] = []
        var line = prefix
        for word in words {
            if line.count > prefix.count, line.count + 1 + word.count > width {
                lines.append(line)
                line = String(repeating: " ", count: prefix.count) + word
            } else {
                line += (line.count > prefix.count ? " " : "") + word
            }
        }
        lines.append(line)
        return lines
    }

    /// `[--option <value>]` for each visible option, then each argument.
    static func synopsisWords(_ command: CommandSpec) -> [String] {
        command.visibleOptions.map { "[\($0.synopsis)]" } + command.arguments.map(\.synopsis)
    }

    /// A label and its description: on one line when the label leaves room, else the
    /// description starts on the next line. A discussion follows, indented less so that a long
    /// path in it still fits on a line.
    static func row(_ label: String, _ text: String, discussion: String = "") -> [String] {
        let indent = String(repeating: " ", count: column)
        var body = TextWrapping.wrap(text, width: width - column)
        let head = "  " + label
        var lines: [String]
        if head.count < column, let first = body.first {
            lines = [head + String(repeating: " ", count: column - head.count) + first]
            body.removeFirst()
        } else {
            lines = [head]
        }
        lines += body.map { indent + $0 }
        if !discussion.isEmpty {
            let discussionIndent = String(repeating: " ", count: 8)
            lines += TextWrapping.wrap(discussion, width: width - discussionIndent.count).map { discussionIndent + $0 }
        }
        return lines
    }
}
