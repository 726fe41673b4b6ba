import Testing

@testable import RCCommandLine

@Suite struct ParserTests {
    func parse(_ arguments: [String]) throws(UsageError) -> ParseOutcome {
        try CommandLineParser.parse(arguments, table: Sample.table)
    }

    func invocation(_ arguments: [String]) throws -> Invocation {
        guard case .command(let invocation) = try parse(arguments) else {
            Issue.record("\(arguments) did not parse as a command")
            return Invocation(command: "")
        }
        return invocation
    }

    /// The one line shown for a command line that does not parse.
    func error(_ arguments: [String]) -> String? {
        do {
            let outcome = try parse(arguments)
            Issue.record("\(arguments) parsed as \(outcome)")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func optionValueInBothSpellings() throws {
        #expect(try invocation(["serve", "--config", "/a b"]).value("config") == "/a b")
        #expect(try invocation(["serve", "--config=/a=b"]).value("config") == "/a=b")
        // After '=' a value may start with a dash; as the next word it may not.
        #expect(try invocation(["serve", "--config=-x"]).value("config") == "-x")
        #expect(try invocation(["serve", "--config", "-"]).value("config") == "-")
        #expect(try invocation(["serve", "--level", "low", "--level=high"]).value("level") == "high")
    }

    @Test func defaultsFlagsAndHiddenFlags() throws {
        let plain = try invocation(["serve"])
        #expect(plain == Invocation(command: "serve", values: ["port": "8080"]))
        #expect(plain.integer("port") == 8080)
        #expect(plain.value("config") == nil)
        let given = try invocation(["serve", "--port", "0", "--verbose", "--internal"])
        #expect(given.integer("port") == 0)
        #expect(given.flag("verbose") && given.flag("internal") && !given.flag("json"))
    }

    @Test func positionalArgumentsAndDoubleDash() throws {
        #expect(try invocation(["get", "dynamics"]).argument("name") == "dynamics")
        #expect(
            try invocation(["get", "--json", "a.b"]) == Invocation(command: "get", flags: ["json"], arguments: ["name": "a.b"]))
        #expect(try invocation(["get", "a", "--json"]).flag("json"))
        // After `--` nothing is an option, not even --help.
        #expect(try invocation(["get", "--", "--json"]) == Invocation(command: "get", arguments: ["name": "--json"]))
        #expect(try invocation(["get", "--", "--help"]).argument("name") == "--help")
        #expect(try invocation(["get", "--json", "--", "-"]).argument("name") == "-")
        #expect(try invocation(["get", ""]).argument("name") == "")
    }

    @Test func helpAndVersionWinWhereverTheyAre() throws {
        for arguments in [
            [], ["--help"], ["-h"], ["help"], ["help", "--help"], ["help", "help"], ["--generate-manual", "--help"],
        ] {
            #expect(try parse(arguments) == .help(command: nil), "\(arguments)")
        }
        for arguments in [
            ["help", "serve"], ["serve", "--help"], ["serve", "-h"], ["serve", "--config", "x", "-h"],
            ["serve", "--bogus", "--help"], ["serve", "--port", "abc", "--help"], ["serve", "extra", "--help"],
        ] {
            #expect(try parse(arguments) == .help(command: "serve"), "\(arguments)")
        }
        #expect(try parse(["--version"]) == .version)
        #expect(try parse(["get", "--version"]) == .version)
        #expect(try parse(["get", "--", "--version"]) == .command(Invocation(command: "get", arguments: ["name": "--version"])))
    }

    @Test func completionScriptsAndManual() throws {
        for shell in CompletionShell.allCases {
            #expect(try parse(["--generate-completion-script", shell.rawValue]) == .completionScript(shell))
            #expect(try parse(["--generate-completion-script=\(shell.rawValue)"]) == .completionScript(shell))
        }
        #expect(try parse(["--generate-manual"]) == .manual(date: nil))
        #expect(try parse(["--generate-manual", "--date", "2024-02-29"]) == .manual(date: ManualDate(iso: "2024-02-29")))
        #expect(try parse(["--date=2024-02-29", "--generate-manual"]) == .manual(date: ManualDate(iso: "2024-02-29")))
    }

    @Test func eachErrorSaysWhatWasWrongAndWhatToType() {
        #expect(error(["bogus"]) == "Error: unknown command 'bogus'. See 'tool --help'.")
        #expect(error(["serv"]) == "Error: unknown command 'serv'; did you mean 'serve'? See 'tool --help'.")
        #expect(error(["help", "gte"]) == "Error: unknown command 'gte'; did you mean 'get'? See 'tool --help'.")
        #expect(error(["bogus", "--help"]) == "Error: unknown command 'bogus'. See 'tool --help'.")
        #expect(
            error(["get", "x", "--jsn"]) == "Error: unknown option '--jsn' for get; did you mean '--json'? See 'tool get --help'."
        )
        #expect(
            error(["serve", "--verb"])
                == "Error: unknown option '--verb' for serve; did you mean '--verbose'? See 'tool serve --help'.")
        #expect(error(["serve", "-x"]) == "Error: unknown option '-x' for serve. See 'tool serve --help'.")
        // A hidden option is never suggested.
        #expect(error(["serve", "--internl"]) == "Error: unknown option '--internl' for serve. See 'tool serve --help'.")
        #expect(
            error(["--verbose", "serve"])
                == "Error: '--verbose' is an option of serve: type it after the command, as in 'tool serve --verbose'. See 'tool --help'."
        )
        #expect(error(["--nope"]) == "Error: unknown option '--nope'. See 'tool --help'.")
        for arguments in [
            ["serve", "--config"], ["serve", "--config="], ["serve", "--config", "--verbose"], ["serve", "--config", "--"],
        ] {
            #expect(
                error(arguments) == "Error: missing value for '--config'; type '--config <path>'. See 'tool serve --help'.",
                "\(arguments)")
        }
        #expect(
            error(["serve", "--level", "loud"])
                == "Error: invalid value 'loud' for '--level'; use one of low, high. See 'tool serve --help'.")
        for port in ["abc", "65536", "-1", "+80", " 80", "0x50", "99999999999999999999999"] {
            #expect(
                error(["serve", "--port=\(port)"])
                    == "Error: invalid value '\(port)' for '--port'; use a whole number from 0 to 65535. See 'tool serve --help'."
            )
        }
        #expect(
            error(["serve", "--verbose=yes"])
                == "Error: '--verbose' takes no value; type '--verbose' alone. See 'tool serve --help'.")
        #expect(error(["get"]) == "Error: missing <name>; type 'tool get <name>'. See 'tool get --help'.")
        #expect(error(["get", "--json"]) == "Error: missing <name>; type 'tool get <name>'. See 'tool get --help'.")
        #expect(error(["get", "a", "b"]) == "Error: unexpected argument 'b': get takes only <name>. See 'tool get --help'.")
        #expect(error(["serve", "x"]) == "Error: unexpected argument 'x': serve takes no arguments. See 'tool serve --help'.")
        #expect(
            error(["help", "get", "x"])
                == "Error: unexpected argument 'x': help takes only [<subcommand>]. See 'tool help --help'.")
        #expect(error(["--", "serve"]) == "Error: unexpected argument 'serve'. See 'tool --help'.")
        #expect(error(["--generate-manual", "serve"]) == "Error: unexpected argument 'serve'. See 'tool --help'.")
        #expect(error(["--date", "2024-01-01"]) == "Error: '--date' goes with '--generate-manual'. See 'tool --help'.")
        #expect(
            error(["--generate-manual", "--generate-completion-script", "zsh"])
                == "Error: '--generate-completion-script' and '--generate-manual' cannot be used together. See 'tool --help'.")
        #expect(
            error(["--generate-completion-script", "ksh"])
                == "Error: invalid value 'ksh' for '--generate-completion-script'; use one of bash, zsh, fish. See 'tool --help'."
        )
        #expect(
            error(["--generate-manual", "--date", "2023-02-29"])
                == "Error: invalid value '2023-02-29' for '--date'; use a date as YYYY-MM-DD. See 'tool --help'.")
    }

    @Test func aCommandsOwnComplaintReadsLikeTheParsers() {
        let error = UsageError(.other("neither A nor B is set: pass --config PATH"), program: "tool", command: Sample.serve)
        #expect(error.description == "Error: neither A nor B is set: pass --config PATH. See 'tool serve --help'.")
    }

    @Test func suggestionsAreCloseOrNothing() {
        #expect(Suggestion.closest(to: "--jsn", among: ["--json", "--help"]) == "--json")
        #expect(Suggestion.closest(to: "stauts", among: ["status", "start"]) == "status")
        #expect(Suggestion.closest(to: "check", among: ["check-config", "refresh"]) == "check-config")
        #expect(Suggestion.closest(to: "re", among: ["refresh", "run"]) == nil)
        #expect(Suggestion.closest(to: "bogus", among: ["run", "status"]) == nil)
        #expect(Suggestion.editDistance(Array("kitten"), Array("sitting")) == 3)
        #expect(Suggestion.editDistance(Array("ab"), Array("ba")) == 1)
        #expect(Suggestion.editDistance([], Array("abc")) == 3)
    }
}
