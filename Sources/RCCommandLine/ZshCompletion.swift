/// A zsh completion function for the program, for a directory in `$fpath` (autoloaded by
/// compinit through its `#compdef` line) or for `source <(program --generate-completion-script zsh)`.
enum ZshCompletion {
    static func render(_ table: CommandTable) -> String {
        let function = "_" + CompletionScript.identifier(table.name)
        let builtIns = [
            "'(- : *)--version[Show the version.]'",
            "'(- : *)'{-h,--help}'[Show help information.]'",
        ]
        var script = """
            #compdef \(table.name)
            # zsh completion for \(table.name); made by '\(table.name) --generate-completion-script zsh'.

            # The lines '\(table.name) ARGUMENTS...' prints, such as the account names in the config.
            \(function)_listed() {
                local -a listed expl
                listed=(${(f)"$(\(table.name) "$@" 2>/dev/null)"})
                _wanted listed expl value compadd -a listed
            }

            \(function)() {
                local curcontext=$curcontext state state_descr line ret=1
                typeset -A opt_args
                local -a commands=(

            """
        for command in CompletionScript.commands(table) {
            script += "        " + CompletionScript.singleQuoted(describeItem(command.name, command.abstract)) + "\n"
        }
        script += """
                )
                _arguments -C \\
                    \(builtIns.joined(separator: " \\\n        ")) \\
                    '1:command:->command' \\
                    '*::argument:->argument' && ret=0
                case $state in
                    command)
                        _describe -t commands command commands && ret=0
                        ;;
                    argument)
                        curcontext=${curcontext%:*:*}:\(table.name)-$words[1]:
                        case $words[1] in
                            help)
                                (( CURRENT == 2 )) && _describe -t commands command commands && ret=0
                                ;;

            """
        for command in table.commands {
            var specs = command.visibleOptions.map(optionSpec)
            for (position, argument) in command.arguments.enumerated() {
                let colon = argument.isOptional ? "::" : ":"
                var action = " "
                if case .listedBy(let arguments) = argument.completion {
                    action = ([function + "_listed"] + arguments).joined(separator: " ")
                }
                specs.append(CompletionScript.singleQuoted("\(position + 1)\(colon)\(argument.name):\(action)"))
            }
            specs += builtIns
            script += "                \(command.name))\n"
            script += "                    _arguments \\\n"
            script += specs.map { "                        " + $0 }.joined(separator: " \\\n")
            script += " && ret=0\n"
            script += "                    ;;\n"
        }
        script += """
                        esac
                        ;;
                esac
                return ret
            }

            if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
                \(function) "$@"
            else
                compdef \(function) \(table.name)
            fi

            """
        return script
    }

    /// An `_arguments` spec: `--name[help]` for a flag, `--name=[help]:value:action` for an
    /// option, which then takes its value after `=` or as the next word.
    static func optionSpec(_ option: OptionSpec) -> String {
        let description = "[" + escapeDescription(option.help) + "]"
        guard case .value(let value) = option.kind else {
            return CompletionScript.singleQuoted(option.spelling + description)
        }
        let action: String
        switch value.type {
        case .path: action = "_files"
        case .choice(let words): action = "(" + words.joined(separator: " ") + ")"
        case .text, .integer, .date: action = " "
        }
        return CompletionScript.singleQuoted("\(option.spelling)=\(description):\(value.name):\(action)")
    }

    /// `_describe`'s `name:description`; a colon in the name would split it.
    static func describeItem(_ name: String, _ description: String) -> String {
        name.replacingAll(":", with: "\\:") + ":" + description
    }

    /// Text for inside `[...]` of an `_arguments` spec.
    static func escapeDescription(_ text: String) -> String {
        text.replacingAll("\\", with: "\\\\").replacingAll("[", with: "\\[").replacingAll("]", with: "\\]")
    }
}
