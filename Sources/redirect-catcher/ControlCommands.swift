import ArgumentParser
import Glibc
import RCDaemon
import RCJSON
import RCSystem

/// Sends one control request and returns the reply, or exits with the reason on stderr.
func controlRequest(_ line: String) throws -> String {
    do {
        return try ControlClient.request(line, environment: ProcessEnvironment.variables())
    } catch {
        printError(error.description)
        throw ExitCode.failure
    }
}

/// Prints a reply line; an `error:` reply goes to stderr and fails the command.
func relay(_ reply: String) throws {
    if reply.hasPrefix("error:") {
        printError(reply)
        throw ExitCode.failure
    }
    print(reply)
}

func printError(_ text: String) {
    var stderr = StandardError()
    print("redirect-catcher: \(text)", to: &stderr)
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
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show each account's state, token expiry and next refresh.")

    @Flag(help: "Print the daemon's JSON reply as it is.")
    var json = false

    func run() throws {
        let reply = try controlRequest("status")
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

/// `redirect-catcher token NAME`.
struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the account's current access token (as `nc -U ACCOUNT.sock` does).")

    @Argument(help: "The account name, or ACCOUNT.TOKEN for one of its extra tokens.") var name: String

    func run() throws { try relay(try controlRequest("token \(name)")) }
}

/// `redirect-catcher signin NAME`.
struct SignIn: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "signin", abstract: "Print the URL that signs the account in.")

    @Argument(help: "The account name.") var name: String

    func run() throws {
        let reply = try controlRequest("signin \(name)")
        if reply.hasPrefix("error:") { try relay(reply) }
        print("Open this URL in a browser to sign in to \(name):\n\(reply)")
    }
}

/// `redirect-catcher refresh NAME`.
struct Refresh: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Refresh the account's access token now.")

    @Argument(help: "The account name, or ACCOUNT.TOKEN for one of its extra tokens.") var name: String

    func run() throws { try relay(try controlRequest("refresh \(name)")) }
}
