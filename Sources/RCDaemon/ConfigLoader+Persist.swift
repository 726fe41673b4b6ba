/// `persist`: the person's own commands that keep the state across reboots (see
/// ``PersistCommands``).
extension ConfigLoader {
    static func persist(_ node: ConfigNode) throws(ConfigError) -> PersistCommands {
        _ = try node.object(validKeys: ["save", "load"])
        guard let save = node.member("save") else { throw node.child("save").error("required: the command that keeps the state (argv)") }
        guard let load = node.member("load") else { throw node.child("load").error("required: the command that prints the kept state (argv)") }
        return PersistCommands(save: try argv(save), load: try argv(load))
    }

    /// A non-empty array of strings whose first is not empty: a command run without a shell.
    static func argv(_ node: ConfigNode) throws(ConfigError) -> [String] {
        let elements = try node.array()
        guard !elements.isEmpty else { throw node.error("expected a non-empty array of strings (argv)") }
        var argv: [String] = []
        for element in elements { argv.append(try element.string()) }
        guard !argv[0].isEmpty else { throw elements[0].error("may not be empty") }
        return argv
    }
}
