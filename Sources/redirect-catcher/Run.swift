import RCCommandLine
import RCDaemon
import RCSystem

/// `redirect-catcher run`: the daemon in the foreground, as systemd starts it.
struct Run: Subcommand {
    static let spec = CommandSpec(
        name: "run", abstract: "Run the daemon in the foreground (what systemd starts).",
        options: [
            ConfigOption.spec,
            .value(
                "log-level", ValueSpec("log-level", .choice(LogLevel.allCases.map(\.rawValue))),
                help: "The least important messages to log: debug, info, notice, warning or error. Overrides log_level in the config."),
        ])

    var configFile: String?
    var logLevel: LogLevel?

    init(_ invocation: Invocation) {
        configFile = invocation.value("config")
        logLevel = invocation.value("log-level").flatMap(LogLevel.init(rawValue:))
    }

    func run(environment: [String: String]) throws {
        // Before anything holds a secret: no ptrace by other processes, no core dumps.
        try? ProcessEnvironment.makeNonDumpable()
        ProcessEnvironment.raiseDescriptorLimit()
        var environment = environment
        let sink = JournalLogSink.sink(environment: environment)
        // Socket activation: taken now, before any child could inherit them, and removed from
        // the environment the daemon passes on.
        let passed: [PassedDescriptors.Entry]
        do {
            passed = try PassedDescriptors.take(environment: environment)
        } catch {
            Logger(minimumLevel: .error, sink: sink).error("fatal", "cannot take the sockets systemd passed: \(error)")
            throw Failure.failed
        }
        for name in PassedDescriptors.variables { environment.removeValue(forKey: name) }
        let config: Config
        let configPath = try ConfigOption.resolvedPath(configFile, environment: environment, command: Self.spec)
        do {
            config = try ConfigLoader.load(path: configPath, credentialsDirectory: environment["CREDENTIALS_DIRECTORY"])
        } catch {
            Logger(minimumLevel: .error, sink: sink).error("config_invalid", "config error: \(error)")
            throw Failure(status: Failure.configStatus, message: nil)
        }
        let logger = Logger(minimumLevel: logLevel ?? config.logLevel ?? .info, sink: sink)
        for warning in config.warnings { logger.warning("config_warning", "config: \(warning)") }
        do {
            let daemon = try Daemon(
                config: config, environment: environment, logger: logger, configPath: configPath, passedSockets: passed,
                exchangeHelper: ExchangeHelper.argv)
            daemon.logLevelFromCommandLine = logLevel
            try daemon.run()
        } catch {
            logger.error("fatal", "cannot start: \(error)")
            throw Failure.failed
        }
    }
}
