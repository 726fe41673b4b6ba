/// A config problem, named by its key path: `accounts.dynamics.token_url: not an https URL`.
///
/// The path is the user's handle on the problem (they can search their file for it), so it is
/// always the dotted key path, or the file path for problems with the file as a whole. The same
/// shape carries the non-fatal findings in ``Config/warnings``.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `accounts.dynamics.token_url`, `notify_command[0]`, or the config file's path.
    public let path: String
    /// What is wrong and, where it is not obvious, what to do.
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
