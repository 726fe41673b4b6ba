import RCOAuth

/// The daemon's configuration, validated and resolved: what `check-config` prints and `run` uses.
public struct Config: Sendable, Equatable {
    /// The loopback port for redirects and sign-in links; 0 asks the kernel for a free one.
    public var listenPort: UInt16
    /// The accounts in file order (so status output and logs follow the file).
    public var accounts: [AccountSettings]
    /// A command run (argv, no shell) when an account needs the person; nil for none.
    public var notifyCommand: [String]?
    /// Seconds a token request (connect, TLS, request, response) may take before it counts as
    /// a transient failure.
    public var requestTimeout: Double
    /// The configured log level, or nil for the daemon's default.
    public var logLevel: LogLevel?
    /// Findings that do not stop the daemon but deserve a log line at start-up, such as an Entra
    /// account without `offline_access` (it works, but needs the browser at every expiry).
    public var warnings: [ConfigError]
    /// The commands that keep the state across reboots; nil: only systemd's store keeps it.
    public var persist: PersistCommands?

    public init(
        listenPort: UInt16 = ConfigLoader.defaultListenPort, accounts: [AccountSettings], notifyCommand: [String]? = nil,
        requestTimeout: Double = ConfigLoader.defaultRequestTimeout, logLevel: LogLevel? = nil, warnings: [ConfigError] = [],
        persist: PersistCommands? = nil
    ) {
        self.listenPort = listenPort
        self.accounts = accounts
        self.notifyCommand = notifyCommand
        self.requestTimeout = requestTimeout
        self.logLevel = logLevel
        self.warnings = warnings
        self.persist = persist
    }
}
