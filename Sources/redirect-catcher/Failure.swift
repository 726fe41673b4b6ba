import RCCommandLine

/// How a command ends when it does not succeed: the exit status, and what to print on stderr
/// (nil when the command has already said it).
struct Failure: Error {
    static let usageStatus: Int32 = 64  // EX_USAGE
    static let configStatus: Int32 = 78  // EX_CONFIG; systemd does not restart on it with RestartPreventExitStatus

    let status: Int32
    let message: String?

    static let failed = Failure(status: 1, message: nil)

    /// A usage error found by the command itself, shown as the parser's are.
    static func usage(_ problem: String, command: CommandSpec) -> Failure {
        Failure(
            status: usageStatus,
            message: UsageError(.other(problem), program: RedirectCatcher.table.name, command: command).description)
    }
}
