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

/// `redirect-catcher signin NAME [--device]`.
struct SignIn: Subcommand {
    static let spec = CommandSpec(
        name: "signin", abstract: "Print the URL that signs the account in, or the code to enter on any device.",
        discussion: """
            An account with "signin_flow": "device_code", or any account with --device, gets a \
            device code sign-in (RFC 8628): the command prints the provider's page and the code to \
            enter there on any device, and the daemon polls until the person has finished.
            """,
        options: [.flag("device", help: "Sign in with a device code this once, whatever the account's signin_flow.")],
        arguments: [ArgumentSpec("name", help: "The account name.", completion: .listedBy([CompleteNamesCommand.name, "--accounts"]))])

    var name: String
    var device: Bool

    init(_ invocation: Invocation) {
        name = invocation.argument("name") ?? ""
        device = invocation.flag("device")
    }

    func run(environment: [String: String]) throws {
        let reply = try controlRequest("signin \(name)" + (device ? " device" : ""), environment: environment)
        if reply.hasPrefix("error:") { try relay(reply) }
        if reply.hasPrefix("device: ") {
            print("To sign in to \(name), \(reply.dropFirst("device: ".count))")
            return
        }
        print("Open this URL in a browser to sign in to \(name):\n\(reply)")
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
