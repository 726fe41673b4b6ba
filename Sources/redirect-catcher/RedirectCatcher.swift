import Glibc
import RCCommandLine
import RCDaemon
import RCSystem

/// The command line: the daemon (`run`), a config check, small control-socket clients, and
/// a self-contained demo.
@main
enum RedirectCatcher {
    static let subcommands: [any Subcommand.Type] = [
        Run.self, CheckConfig.self, Status.self, Token.self, SignIn.self, Refresh.self, Rejected.self,
        GitCredentialHelper.self, KubectlCredential.self, Demo.self,
    ]
    /// Parsed like the others, listed nowhere: the daemon and the completion scripts run these
    /// themselves.
    static let hiddenSubcommands: [any Subcommand.Type] = [ExchangeHelperCommand.self, CompleteNamesCommand.self]

    static let table = CommandTable(
        name: "redirect-catcher",
        abstract: "Sign in to OAuth 2.0 providers in the browser and serve the access token on a Unix socket.",
        discussion: """
            The daemon (`run`) catches the sign-in redirect on http://localhost:PORT, keeps tokens \
            fresh in memory, and writes the current access token to anyone of your uid who connects \
            to $XDG_RUNTIME_DIR/redirect-catcher/ACCOUNT.sock, e.g. `nc -U .../ACCOUNT.sock`.
            """,
        version: Version.current,
        commands: subcommands.map { $0.spec },
        hiddenCommands: hiddenSubcommands.map { $0.spec },
        exitStatuses: [
            ManualEntry("0", "Success."),
            ManualEntry(
                "1", "The command failed: an invalid config for check-config, a daemon that cannot start, an error: reply."),
            ManualEntry("64", "The command line was wrong (EX_USAGE)."),
            ManualEntry("78", "run found the config invalid (EX_CONFIG); systemd does not restart it then."),
        ],
        environment: ManualSections.environment,
        seeAlso: ["systemctl(1)", "journalctl(1)", "nc(1)", "systemd.unit(5)"],
        configuration: ManualSections.configuration,
        configurationIntroduction: ManualSections.configurationIntroduction,
        files: ManualSections.files,
        seeAlsoNote: """
            README.md, installed with the source, tells how to register the application with a \
            provider, install the units, read tokens and find out what went wrong.
            """
    )

    static func main() {
        let status = execute(Array(CommandLine.arguments.dropFirst()), environment: ProcessEnvironment.variables())
        exit(status)
    }

    /// Parses and runs a command line; returns the exit status.
    static func execute(_ arguments: [String], environment: [String: String]) -> Int32 {
        let outcome: ParseOutcome
        do {
            outcome = try CommandLineParser.parse(arguments, table: table)
        } catch {
            writeError(error.description)
            return Failure.usageStatus
        }
        switch outcome {
        case .help(let command):
            print(HelpText.render(table, command: command) ?? "", terminator: "")
        case .version:
            print(table.version)
        case .completionScript(let shell):
            print(CompletionScript.render(table, shell: shell), terminator: "")
        case .manual(let date):
            guard let date = date ?? manualDate(environment: environment) else {
                writeError("Error: SOURCE_DATE_EPOCH is not a number of seconds; unset it or pass --date YYYY-MM-DD.")
                return Failure.usageStatus
            }
            print(ManualPage.render(table, date: date), terminator: "")
        case .command(let invocation):
            guard let command = (subcommands + hiddenSubcommands).first(where: { $0.spec.name == invocation.command }) else { return 1 }
            do {
                try command.init(invocation).run(environment: environment)
            } catch let failure as Failure {
                if let message = failure.message { writeError(message) }
                return failure.status
            } catch {
                writeError("Error: \(error)")
                return 1
            }
        }
        return 0
    }

    /// `SOURCE_DATE_EPOCH` (reproducible builds), else today; nil if the variable is not a number.
    static func manualDate(environment: [String: String]) -> ManualDate? {
        guard let epoch = environment["SOURCE_DATE_EPOCH"] else {
            return ManualDate(secondsSinceEpoch: Int64(time(nil)))
        }
        return Int64(epoch).map { ManualDate(secondsSinceEpoch: $0) }
    }
}
