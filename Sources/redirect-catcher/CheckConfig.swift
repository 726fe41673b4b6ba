import ArgumentParser
import RCDaemon
import RCSystem

/// `redirect-catcher check-config`: validate and print what would run.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate the config file and print what would run; exit 0 if valid, 1 if not.")

    @OptionGroup var options: ConfigOption

    func run() throws {
        let environment = ProcessEnvironment.variables()
        let path = try options.resolvedPath(environment: environment)
        let config: Config
        do {
            config = try ConfigLoader.load(path: path, credentialsDirectory: environment["CREDENTIALS_DIRECTORY"])
        } catch {
            printError("\(path): invalid: \(error)")
            throw ExitCode.failure
        }
        let directory = (try? RuntimeDirectory.path(environment: environment)) ?? "$XDG_RUNTIME_DIR/redirect-catcher"
        print(ConfigSummary.describe(config, socketDirectory: directory))
        for warning in config.warnings { print("warning: \(warning)") }
        print("\(path): OK")
    }
}
