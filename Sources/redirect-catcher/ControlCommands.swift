import Glibc
import RCCommandLine
import RCDaemon
import RCJSON
import RCSystem

/// Sends one control request and returns the reply, or exits with the reason on stderr.
func controlRequest(_ line: String, environment: [String: String]) throws -> String {
    do {
        return try ControlClient.request(line, environment: environment)
    } catch {
        printError(error.description)
        throw Failure.failed
    }
}

/// Prints a reply line; an `error:` reply goes to stderr and fails the command.
func relay(_ reply: String) throws {
    if reply.hasPrefix("error:") {
        printError(reply)
        throw Failure.failed
    }
    print(reply)
}

func printError(_ text: String) {
    writeError("redirect-catcher: \(text)")
}

/// One line on stderr, as it is.
func writeError(_ line: String) {
    var stderr = StandardError()
    print(line, to: &stderr)
}

/// Unbuffered stderr for `print(_:to:)`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(2, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }
}

/// `redirect-catcher status [--json]`.
struct Status: Subcommand {
    static let spec = CommandSpec(
        name: "status", abstract: "Show each account's state, token expiry and next refresh.",
        options: [.flag("json", help: "Print the daemon's JSON reply as it is.")])

    var json: Bool

    init(_ invocation: Invocation) { json = invocation.flag("json") }

    func run(environment: [String: String]) throws {
        let reply = try controlRequest("status", environment: environment)
        if json {
            print(reply)
            return
        }
        guard case .object(let root)? = try? JSONParser.parse(reply), case .array(let accounts)? = root["accounts"] else {
            try relay(reply)
            return
        }
        if case .string(let listen)? = root["listen"] { print("listening on \(listen)") }
        for case .object(let account) in accounts {
            print(StatusLine.describe(account))
        }
    }
}

/// The NAME that `token` and `refresh` take.
let accountOrTokenArgument = ArgumentSpec(
    "name", help: "The account name, or ACCOUNT.TOKEN for one of its extra tokens.",
    completion: .listedBy([CompleteNamesCommand.name]))

/// `redirect-catcher token NAME [--format FORMAT [--user ADDRESS] [--host HOST] [--port PORT]]`.
struct Token: Subcommand {
    static let spec = CommandSpec(
        name: "token", abstract: "Print the account's current access token (as `nc -U ACCOUNT.sock` does), or it in a client's format.",
        options: [
            .value(
                "format", ValueSpec("format", .choice(TokenFormat.allCases.map(\.rawValue)), default: TokenFormat.raw.rawValue),
                help: "raw (the token), header (Authorization: Bearer TOKEN), json (with expires_at and expires_in), xoauth2 or oauthbearer (base64 SASL initial responses)."),
            .value("user", ValueSpec("address"), help: "The mailbox address for xoauth2 and oauthbearer; default: the account's user key."),
            .value("host", ValueSpec("host"), help: "The mail server's host name, which oauthbearer carries."),
            .value("port", ValueSpec("port", .integer(1...65_535)), help: "The mail server's port, which oauthbearer carries."),
        ],
        arguments: [accountOrTokenArgument])

    var name: String
    var format: TokenFormatRequest

    init(_ invocation: Invocation) {
        name = invocation.argument("name") ?? ""
        format = TokenFormatRequest(
            format: invocation.value("format").flatMap(TokenFormat.init(rawValue:)) ?? .raw, user: invocation.value("user"),
            host: invocation.value("host"), port: invocation.integer("port"))
    }

    func run(environment: [String: String]) throws {
        let sasl = format.format == .xoauth2 || format.format == .oauthbearer
        if !sasl, format.user != nil || format.host != nil || format.port != nil {
            throw Failure.usage("--user, --host and --port go with --format xoauth2 or oauthbearer", command: Self.spec)
        }
        if format.format == .xoauth2, format.host != nil || format.port != nil {
            throw Failure.usage("--host and --port go with --format oauthbearer (XOAUTH2 does not carry them)", command: Self.spec)
        }
        // The daemon checks the values as well; checking here turns a bad one into a usage error.
        if let problem = format.user.flatMap(TokenFormatRequest.userProblem) ?? format.host.flatMap(TokenFormatRequest.hostProblem) {
            throw Failure.usage(problem, command: Self.spec)
        }
        // A plain `token NAME` stays the line it always was.
        let words = format.format == .raw ? [name] : [name] + format.controlWords
        try relay(try controlRequest("token " + words.joined(separator: " "), environment: environment))
    }
}

/// `redirect-catcher signin NAME [--paste | --device]`.
struct SignIn: Subcommand {
    static let spec = CommandSpec(
        name: "signin", abstract: "Print the URL that signs the account in, or the code to enter on any device.",
        discussion: """
            With --paste, for a machine without a browser: it prints the provider's sign-in URL to \
            open on any machine, then reads from standard input the address that browser ended on \
            (the http://localhost:PORT/callback?... page that fails to load there), or just its \
            query, and signs in with it. The daemon's browser listener keeps working meanwhile.

            An account with "signin_flow": "device_code", or any account with --device, gets a \
            device code sign-in (RFC 8628): the command prints the provider's page and the code to \
            enter there on any device, and the daemon polls until the person has finished.
            """,
        options: [
            .flag("paste", help: "Sign in by pasting the address the browser ended on, read from standard input."),
            .flag("device", help: "Sign in with a device code this once, whatever the account's signin_flow."),
        ],
        arguments: [ArgumentSpec("name", help: "The account name.", completion: .listedBy([CompleteNamesCommand.name, "--accounts"]))])

    var name: String
    var paste: Bool
    var device: Bool

    init(_ invocation: Invocation) {
        name = invocation.argument("name") ?? ""
        paste = invocation.flag("paste")
        device = invocation.flag("device")
    }

    func run(environment: [String: String]) throws {
        if paste && device { throw Failure.usage("--paste and --device are two ways to sign in: choose one", command: Self.spec) }
        if paste {
            try pasteSignIn(environment: environment)
            return
        }
        let reply = try controlRequest("signin \(name)" + (device ? " device" : ""), environment: environment)
        if reply.hasPrefix("error:") { try relay(reply) }
        if reply.hasPrefix("device: ") {
            print("To sign in to \(name), \(reply.dropFirst("device: ".count))")
            return
        }
        print("Open this URL in a browser to sign in to \(name):\n\(reply)")
    }

    private func pasteSignIn(environment: [String: String]) throws {
        let url = try controlRequest("signin-start \(name)", environment: environment)
        if url.hasPrefix("error:") { try relay(url) }
        write(
            """
            Open this URL in a browser on any machine to sign in to \(name):
            \(url)

            After signing in, that browser ends on an address on localhost that fails to load.
            Paste that whole address here (or just what follows its ?) and press Enter:

            """)
        // A refused paste uses nothing up at the daemon: ask again until one is taken or the
        // input ends (Ctrl-D), so a slip of the mouse does not cost a second sign-in.
        while true {
            switch Self.readPaste() {
            case .ended:
                printError(
                    "nothing more to read; the sign-in stays open for \(Daemon.signInLifetime): run `redirect-catcher signin \(name) --paste` "
                        + "again and paste the address (the one this sign-in ends on still works)")
                throw Failure.failed
            case .unusable(let reason):
                printError("\(reason); paste it again, or press Ctrl-D to stop")
            case .line(let pasted):
                let reply = try controlRequest("signin-paste \(pasted)", environment: environment)
                guard reply.hasPrefix(Daemon.pasteRefused) else {
                    try relay(reply)
                    return
                }
                printError("\(reply.dropFirst("error: ".count)); paste it again, or press Ctrl-D to stop")
            }
        }
    }

    /// Straight to fd 1: print's buffer would hold a prompt back when stdout is a pipe.
    private func write(_ text: String) {
        let standardOutput = FileDescriptor(owning: STDOUT_FILENO)
        defer { _ = standardOutput.release() }
        try? standardOutput.writeAll(Array(text.utf8), deadline: Instant.deadline(afterSeconds: 5))
    }

    /// One pasted line, read from standard input.
    enum Paste: Equatable {
        /// One word, without the whitespace around it.
        case line(String)
        /// A line that cannot be an address, and why.
        case unusable(String)
        /// Standard input ended.
        case ended
    }

    static func readPaste() -> Paste {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        var ended = false
        // A byte at a time: what follows the line is not this command's to consume.
        while true {
            let n = Glibc.read(0, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                ended = true
                break
            }
            if byte == 0x0A { break }
            // An overlong line is read to its end, so the next read starts at the next paste.
            if bytes.count <= Rejected.maximumInput { bytes.append(byte) }
        }
        return paste(bytes, ended: ended)
    }

    /// What `bytes`, one line of input, amounts to; `ended` when no newline closed it.
    static func paste(_ bytes: [UInt8], ended: Bool) -> Paste {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D }
        let words = bytes.split(whereSeparator: isSpace)
        if words.isEmpty { return ended ? .ended : .unusable("nothing was pasted") }
        guard bytes.count <= Rejected.maximumInput else { return .unusable("the line is longer than any sign-in address") }
        guard words.count == 1, let word = words.first else {
            return .unusable("the line holds spaces; paste the address as one line")
        }
        return .line(String(decoding: word, as: UTF8.self))
    }
}

/// `redirect-catcher refresh NAME`.
struct Refresh: Subcommand {
    static let spec = CommandSpec(
        name: "refresh", abstract: "Refresh the account's access token now.",
        arguments: [accountOrTokenArgument])

    var name: String

    init(_ invocation: Invocation) { name = invocation.argument("name") ?? "" }

    func run(environment: [String: String]) throws { try relay(try controlRequest("refresh \(name)", environment: environment)) }
}

/// `redirect-catcher rejected NAME`: the refused token comes on standard input, since a
/// process's arguments are readable by every user of the machine.
struct Rejected: Subcommand {
    static let spec = CommandSpec(
        name: "rejected",
        abstract: "Report that an API refused the access token read from standard input, and print one that is not it.",
        discussion: """
            For an API that answers 401 invalid_token to a token the daemon still holds: a token \
            that is no longer current gets the current one at once; the current one is refreshed \
            (one grant however many clients report it); a token minted within the last minute is \
            not, since the API refuses fresh tokens, and the error says which audience and scopes \
            it carried.
            """,
        arguments: [accountOrTokenArgument])

    /// More than any access token; the control socket takes lines of 16 KiB.
    static let maximumInput = 16000

    var name: String

    init(_ invocation: Invocation) { name = invocation.argument("name") ?? "" }

    func run(environment: [String: String]) throws {
        guard let token = Self.readToken() else {
            printError("rejected expects the refused access token, and nothing else, on standard input")
            throw Failure.failed
        }
        try relay(try controlRequest("rejected \(name) \(token)", environment: environment))
    }

    /// Standard input up to its end, without surrounding whitespace; nil unless it is one word.
    static func readToken() -> String? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= maximumInput {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[..<n]
        }
        guard bytes.count <= maximumInput else { return nil }
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        let words = bytes.split(whereSeparator: isSpace)
        guard words.count == 1, let word = words.first else { return nil }
        return String(decoding: word, as: UTF8.self)
    }
}
