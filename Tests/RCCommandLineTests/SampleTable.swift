import RCCommandLine

/// A small program's table with one of everything the parser knows: a path option with a
/// discussion, a choice, an integer with a default, flags (one hidden), a positional argument.
enum Sample {
    static let serve = CommandSpec(
        name: "serve", abstract: "Serve things until stopped.",
        options: [
            .value("config", ValueSpec("path", .path), help: "The config file.", discussion: "Default: ~/.tool.json."),
            .value("level", ValueSpec("level", .choice(["low", "high"])), help: "How much to say."),
            .value("port", ValueSpec("port", .integer(0...65535), default: "8080"), help: "The port to listen on."),
            .flag("verbose", help: "Say more."),
            .flag("internal", help: "Only for tests.", hidden: true),
        ])

    static let get = CommandSpec(
        name: "get", abstract: "Print one thing.", discussion: "Things are looked up by name.",
        options: [.flag("json", help: "Print JSON.")],
        arguments: [ArgumentSpec("name", help: "The thing's name.")])

    static let table = CommandTable(
        name: "tool", abstract: "Do things with things.", discussion: "A longer word about things.", version: "1.2.3",
        commands: [serve, get],
        exitStatuses: [ManualEntry("0", "Success."), ManualEntry("64", "A usage error.")],
        environment: [ManualEntry("TOOL_HOME", "Where things are.")],
        seeAlso: ["tool.json(5)", "cat(1)"])
}
