import Testing

@testable import RCCommandLine

@Suite struct HelpTextTests {
    @Test func topHelpHasEverySectionAndCommand() throws {
        let help = try #require(HelpText.render(Sample.table, command: nil))
        #expect(
            help == """
                OVERVIEW: Do things with things.

                A longer word about things.

                USAGE: tool <subcommand>

                OPTIONS:
                  --version               Show the version.
                  -h, --help              Show help information.

                SUBCOMMANDS:
                  serve                   Serve things until stopped.
                  get                     Print one thing.

                  See 'tool help <subcommand>' for detailed help.

                """)
    }

    @Test func commandHelpShowsEachVisibleOptionWithItsValuesAndDefault() throws {
        let help = try #require(HelpText.render(Sample.table, command: "serve"))
        #expect(
            help == """
                OVERVIEW: Serve things until stopped.

                USAGE: tool serve [--config <path>] [--level <level>] [--port <port>]
                       [--verbose]

                OPTIONS:
                  --config <path>         The config file.
                        Default: ~/.tool.json.
                  --level <level>         How much to say. (values: low, high)
                  --port <port>           The port to listen on. (default: 8080)
                  --verbose               Say more.
                  --version               Show the version.
                  -h, --help              Show help information.

                """)
        #expect(!help.contains("internal"))
    }

    @Test func argumentsHaveASection() throws {
        let help = try #require(HelpText.render(Sample.table, command: "get"))
        #expect(help.contains("USAGE: tool get [--json] <name>\n"))
        #expect(help.contains("A longer word") == false)
        #expect(help.contains("Things are looked up by name.\n"))
        #expect(help.contains("ARGUMENTS:\n  <name>                  The thing's name.\n"))
        #expect(HelpText.render(Sample.table, command: "nope") == nil)
    }

    @Test func longTextIsWrappedUnderItsColumnAndLongLabelsGetALineOfTheirOwn() throws {
        var table = Sample.table
        let words = Array(repeating: "word", count: 40).joined(separator: " ")
        table.commands = [
            CommandSpec(
                name: "long", abstract: words,
                options: [
                    .value("a-very-long-option-name", ValueSpec("value-name"), help: words),
                    .value("n", ValueSpec("n", .integer(1...9), default: "5"), help: String(words.prefix(48))),
                ])
        ]
        let help = try #require(HelpText.render(table, command: "long"))
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.allSatisfy { $0.count <= 79 })
        #expect(help.contains("  --a-very-long-option-name <value-name>\n                          word word"))
        // "(default: 5)" is not split across lines.
        #expect(help.contains("(default: 5)"))
    }

    @Test func wrappingBreaksBetweenWordsOnly() {
        #expect(TextWrapping.wrap("aa bb cc", width: 5) == ["aa bb", "cc"])
        #expect(TextWrapping.wrap("aaaaaaa b", width: 3) == ["aaaaaaa", "b"])
        #expect(TextWrapping.wrap("one\ntwo", width: 80) == ["one", "two"])
        #expect(TextWrapping.wrap("a\u{00A0}b c", width: 3) == ["a b", "c"])
        #expect(TextWrapping.wrap("", width: 10) == [""])
    }
}
