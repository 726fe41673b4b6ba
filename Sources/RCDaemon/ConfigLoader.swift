import Glibc
import RCJSON
import RCOAuth
import RCSystem

/// Reads and validates the config file (the keys the README's config table promises users).
///
/// Validation is complete at load time: every account is resolved to ``AccountSettings``, secret
/// files are read and CA files checked, so a daemon that starts has nothing left to misconfigure.
/// The first problem found is reported, with its key path.
public enum ConfigLoader {
    /// The redirect port when `listen` is absent.
    public static let defaultListenPort: UInt16 = 8400
    /// A config file is a few kilobytes; anything past this is not one.
    static let maximumFileSize = 1 << 20

    /// Seconds a token request may take when `request_timeout` is absent.
    public static let defaultRequestTimeout: Double = 30
    /// `request_timeout` bounds: under a second fails on any real network; past five minutes a
    /// hung provider would hold the refresh (and waiting clients) for longer than helps anyone.
    static let requestTimeoutRange: ClosedRange<Double> = 1...300

    static let topLevelKeys = ["listen", "accounts", "notify_command", "request_timeout", "log_level", "persist"]

    /// Reads and parses the file at `path`. A relative `client_secret_file` is looked up in
    /// `credentialsDirectory` (systemd's `$CREDENTIALS_DIRECTORY`).
    public static func load(path: String, credentialsDirectory: String? = nil) throws(ConfigError) -> Config {
        let file: FileContent
        switch readFile(path) {
        case .success(let content): file = content
        case .failure(let problem) where problem.errno == ENOENT:
            // Not "invalid": there is nothing yet. The example is in the source tree, not next
            // to an installed binary, so say both ways to get one.
            throw ConfigError(
                path: path,
                message: "does not exist: run scripts/install from the source tree to put an annotated example there, "
                    + "or copy config.example.json from the source tree there and edit it, or pass --config PATH")
        case .failure(let problem):
            throw ConfigError(path: path, message: problem.message)
        }
        return try parse(
            file.bytes, credentialsDirectory: credentialsDirectory, source: path, fileMode: file.mode)
    }

    /// Parses config text; JSON syntax errors are reported against the path "config".
    public static func parse(_ bytes: [UInt8], credentialsDirectory: String? = nil) throws(ConfigError) -> Config {
        try parse(bytes, credentialsDirectory: credentialsDirectory, source: "config")
    }

    /// `$XDG_CONFIG_HOME/redirect-catcher/config.json`, else `$HOME/.config/redirect-catcher/config.json`;
    /// nil when neither is set. A relative `XDG_CONFIG_HOME` is ignored, as the XDG spec says.
    public static func defaultPath(environment: [String: String]) -> String? {
        if let base = environment["XDG_CONFIG_HOME"], base.hasPrefix("/") {
            return trimmingSlashes(base) + "/redirect-catcher/config.json"
        }
        if let home = environment["HOME"], !home.isEmpty {
            return trimmingSlashes(home) + "/.config/redirect-catcher/config.json"
        }
        return nil
    }

    /// `fileMode` is the mode of the file `source` names, when the text came from one: an inline
    /// `client_secret` is only as private as the file that holds it.
    static func parse(
        _ bytes: [UInt8], credentialsDirectory: String?, source: String, fileMode: mode_t? = nil
    ) throws(ConfigError) -> Config {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes, maxDepth: 16)
        } catch {
            throw describe(error, in: bytes, source: source)
        }
        let root = ConfigNode(path: "", value: document)
        guard document.objectValue != nil else {
            throw ConfigError(path: source, message: "expected a JSON object at the top level, got \(document.typeName)")
        }
        _ = try root.object(validKeys: topLevelKeys)

        var listenPort = defaultListenPort
        if let listen = root.member("listen") {
            _ = try listen.object(validKeys: ["port"])
            if let port = listen.member("port") {
                guard let number = port.value.numberValue?.int64, let value = UInt16(exactly: number) else {
                    throw port.error("expected an integer from 0 to 65535")
                }
                listenPort = value
            }
        }

        var context = AccountContext(
            listenPort: listenPort, credentialsDirectory: credentialsDirectory,
            configFile: fileMode.map { ConfigFile(path: source, mode: $0) }, warnings: [])
        guard let accountsNode = root.member("accounts") else {
            throw root.child("accounts").error("required: add at least one account")
        }
        let accountsObject = try accountsNode.object()
        let names = accountsObject.keys.filter { !ConfigNode.isComment($0) }
        guard !names.isEmpty else { throw accountsNode.error("add at least one account") }
        var accounts: [AccountSettings] = []
        for name in names {
            accounts.append(try context.account(name: name, node: accountsNode.child(name)))
        }

        var notifyCommand: [String]?
        if let notify = root.member("notify_command") {
            let elements = try notify.array()
            guard !elements.isEmpty else { throw notify.error("expected a non-empty array of strings (argv)") }
            var argv: [String] = []
            for element in elements { argv.append(try element.string()) }
            guard !argv[0].isEmpty else { throw elements[0].error("may not be empty") }
            notifyCommand = argv
        }

        let persist = try root.member("persist").map { node throws(ConfigError) in try Self.persist(node) }

        var requestTimeout = defaultRequestTimeout
        if let timeout = root.member("request_timeout") {
            guard let seconds = timeout.value.numberValue?.double, requestTimeoutRange.contains(seconds) else {
                throw timeout.error("expected a number of seconds from 1 to 300")
            }
            requestTimeout = seconds
        }

        var logLevel: LogLevel?
        if let level = root.member("log_level") {
            guard let value = LogLevel(rawValue: try level.string()) else {
                throw level.error("must be one of " + LogLevel.allCases.map(\.rawValue).joined(separator: ", "))
            }
            logLevel = value
        }

        return Config(
            listenPort: listenPort, accounts: accounts, notifyCommand: notifyCommand, requestTimeout: requestTimeout,
            logLevel: logLevel, warnings: context.warnings, persist: persist)
    }

    /// A parse error as a config error: duplicate keys by key path (the parser rejects them, so
    /// this is where duplicate account names surface), anything else by line and column. An
    /// error where a comment starts gets the one way JSON can carry a note.
    private static func describe(_ error: JSONParseError, in bytes: [UInt8], source: String) -> ConfigError {
        guard let key = error.duplicateKey else {
            guard startsComment(bytes[min(error.offset, bytes.count)...]) else {
                return ConfigError(path: source, message: error.description)
            }
            return ConfigError(
                path: source,
                message: error.description
                    + "; JSON has no comments: write the note as a member, \"// note\": \"...\" (keys that start with // are ignored)")
        }
        var path = ""
        for element in error.path {
            switch element {
            case .key(let name): path += path.isEmpty ? name : "." + name
            case .index(let index): path += "[\(index)]"
            }
        }
        if path == "accounts" { return ConfigError(path: path, message: "duplicate account \"\(key)\"") }
        return ConfigError(path: path.isEmpty ? source : path, message: "duplicate key \"\(key)\" (line \(error.line), column \(error.column))")
    }

    /// `//`, `/*` or `#`: how a comment starts in the languages people write config in.
    private static func startsComment(_ text: ArraySlice<UInt8>) -> Bool {
        let slash = UInt8(ascii: "/")
        guard let first = text.first else { return false }
        if first == UInt8(ascii: "#") { return true }
        let second = text.dropFirst().first
        return first == slash && (second == slash || second == UInt8(ascii: "*"))
    }

    private static func trimmingSlashes(_ path: String) -> String {
        var text = path
        while text.count > 1, text.hasSuffix("/") { text.removeLast() }
        return text == "/" ? "" : text
    }

    /// Why a file could not be read: the errno for callers that branch on it, and a message.
    struct ReadProblem: Error {
        let errno: Int32
        let message: String
    }

    /// A file's bytes and its mode, taken from the descriptor that read them, so the mode is
    /// the one of the file actually read, even if the path is replaced meanwhile.
    struct FileContent {
        let bytes: [UInt8]
        let mode: mode_t
    }

    /// Reads a whole small file with open/read/close, retrying EINTR and closing on every path.
    static func readFile(_ path: String) -> Result<FileContent, ReadProblem> {
        func failure(_ what: String, _ code: Int32 = errno) -> Result<FileContent, ReadProblem> {
            .failure(ReadProblem(errno: code, message: "cannot \(what): " + errorText(code)))
        }
        let file = FileDescriptor(owning: retryingEINTR { open(path, O_RDONLY | O_CLOEXEC) })
        guard file.rawValue >= 0 else { return failure("open") }
        var info = stat()
        guard fstat(file.rawValue, &info) == 0 else { return failure("inspect") }
        var content: [UInt8] = []
        while true {
            switch Result(catching: { () throws(SystemError) in try file.read(appendingTo: &content) }) {
            case .success(.bytes) where content.count > maximumFileSize:
                return .failure(ReadProblem(errno: EFBIG, message: "larger than 1 MiB: this is not a config file"))
            case .success(.bytes): continue
            case .success: return .success(FileContent(bytes: content, mode: info.st_mode))
            case .failure(let error): return failure("read", error.errno)
            }
        }
    }

    /// strerror's text for `code`; glibc has one for every value ("Unknown error 4242").
    static func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }
}
