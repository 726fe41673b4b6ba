import RCSystem

/// Why `run` could not start serving. Each says what went wrong and, where there is one thing
/// to change, what; `run` logs it as `fatal` and exits 1. Nothing was left half-started: the
/// sockets claimed so far are the daemon's own and go with it.
public enum StartupError: Error, CustomStringConvertible {
    /// SIGTERM, SIGINT and SIGHUP could not be routed to the loop.
    case signals(SystemError)
    /// An issuer-only account's discovery failed: a config error naming the account's key.
    case discovery(ConfigError)
    /// The runtime directory, a socket path another daemon holds, or the redirect port.
    case setup(RuntimeDirectory.Problem)
    /// A socket could not listen at its path.
    case socket(path: String, SystemError)

    public var description: String {
        switch self {
        case .signals(let error): return "cannot handle signals: \(error)"
        case .discovery(let error): return error.description
        case .setup(let problem): return problem.description
        case .socket(let path, let error): return "cannot listen on \(path): \(error)"
        }
    }
}
