import RCCommandLine
import RCDaemon
import Testing

@testable import redirect_catcher

/// The real command table: the names the README promises users, what each command reads from a
/// parsed line, and the help people see.
@Suite struct CommandTableTests {
    let table = RedirectCatcher.table

    func invocation(_ arguments: [String]) throws -> Invocation {
        guard case .command(let invocation) = try CommandLineParser.parse(arguments, table: table) else {
            Issue.record("\(arguments) did not parse as a command")
            return Invocation(command: "")
        }
        return invocation
    }

    @Test func theCommandsAndOptionsPromised() {
        #expect(table.name == "redirect-catcher")
        #expect(table.version == Version.current)
        #expect(
            table.commands.map(\.name) == [
                "run", "check-config", "status", "token", "signin", "refresh", "rejected", "git-credential", "kubectl-credential",
                "demo",
            ])
        func options(_ name: String) -> [String] { table.command(named: name)?.options.map(\.synopsis) ?? [] }
        #expect(options("run") == ["--config <path>", "--log-level <log-level>"])
        #expect(options("check-config") == ["--config <path>"])
        #expect(options("status") == ["--json"])
        #expect(options("demo") == ["--port <port>", "--token-lifetime <token-lifetime>", "--walkthrough", "--provider-only"])
        #expect(table.command(named: "demo")?.visibleOptions.map(\.name) == ["port", "token-lifetime", "walkthrough"])
        #expect(options("token") == ["--format <format>", "--user <address>", "--host <host>", "--port <port>"])
        for name in ["token", "signin", "refresh", "rejected", "kubectl-credential"] {
            #expect(table.command(named: name)?.arguments.map(\.name) == ["name"], "\(name)")
            #expect(["token", "signin"].contains(name) || options(name).isEmpty, "\(name)")
        }
        #expect(options("signin") == ["--paste", "--device"])
        #expect(table.command(named: "git-credential")?.arguments.map(\.name) == ["name", "operation"])
    }

    /// `exchange-helper`, which the daemon starts for each token request, parses like any
    /// command but appears in no help, completion script or man page.
    @Test func theExchangeHelperIsHidden() throws {
        #expect(try invocation(["exchange-helper"]).command == "exchange-helper")
        #expect(!table.commands.contains { $0.name == "exchange-helper" })
        let top = try #require(HelpText.render(table, command: nil))
        #expect(!top.contains("exchange-helper"))
        for shell in CompletionShell.allCases {
            #expect(!CompletionScript.render(table, shell: shell).contains("exchange-helper"), "\(shell)")
        }
        let page = ManualPage.render(table, date: ManualDate(secondsSinceEpoch: 0))
        #expect(!page.contains("exchange-helper"))
    }

    /// `complete-names`, which the completion scripts run, is in no help or man page, and the
    /// scripts never offer it as a command; `token`, `signin` and `refresh` declare their names
    /// as listed by it.
    @Test func completeNamesIsHiddenAndListsTheNames() throws {
        #expect(try invocation(["complete-names", "--accounts"]).command == "complete-names")
        #expect(!table.commands.contains { $0.name == "complete-names" })
        #expect(try !#require(HelpText.render(table, command: nil)).contains("complete-names"))
        #expect(!ManualPage.render(table, date: ManualDate(secondsSinceEpoch: 0)).contains("complete\\-names"))
        let completions = [
            "token": ["complete-names"], "refresh": ["complete-names"], "rejected": ["complete-names"],
            "signin": ["complete-names", "--accounts"], "git-credential": ["complete-names"], "kubectl-credential": ["complete-names"],
        ]
        for (name, arguments) in completions {
            #expect(table.command(named: name)?.arguments.first?.completion == .listedBy(arguments), "\(name)")
        }
        #expect(table.commands.filter { $0.arguments.contains { $0.completion != .none } }.count == 6)
    }

    @Test func runReadsItsOptions() throws {
        let plain = Run(try invocation(["run"]))
        #expect(plain.configFile == nil && plain.logLevel == nil)
        for level in LogLevel.allCases {
            let run = Run(try invocation(["run", "--config=/etc/rc.json", "--log-level", level.rawValue]))
            #expect(run.configFile == "/etc/rc.json" && run.logLevel == level)
        }
        #expect(CheckConfig(try invocation(["check-config", "--config", "x.json"])).configFile == "x.json")
        #expect(CheckConfig(try invocation(["check-config"])).configFile == nil)
    }

    @Test func clientsReadTheirArguments() throws {
        #expect(Status(try invocation(["status", "--json"])).json)
        #expect(!Status(try invocation(["status"])).json)
        #expect(Token(try invocation(["token", "work.dynamics"])).name == "work.dynamics")
        #expect(SignIn(try invocation(["signin", "dynamics"])).name == "dynamics")
        #expect(Refresh(try invocation(["refresh", "--", "-odd"])).name == "-odd")
        #expect(Token(try invocation(["token", "mail"])).format == TokenFormatRequest(format: .raw))
        #expect(
            Token(try invocation(["token", "mail", "--format", "oauthbearer", "--user", "me@example.com", "--host", "imap.example.com", "--port=993"]))
                .format == TokenFormatRequest(format: .oauthbearer, user: "me@example.com", host: "imap.example.com", port: 993))
        let git = GitCredentialHelper(try invocation(["git-credential", "work.devops", "get"]))
        #expect(git.name == "work.devops" && git.operation == "get")
        #expect(KubectlCredential(try invocation(["kubectl-credential", "aks"])).name == "aks")
    }

    @Test func demoDefaultsAndValues() throws {
        let plain = Demo(try invocation(["demo"]))
        #expect(plain.port == 0 && plain.tokenLifetime == 60 && !plain.walkthrough && !plain.providerOnly)
        let given = Demo(
            try invocation(["demo", "--port", "65535", "--token-lifetime=3600", "--walkthrough", "--provider-only"]))
        #expect(given.port == 65535 && given.tokenLifetime == 3600 && given.walkthrough && given.providerOnly)
    }

    @Test func helpShowsEveryVisibleOptionAndArgument() throws {
        let top = try #require(HelpText.render(table, command: nil))
        for command in table.commands {
            #expect(top.contains("  \(command.name) "), "\(command.name)")
            let help = try #require(HelpText.render(table, command: command.name))
            // Help text is wrapped: compare with the line breaks taken out.
            let flat = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            for option in command.visibleOptions {
                #expect(flat.contains(option.synopsis), "\(command.name) \(option.name)")
                #expect(flat.contains(option.help), "\(command.name) \(option.name)")
            }
            for argument in command.arguments { #expect(flat.contains(argument.help)) }
            #expect(!help.contains("provider-only"))
            #expect(help.split(separator: "\n").allSatisfy { $0.count < 80 })
        }
    }

    @Test func runHelpAsPeopleSeeIt() throws {
        #expect(
            HelpText.render(table, command: "run") == """
                OVERVIEW: Run the daemon in the foreground (what systemd starts).

                USAGE: redirect-catcher run [--config <path>] [--log-level <log-level>]

                OPTIONS:
                  --config <path>         The config file.
                        Default: $XDG_CONFIG_HOME/redirect-catcher/config.json
                        (~/.config/redirect-catcher/config.json).
                  --log-level <log-level> The least important messages to log: debug, info,
                                          notice, warning or error. Overrides log_level in the
                                          config. (values: debug, info, notice, warning, error)
                  --version               Show the version.
                  -h, --help              Show help information.

                """)
    }

    @Test func usageErrorsExit64() {
        let environment = ["HOME": "/nonexistent"]
        for arguments in [
            ["bogus"], ["status", "--jsn"], ["token"], ["run", "--log-level", "loud"], ["demo", "--port", "abc"],
            ["token", "a", "b"], ["run", "--config"], ["--generate-completion-script", "ksh"],
            ["token", "a", "--format", "yaml"], ["token", "a", "--user", "me@example.com"], ["token", "a", "--format", "json", "--port", "1"],
            ["token", "a", "--format", "xoauth2", "--host", "imap.example.com"], ["token", "a", "--format", "xoauth2", "--user", "a b"],
            ["token", "a", "--format", "oauthbearer", "--port", "0"], ["git-credential", "a"], ["kubectl-credential"],
        ] {
            #expect(RedirectCatcher.execute(arguments, environment: environment) == 64, "\(arguments)")
        }
        // No config path to default to is a usage error too; a config that does not load is a failure.
        #expect(RedirectCatcher.execute(["check-config"], environment: [:]) == 64)
        #expect(RedirectCatcher.execute(["check-config", "--config", "/nonexistent/config.json"], environment: environment) == 1)
        #expect(RedirectCatcher.execute(["--generate-manual"], environment: ["SOURCE_DATE_EPOCH": "soon"]) == 64)
    }

    /// check-config names the file once per message, whether the problem is the file's (it
    /// carries the path already) or a key's; a missing file is not called invalid.
    @Test func checkConfigNamesTheFileOnce() throws {
        let path = "/home/u/.config/redirect-catcher/config.json"
        var thrown: ConfigError?
        do throws(ConfigError) {
            _ = try ConfigLoader.load(path: "/nonexistent/rc/config.json")
        } catch {
            thrown = error
        }
        let missing = try #require(thrown)
        #expect(
            CheckConfig.line(for: missing, in: "/nonexistent/rc/config.json")
                == "/nonexistent/rc/config.json: does not exist: run scripts/install from the source tree to put an annotated example there, "
                + "or copy config.example.json from the source tree there and edit it, or pass --config PATH")
        #expect(
            CheckConfig.line(for: ConfigError(path: path, message: "line 2, column 3: expected a member name in double quotes"), in: path)
                == "\(path): line 2, column 3: expected a member name in double quotes")
        #expect(
            CheckConfig.line(for: ConfigError(path: "accounts.a.token_url", message: "not an https URL"), in: path)
                == "\(path): accounts.a.token_url: not an https URL")
        #expect(CheckConfig.verdict(path: path, warnings: 0) == "\(path): OK")
        #expect(CheckConfig.verdict(path: path, warnings: 1) == "\(path): OK, with the warning above")
        #expect(CheckConfig.verdict(path: path, warnings: 5) == "\(path): OK, with the 5 warnings above")
    }

    @Test func theManualIsDatedReproducibly() throws {
        #expect(RedirectCatcher.manualDate(environment: ["SOURCE_DATE_EPOCH": "1763683200"]) == ManualDate(iso: "2025-11-21"))
        #expect(RedirectCatcher.manualDate(environment: ["SOURCE_DATE_EPOCH": "x"]) == nil)
        let today = try #require(RedirectCatcher.manualDate(environment: [:]))
        #expect(today.year >= 2025)
    }
}
