import ArgumentParser
import RCDaemon
import RCSystem

/// `redirect-catcher exchange-helper`: hidden; the daemon starts it for each token request.
struct ExchangeHelperCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: ExchangeHelper.commandName, shouldDisplay: false)

    func run() throws {
        let status = ExchangeHelper.serve(environment: ProcessEnvironment.variables())
        if status != 0 { throw ExitCode(status) }
    }
}
