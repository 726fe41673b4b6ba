import ArgumentParser
import RCDaemon
import RCSystem

/// `redirect-catcher run`: the daemon in the foreground, as systemd starts it.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the daemon in the foreground (what systemd starts).")

    @OptionGroup var options: ConfigOption

    @Option(name: .long, help: "The least important messages to log: debug, info, notice, warning or error. Overrides log_level in the config.")
    var logLevel: LogLevel?

    func run() throws {
        // Before anything holds a secret: no ptrace by other processes, no core dumps.
        try? ProcessEnvironment.makeNonDumpable()
        ProcessEnvironment.raiseDescriptorLimit()
        var environment = ProcessEnvironment.variables()
        let sink = JournalLogSink.sink(environment: environment)
        // Socket activation: taken now, before any child could inherit them, and removed from
        // the environment the daemon passes on.
        let passed: [PassedDescriptors.Entry]
        do {
            passed = try PassedDescriptors.take(environment: environment)
        } catch {
            Logger(minimumLevel: .error, sink: sink).error("fatal", "cannot take the sockets systemd passed: \(error)")
            throw ExitCode.failure
        }
        for name in PassedDescriptors.variables { environment.removeValue(forKey: name) }
        let config: Config
        let configPath = try options.resolvedPath(environment: environment)
        do {
            config = try ConfigLoader.load(path: configPath, credentialsDirectory: environment["CREDENTIALS_DIRECTORY"])
        } catch {
            Logger(minimumLevel: .error, sink: sink).error("config_invalid", "config error: \(error)")
            throw ExitCode(78)  // EX_CONFIG; systemd does not restart on it with RestartPreventExitStatus
        }
        let logger = Logger(minimumLevel: logLevel ?? config.logLevel ?? .info, sink: sink)
        for warning in config.warnings { logger.warning("config_warning", "config: \(warning)") }
        do {
            let daemon = try Daemon(config: config, environment: environment, logger: logger, configPath: configPath, passedSockets: passed,
                exchangeHelper: ExchangeHelper.argv)
            try daemon.run()
        } catch {
            logger.error("fatal", "cannot start: \(error)")
            throw ExitCode.failure
        }
    }
}
