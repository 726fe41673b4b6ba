import Glibc
import RCCommandLine
import RCDaemon
import RCJSON

/// The token and its expiry from `token NAME json`, for the commands that speak another
/// program's protocol. An `error:` reply goes to stderr and fails the command, with nothing on
/// stdout, so that git and kubectl show the daemon's sentence to the person.
func tokenWithExpiry(_ name: String, environment: [String: String]) throws -> (token: String, expiresAt: Int64) {
    let reply = try controlRequest("token \(name) json", environment: environment)
    guard case .object(let object)? = try? JSONParser.parse(reply), case .string(let token)? = object["access_token"],
        case .number(let left)? = object["expires_in"], let seconds = left.int64
    else {
        if reply.hasPrefix("error:") { try relay(reply) }
        printError("unexpected reply from the daemon to token \(name) json")
        throw Failure.failed
    }
    return (token, Int64(time(nil)) + seconds)
}

/// All of standard input (git's request is a few short lines; more than 64 KiB is not one).
func readStandardInput(limit: Int = 65_536) -> String {
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while bytes.count < limit {
        let n = buffer.withUnsafeMutableBytes { Glibc.read(0, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        bytes += buffer[..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// `redirect-catcher git-credential NAME get|store|erase`: a git credential helper.
struct GitCredentialHelper: Subcommand {
    static let spec = CommandSpec(
        name: "git-credential",
        abstract: "Be a git credential helper (gitcredentials(7)) that answers with the account's token.",
        discussion: """
            git runs it with the operation: get prints username, password (the token) and \
            password_expiry_utc, and with git 2.46 or later authtype=Bearer and credential; store \
            does nothing; erase, which git runs when the server refused the token, makes the \
            daemon get a fresh one. Configure it as credential.URL.helper, e.g. \
            "!redirect-catcher git-credential work".
            """,
        arguments: [
            accountOrTokenArgument,
            ArgumentSpec("operation", help: "get, store or erase, as git passes it; git's request is read on standard input."),
        ])

    var name: String
    var operation: String

    init(_ invocation: Invocation) {
        name = invocation.argument("name") ?? ""
        operation = invocation.argument("operation") ?? ""
    }

    func run(environment: [String: String]) throws {
        let request = GitCredential.parse(readStandardInput())
        switch operation {
        case "get":
            let (token, expiresAt) = try tokenWithExpiry(name, environment: environment)
            print(GitCredential.answer(token: token, expiresAt: expiresAt, request: request), terminator: "")
        case "erase":
            guard let rejected = GitCredential.rejectedToken(request) else { return }
            // `rejected NAME TOKEN` lets the daemon drop exactly the token the server refused
            // (and ignore a stale one from elsewhere). A daemon that predates it answers
            // `error: unknown request`; then `refresh NAME` gets a fresh token all the same.
            var reply = try controlRequest("rejected \(name) \(rejected)", environment: environment)
            if reply.hasPrefix("error: unknown request") {
                reply = try controlRequest("refresh \(name)", environment: environment)
            }
            if reply.hasPrefix("error:") { try relay(reply) }
        default:
            // gitcredentials(7): a helper ignores operations it does not know; store is one
            // of them here, since the daemon, not git, keeps the token.
            return
        }
    }
}

/// `redirect-catcher kubectl-credential NAME`: a client-go exec credential plugin.
struct KubectlCredential: Subcommand {
    static let spec = CommandSpec(
        name: "kubectl-credential",
        abstract: "Print an ExecCredential with the account's token, for a kubeconfig's users[].user.exec.",
        discussion: """
            The API version is client.authentication.k8s.io/v1, or v1beta1 when \
            KUBERNETES_EXEC_INFO asks for it; status.expirationTimestamp is the token's expiry.
            """,
        arguments: [accountOrTokenArgument])

    var name: String

    init(_ invocation: Invocation) { name = invocation.argument("name") ?? "" }

    func run(environment: [String: String]) throws {
        let (token, expiresAt) = try tokenWithExpiry(name, environment: environment)
        let version = ExecCredential.apiVersion(execInfo: environment["KUBERNETES_EXEC_INFO"])
        print(ExecCredential.render(token: token, expiresAt: expiresAt, apiVersion: version))
    }
}
