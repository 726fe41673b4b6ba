import RCCommandLine

/// A subcommand: its entry in the command table, how it takes its parsed values, what it does.
protocol Subcommand: Sendable {
    static var spec: CommandSpec { get }
    init(_ invocation: Invocation)
    /// Runs the command with the process's environment (or a test's).
    func run(environment: [String: String]) throws
}
