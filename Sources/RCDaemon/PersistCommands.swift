/// `persist` in the config: two commands (argv, no shell) that keep the daemon's state where
/// the person chooses, encrypted by a tool they trust, so that sign-ins survive a reboot.
/// `save` reads the state on stdin; `load` prints it on stdout. The daemon itself never
/// writes the state to a file.
public struct PersistCommands: Sendable, Equatable {
    public var save: [String]
    public var load: [String]

    public init(save: [String], load: [String]) {
        self.save = save
        self.load = load
    }
}
