/// The man page `--generate-manual` prints, in mdoc: the synopsis of every command, what each
/// does with its options and arguments, then the table's config keys, environment, files, exit
/// statuses and related pages.
public enum ManualPage {
    public static func render(_ table: CommandTable, date: ManualDate) -> String {
        var lines = [
            ".\\\" \(table.name)(1); made by '\(table.name) --generate-manual' from the command table.",
            ".Dd \(date.mdoc)",
            ".Dt \(table.name.uppercased()) 1",
            // groff before 1.23 heads a page of section 1 "BSD General Commands Manual"; mandoc
            // and later groff say "General Commands Manual", which this string makes the old
            // ones say too (the others never read it).
            ".ds doc-volume General Commands Manual",
            // The footer's left side: this program, not the "BSD" groff puts there by default.
            ".Os \(escape(table.name)) \(escape(table.version))",
            ".Sh NAME",
            ".Nm \(table.name)",
            ".Nd \(nameDescription(table.abstract))",
            ".Sh SYNOPSIS",
        ]
        for command in table.commands { lines += synopsis(command) }
        lines += [".Nm", ".Cm help", ".Op Ar subcommand", ".Nm", ".Fl -version", ".Nm", ".Fl -help"]
        lines.append(".Sh DESCRIPTION")
        lines += paragraphs(table.abstract + "\n" + table.discussion)
        lines += [
            ".Pp",
            "Every command takes",
            ".Fl h , Fl -help",
            "(show its help) and",
            ".Fl -version .",
            ".Sh COMMANDS",
        ]
        for command in table.commands { lines += section(command) }
        lines += [
            ".Ss help", ".Nm", ".Cm help", ".Op Ar subcommand", ".Pp", "Show the help of", ".Ar subcommand ,", "or the overview.",
        ]
        if !table.configuration.isEmpty {
            lines.append(".Sh CONFIGURATION")
            if !table.configurationIntroduction.isEmpty { lines += paragraphs(table.configurationIntroduction) }
            lines += list(table.configuration, macro: "Cm")
        }
        if !table.environment.isEmpty { lines += [".Sh ENVIRONMENT"] + list(table.environment, macro: "Ev") }
        if !table.files.isEmpty { lines += [".Sh FILES"] + list(table.files, macro: "Pa") }
        if !table.exitStatuses.isEmpty { lines += [".Sh EXIT STATUS"] + list(table.exitStatuses, macro: nil) }
        if !table.seeAlso.isEmpty || !table.seeAlsoNote.isEmpty {
            lines.append(".Sh SEE ALSO")
            // By section, then by name, as the convention has it.
            let references = table.seeAlso.compactMap(crossReference).sorted { ($0.section, $0.name) < ($1.section, $1.name) }
            for (offset, reference) in references.enumerated() {
                lines.append(".Xr \(reference.name) \(reference.section)" + (offset < references.count - 1 ? " ," : ""))
            }
            if !table.seeAlsoNote.isEmpty {
                if !references.isEmpty { lines.append(".Pp") }
                lines += paragraphs(table.seeAlsoNote)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `.Nm program` `.Cm command` then `.Op Fl -option Ar value` and `.Ar argument` lines.
    static func synopsis(_ command: CommandSpec) -> [String] {
        var lines = [".Nm", ".Cm \(command.name)"]
        for option in command.visibleOptions { lines.append(".Op " + flag(option)) }
        for argument in command.arguments {
            lines.append(argument.isOptional ? ".Op Ar \(argument.name)" : ".Ar \(argument.name)")
        }
        return lines
    }

    static func section(_ command: CommandSpec) -> [String] {
        var lines = [".Ss \(command.name)"] + synopsis(command) + [".Pp"]
        lines += paragraphs(command.abstract + (command.discussion.isEmpty ? "" : "\n" + command.discussion))
        let options = command.visibleOptions
        guard !command.arguments.isEmpty || !options.isEmpty else { return lines }
        lines.append(".Bl -tag -width Ds")
        for argument in command.arguments {
            lines += [".It Ar \(argument.name)"] + text(argument.help)
        }
        for option in options {
            lines += [".It " + flag(option)] + text(HelpText.describe(option))
            if !option.discussion.isEmpty { lines += text(option.discussion) }
        }
        lines.append(".El")
        return lines
    }

    /// A tagged list; each term set in `macro` (none for plain text), and a term of several,
    /// such as "https_proxy, HTTPS_PROXY", as a list of them.
    static func list(_ entries: [ManualEntry], macro: String?) -> [String] {
        var lines = [".Bl -tag -width Ds"]
        for entry in entries {
            let terms = entry.term.split(separator: ", ").map { term in
                let word = escape(String(term))
                return macro.map { "\($0) \(word)" } ?? word
            }
            lines += [".It " + terms.joined(separator: " , ")] + text(entry.meaning)
        }
        lines.append(".El")
        return lines
    }

    /// `Fl -name` or `Fl -name Ar value`.
    static func flag(_ option: OptionSpec) -> String {
        switch option.kind {
        case .flag: "Fl \(option.spelling.dropFirst())"
        case .value(let value): "Fl \(option.spelling.dropFirst()) Ar \(value.name)"
        }
    }

    /// The NAME line's description: no final period, and lower-case unless it starts with a name.
    static func nameDescription(_ abstract: String) -> String {
        var text = abstract.hasSuffix(".") ? String(abstract.dropLast()) : abstract
        let characters = Array(text)
        if characters.count > 1, characters[0].isUppercase, characters[1].isLowercase {
            text = characters[0].lowercased() + String(characters.dropFirst())
        }
        return escape(text)
    }

    /// Newline-separated paragraphs, `.Pp` between them.
    static func paragraphs(_ text: String) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n") {
            if !lines.isEmpty { lines.append(".Pp") }
            lines += self.text(String(paragraph))
        }
        return lines
    }

    /// Text lines: a new line for each new sentence, as roff wants, and none longer than 80
    /// bytes; escaped, with paths, names and `code` kept from being hyphenated (a break inside
    /// `check-config` or `config.json` reads as part of it), and `code` in bold.
    static func text(_ text: String) -> [String] {
        var sentences: [String] = []
        var sentence = ""
        var inCode = false
        var words = text.split(separator: " ").map { word in
            let unbroken = inCode || word.contains("`") || word.dropFirst().dropLast().contains(where: { "/_-.".contains($0) }) && word.count > 4
            let escaped = unbroken ? "\\%" + escape(String(word)) : escape(String(word))
            return bold(escaped, inCode: &inCode)
        }
        // An unmatched backtick: the bold ends with the text rather than running on.
        if inCode, let last = words.last { words[words.count - 1] = last + "\\fR" }
        for (offset, word) in words.enumerated() {
            sentence += sentence.isEmpty ? word : " " + word
            let next = offset + 1 < words.count ? words[offset + 1] : nil
            if word.hasSuffix("."), word.count > 2, let next, next.first?.isUppercase == true {
                sentences.append(sentence)
                sentence = ""
            }
        }
        if !sentence.isEmpty { sentences.append(sentence) }
        return sentences.flatMap { TextWrapping.fill($0, width: 79) }.map {
            escapeLine($0.replacingAll(TextWrapping.noBreakSpace, with: "\\ "))
        }
    }

    /// The word with each backtick turned into the start or the end of bold type: help texts
    /// mark commands and names as Markdown code, which roff would show as typed. `inCode` carries
    /// an open span over to the next word, as in `nc -U PATH`.
    static func bold(_ word: String, inCode: inout Bool) -> String {
        var result = ""
        for character in word {
            if character == "`" {
                result += inCode ? "\\fR" : "\\fB"
                inCode.toggle()
            } else {
                result.append(character)
            }
        }
        return result
    }

    /// An escaped text line with a leading `.` or `'` kept from being read as a request.
    static func escapeLine(_ line: String) -> String {
        line.hasPrefix(".") || line.hasPrefix("'") ? "\\&" + line : line
    }

    /// Backslashes and minus signs as roff shows them as typed.
    static func escape(_ text: String) -> String {
        text.replacingAll("\\", with: "\\e").replacingAll("-", with: "\\-")
    }

    /// `name(section)` split for `.Xr`.
    static func crossReference(_ text: String) -> (name: String, section: String)? {
        guard text.hasSuffix(")"), let open = text.lastIndex(of: "(") else { return nil }
        let name = String(text[..<open])
        let section = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        return name.isEmpty || section.isEmpty ? nil : (name, section)
    }
}
