/// A program's whole command line as data: its commands, their options and arguments, and the
/// prose that help, completions and the man page are made from. Parsing, help, completion
/// scripts and the manual all read this one table, so they cannot disagree.
public struct CommandTable: Sendable, Equatable {
    /// The program as people type it, e.g. `redirect-catcher`.
    public var name: String
    /// One sentence: the OVERVIEW line of the top help and the man page's NAME line.
    public var abstract: String
    /// Paragraphs (separated by newlines) under the overview.
    public var discussion: String
    /// What `--version` prints.
    public var version: String
    /// The subcommands, in the order help lists them.
    public var commands: [CommandSpec]
    /// Subcommands that parse like the others but that help, completions and the man page
    /// never mention: internal entry points, such as a helper process the program starts.
    public var hiddenCommands: [CommandSpec]
    /// For the man page's EXIT STATUS section.
    public var exitStatuses: [ManualEntry]
    /// For the man page's ENVIRONMENT section.
    public var environment: [ManualEntry]
    /// For the man page's SEE ALSO section, as `name(section)`.
    public var seeAlso: [String]
    /// For the man page's CONFIGURATION section: the config file's keys and what each means.
    public var configuration: [ManualEntry]
    /// Paragraphs (separated by newlines) before the keys of the CONFIGURATION section.
    public var configurationIntroduction: String
    /// For the man page's FILES section: each path and what is there.
    public var files: [ManualEntry]
    /// Paragraphs (separated by newlines) after SEE ALSO's references, for documents that are
    /// not man pages.
    public var seeAlsoNote: String

    public init(
        name: String, abstract: String, discussion: String = "", version: String, commands: [CommandSpec],
        hiddenCommands: [CommandSpec] = [], exitStatuses: [ManualEntry] = [], environment: [ManualEntry] = [],
        seeAlso: [String] = [], configuration: [ManualEntry] = [], configurationIntroduction: String = "",
        files: [ManualEntry] = [], seeAlsoNote: String = ""
    ) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.version = version
        self.commands = commands
        self.hiddenCommands = hiddenCommands
        self.exitStatuses = exitStatuses
        self.environment = environment
        self.seeAlso = seeAlso
        self.configuration = configuration
        self.configurationIntroduction = configurationIntroduction
        self.files = files
        self.seeAlsoNote = seeAlsoNote
    }

    public func command(named name: String) -> CommandSpec? {
        commands.first { $0.name == name } ?? hiddenCommands.first { $0.name == name }
    }
}

/// A term and what it means, for the man page's lists (an exit status, a variable, a config
/// key, a file). Several terms that share a meaning are written "one, two".
public struct ManualEntry: Sendable, Equatable {
    public var term: String
    public var meaning: String

    public init(_ term: String, _ meaning: String) {
        self.term = term
        self.meaning = meaning
    }
}
