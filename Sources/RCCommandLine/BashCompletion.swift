/// A bash completion function for the program (`complete -F`). It needs no bash-completion
/// package: it finds the subcommand itself and copes with bash splitting `--opt=value` at `=`.
enum BashCompletion {
    static func render(_ table: CommandTable) -> String {
        let function = "_" + CompletionScript.identifier(table.name)
        let commandNames = CompletionScript.commands(table).map(\.name)
        var script = """
            # bash completion for \(table.name); made by '\(table.name) --generate-completion-script bash'.
            \(function)() {
                local cur=${COMP_WORDS[COMP_CWORD]} prev= command= value= prefix= words= files= i j position=0
                (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}
                # --option=value: bash splits it at '=' (then cur or prev is '='), unless '=' was
                # taken out of COMP_WORDBREAKS (then the word keeps it whole). Either way only
                # the option's values may complete it.
                if [[ $cur == = ]]; then
                    cur= value=1
                elif [[ $prev == = ]] && (( COMP_CWORD > 1 )); then
                    prev=${COMP_WORDS[COMP_CWORD-2]} value=1
                elif [[ $cur == --*=* ]]; then
                    prev=${cur%%=*} prefix=${cur%%=*}= cur=${cur#*=} value=1
                fi
                for (( i = 1; i < COMP_CWORD; i++ )); do
                    case ${COMP_WORDS[i]} in
                        -*) ;;
                        *) command=${COMP_WORDS[i]}; break ;;
                    esac
                done
                # Which positional argument is being typed: the words after the command that are
                # not options. (No command whose arguments complete takes an option with a value.)
                for (( j = i + 1; j < COMP_CWORD; j++ )); do
                    [[ ${COMP_WORDS[j]} == -* ]] || position=$(( position + 1 ))
                done
                case $command in
                    '')
                        [[ -z $value ]] && words=\(CompletionScript.singleQuoted((commandNames + ["--help", "--version"]).joined(separator: " ")))
                        ;;
                    help)
                        (( COMP_CWORD == i + 1 )) && words=\(CompletionScript.singleQuoted(table.commands.map(\.name).joined(separator: " ")))
                        ;;

            """
        for command in table.commands {
            script += "        \(command.name))\n"
            script += "            case $prev in\n"
            for option in command.visibleOptions {
                guard case .value(let value) = option.kind else { continue }
                script += "                \(option.spelling))\n"
                switch value.type {
                case .path:
                    script += "                    files=1 ;;\n"
                case .choice(let words):
                    script += "                    words=\(CompletionScript.singleQuoted(words.joined(separator: " "))) ;;\n"
                case .text, .integer, .date:
                    script += "                    return ;;\n"
                }
            }
            let options = command.visibleOptions.map(\.spelling) + ["--help", "--version"]
            // Options are offered for an empty word only when no argument is wanted there.
            let condition = command.arguments.isEmpty ? "[[ -z $value ]] && " : "[[ -z $value && $cur == -* ]] && "
            let offerOptions = "\(condition)words=\(CompletionScript.singleQuoted(options.joined(separator: " ")))"
            let listed = CompletionScript.listedArguments(command)
            if listed.isEmpty {
                script += "                *) \(offerOptions) ;;\n"
            } else {
                script += "                *)\n"
                script += "                    \(offerOptions)\n"
                script += "                    [[ -z $value && $cur != -* ]] && case $position in\n"
                for (position, arguments) in listed {
                    let run = ([table.name] + arguments.map(CompletionScript.singleQuoted)).joined(separator: " ")
                    script += "                        \(position)) words=$(\(run) 2>/dev/null) ;;\n"
                }
                script += "                    esac\n"
                script += "                    ;;\n"
            }
            script += "            esac\n"
            script += "            ;;\n"
        }
        script += """
                esac
                if [[ -n $files ]]; then
                    compopt -o filenames 2>/dev/null
                    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
                elif [[ -n $words ]]; then
                    mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
                fi
                if [[ -n $prefix ]]; then COMPREPLY=("${COMPREPLY[@]/#/$prefix}"); fi
                return 0
            }
            complete -F \(function) \(table.name)

            """
        return script
    }
}
