import ArgumentParser
import RCDaemon

/// The command line: the daemon (`run`), a config check, small control-socket clients, and
/// a self-contained demo.
@main
struct RedirectCatcher: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redirect-catcher",
        abstract: "Sign in to OAuth 2.0 providers in the browser and serve the access token on a Unix socket.",
        discussion: """
            The daemon (`run`) catches the sign-in redirect on http://localhost:PORT, keeps tokens \
            fresh in memory, and writes the current access token to anyone of your uid who connects \
            to $XDG_RUNTIME_DIR/redirect-catcher/ACCOUNT.sock, e.g. `nc -U .../ACCOUNT.sock`.
            """,
        version: Version.current,
        subcommands: [Run.self, CheckConfig.self, Status.self, Token.self, SignIn.self, Refresh.self, Demo.self, ExchangeHelperCommand.self]
    )
}

/// `--config PATH`, shared by the commands that read the config file.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The config file.", discussion: "Default: $XDG_CONFIG_HOME/redirect-catcher/config.json (~/.config/redirect-catcher/config.json).", valueName: "path"))
    var config: String?

    func resolvedPath(environment: [String: String]) throws -> String {
        if let config { return config }
        guard let path = ConfigLoader.defaultPath(environment: environment) else {
            throw ValidationError("neither XDG_CONFIG_HOME nor HOME is set: pass --config PATH")
        }
        return path
    }
}

extension LogLevel: ExpressibleByArgument {}
