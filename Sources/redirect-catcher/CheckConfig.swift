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
            printError(Self.line(for: error, in: path))
            throw Failure.failed
        }
        let directory = (try? RuntimeDirectory.path(environment: environment)) ?? "$XDG_RUNTIME_DIR/redirect-catcher"
        print(ConfigSummary.describe(config, socketDirectory: directory))
        for warning in config.warnings { print("warning: \(warning)") }
        let problems = ConfigSummary.socketPathProblems(config, socketDirectory: directory)
        for problem in problems { printError("\(path): \(problem)") }
        if !problems.isEmpty { throw Failure.failed }
        print(Self.verdict(path: path, warnings: config.warnings.count))
    }

    /// The error as one line that names the file once: a problem with the file as a whole
    /// already carries its path as its key path.
    static func line(for error: ConfigError, in path: String) -> String {
        error.path == path ? "\(path): \(error.message)" : "\(path): \(error)"
    }

    /// The last line, which is what a skimming reader sees: it says the warnings above it exist.
    static func verdict(path: String, warnings: Int) -> String {
        switch warnings {
        case 0: "\(path): OK"
        case 1: "\(path): OK, with the warning above"
        default: "\(path): OK, with the \(warnings) warnings above"
        }
    }
}
