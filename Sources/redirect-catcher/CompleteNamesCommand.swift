import RCCommandLine
import RCDaemon

/// `redirect-catcher complete-names [--accounts] [--config PATH]`: hidden; the completion scripts
/// run it to offer names after `token`, `signin` and `refresh`. It prints each account name and
/// each `ACCOUNT.TOKEN` (only the accounts with `--accounts`, for `signin`), one a line, and on any problem prints nothing and still exits 0: a
/// shell would show an error or a failure in the middle of the line being typed.
struct CompleteNamesCommand: Subcommand {
    /// The command the table's ``ArgumentCompletion/listedBy(_:)`` runs.
    static let name = "complete-names"

    static let spec = CommandSpec(
        name: name, abstract: "Print the account and token names in the config, for shell completion (internal).",
        options: [ConfigOption.spec, .flag("accounts", help: "Only the account names, not ACCOUNT.TOKEN.")])

    var configFile: String?
    var accountsOnly: Bool

    init(_ invocation: Invocation) {
        configFile = invocation.value("config")
        accountsOnly = invocation.flag("accounts")
    }

    func run(environment: [String: String]) throws {
        guard let path = configFile ?? ConfigLoader.defaultPath(environment: environment) else { return }
        let names = ConfigLoader.completionNames(path: path).filter { !accountsOnly || $0.token == nil }
        if !names.isEmpty { print(names.map(\.description).joined(separator: "\n")) }
    }
}
