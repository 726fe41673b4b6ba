import RCCommandLine
import RCDaemon

/// `redirect-catcher exchange-helper`: hidden; the daemon starts it for each token request
/// (see `HelperTokenEndpoint`). It reads its order on stdin and answers on stdout.
struct ExchangeHelperCommand: Subcommand {
    static let spec = CommandSpec(
        name: ExchangeHelper.commandName, abstract: "Carry out one token request for the daemon (internal).")

    init(_ invocation: Invocation) {}

    func run(environment: [String: String]) throws {
        let status = ExchangeHelper.serve(environment: environment)
        if status != 0 { throw Failure(status: status, message: nil) }
    }
}
