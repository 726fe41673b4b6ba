import RCCommandLine
import RCDaemon
import RCSystem

/// `redirect-catcher check-config`: validate and print what would run.
struct CheckConfig: Subcommand {
    static let spec = CommandSpec(
        name: "check-config", abstract: "Validate the config file and print what would run; exit 0 if valid, 1 if not.",
        options: [ConfigOption.spec])

    var configFile: String?

    init(_ invocation: Invocation) { configFile = invocation.value("config") }

    func run(environment: [String: String]) throws {
        let path = try ConfigOption.resolvedPath(configFile, environment: environment, command: Self.spec)
        let config: Config
        do {
            config = try ConfigLoader.load(path: path, credentialsDirectory: environment["CREDENTIALS_DIRECTORY"])
        } catch {
            printError("\(path): invalid: \(error)")
            throw Failure.failed
        }
        let directory = (try? RuntimeDirectory.path(environment: environment)) ?? "$XDG_RUNTIME_DIR/redirect-catcher"
        print(ConfigSummary.describe(config, socketDirectory: directory))
        for warning in config.warnings { print("warning: \(warning)") }
        let problems = ConfigSummary.socketPathProblems(config, socketDirectory: directory)
        for problem in problems { printError("\(path): \(problem)") }
        if !problems.isEmpty { throw Failure.failed }
        print("\(path): OK")
    }
}
