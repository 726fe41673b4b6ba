import Testing

@testable import RCCommandLine

/// What each script offers, read from its text; CommandLineTests runs them in real shells.
@Suite struct CompletionScriptTests {
    @Test(arguments: CompletionShell.allCases)
    func everyCommandAndVisibleOptionIsOffered(shell: CompletionShell) {
        let script = CompletionScript.render(Sample.table, shell: shell)
        for word in ["serve", "get", "help", "config", "level", "port", "verbose", "json", "low high", "version"] {
            #expect(script.contains(word), "\(shell): \(word)")
        }
        #expect(!script.contains("internal"))
        #expect(!script.contains("generate-manual"))
    }

    /// An argument listed by the program: each shell runs `tool list` when it is being typed,
    /// with errors thrown away, and the command is never offered.
    @Test(arguments: CompletionShell.allCases)
    func listedArgumentsRunTheProgram(shell: CompletionShell) {
        var table = Sample.table
        table.commands[1].arguments[0].completion = .listedBy(["list", "--quiet"])
        let script = CompletionScript.render(table, shell: shell)
        switch shell {
        case .bash: #expect(script.contains("0) words=$(tool 'list' '--quiet' 2>/dev/null) ;;"))
        case .zsh: #expect(script.contains("'1:name:_tool_listed list --quiet'"))
        case .fish:
            #expect(script.contains("complete -c tool -n '__tool_using get; and __tool_at_argument 0' -x -a '(tool list --quiet 2>/dev/null)'"))
        }
        let plain = CompletionScript.render(Sample.table, shell: shell)
        #expect(!plain.contains("--quiet") && !plain.contains("tool list") && !plain.contains("'list'"))
    }

    @Test func bashNamesTheFunctionAfterTheProgram() {
        let script = CompletionScript.render(Sample.table, shell: .bash)
        #expect(script.hasSuffix("complete -F _tool tool\n"))
        #expect(script.contains("                --config)\n                    files=1 ;;\n"))
        #expect(script.contains("words='low high'"))
        // <name> is wanted after `get`: options only for a word that starts with '-'.
        #expect(script.contains("*) [[ -z $value && $cur == -* ]] && words='--json --help --version' ;;"))
    }

    @Test func zshSpecsTakeValuesAfterEqualsOrAsTheNextWord() {
        let script = CompletionScript.render(Sample.table, shell: .zsh)
        #expect(script.hasPrefix("#compdef tool\n"))
        #expect(script.contains("'--config=[The config file.]:path:_files'"))
        #expect(script.contains("'--level=[How much to say.]:level:(low high)'"))
        #expect(script.contains("'1:name: '"))
        #expect(script.contains("'get:Print one thing.'"))
    }

    @Test func fishOptionsByCommand() {
        let script = CompletionScript.render(Sample.table, shell: .fish)
        #expect(script.contains("complete -c tool -n '__tool_using serve' -l config -r -F -d 'The config file.'"))
        #expect(script.contains("complete -c tool -n '__tool_using serve' -l level -x -a 'low high' -d 'How much to say.'"))
        #expect(script.contains("complete -c tool -n 'not __tool_command >/dev/null' -a 'get' -d 'Print one thing.'"))
    }

    @Test func quotingSurvivesQuotesAndBrackets() {
        #expect(CompletionScript.singleQuoted("it's") == #"'it'\''s'"#)
        #expect(FishCompletion.quoted(#"it's a \ b"#) == #"'it\'s a \\ b'"#)
        #expect(ZshCompletion.escapeDescription("a [b] c") == #"a \[b\] c"#)
        #expect(ZshCompletion.describeItem("a:b", "c:d") == #"a\:b:c:d"#)
        #expect(CompletionScript.identifier("my-tool.2") == "my_tool_2")
    }
}
