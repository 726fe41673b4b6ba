import RCCommandLine
import RCDaemon

/// `--config PATH`, shared by the commands that read the config file.
enum ConfigOption {
    static let spec = OptionSpec.value(
        "config", ValueSpec("path", .path), help: "The config file.",
        discussion: "Default: $XDG_CONFIG_HOME/redirect-catcher/config.json (~/.config/redirect-catcher/config.json).")

    static func resolvedPath(_ config: String?, environment: [String: String], command: CommandSpec) throws -> String {
        if let config { return config }
        guard let path = ConfigLoader.defaultPath(environment: environment) else {
            throw Failure.usage("neither XDG_CONFIG_HOME nor HOME is set: pass --config PATH", command: command)
        }
        return path
    }
}
