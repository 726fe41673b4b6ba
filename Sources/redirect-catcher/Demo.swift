import Glibc
import RCCommandLine
import RCCrypto
import RCDaemon
import RCSystem
import RCTestProvider

/// `redirect-catcher demo`: the whole flow on one machine with no tenant of one's own. A
/// strict test provider (PKCE required, single-use codes, rotated refresh tokens) runs
/// in-process over TLS with a CA made for the occasion, and the real daemon serves one account,
/// `demo`, against it.
struct Demo: Subcommand {
    static let spec = CommandSpec(
        name: "demo", abstract: "Run the daemon against a built-in test provider, to see the whole flow without a tenant.",
        options: [
            .value("port", ValueSpec("port", .integer(0...65535), default: "0"), help: "The loopback port for the browser (0: any free port)."),
            .value(
                "token-lifetime", ValueSpec("token-lifetime", .integer(1...Int(Int32.max)), default: "60"),
                help: "Access token lifetime at the test provider, in seconds (short, so that refreshes show)."),
            .flag(
                "walkthrough",
                help: "Play the person too: sign in over HTTP, read the token from the socket, refresh it, then exit."),
            // For `scripts/bench`: only the test provider, so that the real `run` command can be
            // measured against it in a process of its own.
            .flag("provider-only", help: "Serve only the test provider.", hidden: true),
        ])

    var port: UInt16
    var tokenLifetime: Int
    var walkthrough: Bool
    var providerOnly: Bool

    init(_ invocation: Invocation) {
        port = invocation.integer("port").flatMap(UInt16.init(exactly:)) ?? 0
        tokenLifetime = invocation.integer("token-lifetime") ?? 60
        walkthrough = invocation.flag("walkthrough")
        providerOnly = invocation.flag("provider-only")
    }

    func run(environment: [String: String]) throws {
        if providerOnly { return try DemoProviderOnly.run(tokenLifetime: tokenLifetime) }
        // Blocked before the provider starts its threads, which inherit the mask: otherwise
        // Ctrl-C could land on one of them and kill the process on the spot, leaving sockets
        // and files behind. The daemon takes them from a signalfd and stops cleanly.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for signo in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&stopSignals, signo) }
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

        var environment = environment
        let scratch = try DemoFiles.makeDirectory()
        // A runtime directory of its own, so that the demo never collides with a real daemon.
        let runtime = (environment["XDG_RUNTIME_DIR"].map { $0 + "/redirect-catcher-demo" }) ?? scratch + "/run"
        environment["RUNTIME_DIRECTORY"] = runtime
        environment["NOTIFY_SOCKET"] = nil

        var options = TestProviderOptions()
        options.accessTokenLifetime = tokenLifetime
        let provider = TestProvider(options: options)
        // The walkthrough plays the browser itself, so the provider can show TLS with a CA
        // made for the occasion. A person's browser would warn about that CA, so for a person
        // the provider speaks plain HTTP on loopback, which RFC 8252 (section 8.3) allows.
        var caPEM: String?
        var caPath: String?
        if walkthrough {
            let ca = try TestCertificateAuthority.generate(commonName: "redirect-catcher demo CA")
            let leaf = try ca.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
            let path = scratch + "/demo-ca.pem"
            try DemoFiles.write(ca.certificatePEM, to: path)
            try provider.start(port: 0, tls: try TLSServerContext(certificatePEM: leaf.certificatePEM, privateKeyPEM: leaf.privateKeyPEM))
            caPEM = ca.certificatePEM
            caPath = path
        } else {
            try provider.start(port: 0)
        }
        defer {
            provider.stop()
            if let caPath { unlink(caPath) }
            // The runtime directory and the scratch directory go once the daemon has removed
            // its sockets (rmdir leaves a directory that still holds something).
            rmdir(runtime)
            rmdir(scratch)
        }

        let config = try ConfigLoader.parse(
            Array(
                """
                {"listen": {"port": \(port)}, "accounts": {"demo": {
                  "authorize_url": "\(provider.authorizeURL)", "token_url": "\(provider.tokenURL)",
                  "client_id": "demo-client", "scopes": ["openid", "offline_access"]\(caPath.map { ", \"ca_file\": \"\($0)\"" } ?? "")}}}
                """.utf8))
        let logger = Logger(minimumLevel: .info)
        let daemon = try Daemon(config: config, environment: environment, logger: logger, exchangeHelper: ExchangeHelper.argv)
        let walkthrough = self.walkthrough
        let tokenLifetime = self.tokenLifetime
        let stop = daemon.stopper
        daemon.onReady = { port in
            let guide = DemoGuide(
                port: port, socketDirectory: daemon.runtimeDirectory, providerURL: provider.baseURL, providerPort: provider.port,
                caPEM: caPEM, provider: provider, tokenLifetime: tokenLifetime, executable: DemoFiles.executablePath())
            DemoOutput.say(guide.instructions(walkthrough: walkthrough))
            guard walkthrough else { return }
            try? ThreadSpawn.detached {
                let succeeded = guide.walk()
                stop()
                if !succeeded { Glibc.exit(1) }
            }
        }
        try daemon.run()
        if !walkthrough { DemoOutput.say("\nredirect-catcher demo stopped; its sockets and files are removed.\n") }
    }
}

/// What the demo says, written straight to standard output: `print` keeps it in a buffer when
/// stdout is a pipe or a file (`| tee`, a log), where a person would wait for it in vain.
enum DemoOutput {
    static func say(_ text: String) {
        let standardOutput = FileDescriptor(owning: STDOUT_FILENO)
        defer { _ = standardOutput.release() }
        try? standardOutput.writeAll(Array(text.utf8), deadline: Instant.deadline(afterSeconds: 5))
    }
}

/// `demo --provider-only`: the strict provider over TLS, alone. Prints `authorize_url=`,
/// `token_url=` and `ca_file=` lines for a config file, then serves until SIGTERM or SIGINT.
enum DemoProviderOnly {
    static func run(tokenLifetime: Int) throws {
        // Blocked before the provider starts its threads, which inherit the mask, so that
        // sigwait below is the only place these signals land.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

        let scratch = try DemoFiles.makeDirectory()
        let ca = try TestCertificateAuthority.generate(commonName: "redirect-catcher demo CA")
        let leaf = try ca.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
        let caPath = scratch + "/demo-ca.pem"
        try DemoFiles.write(ca.certificatePEM, to: caPath)
        defer { DemoFiles.remove(caPath) }

        var options = TestProviderOptions()
        options.accessTokenLifetime = tokenLifetime
        let provider = TestProvider(options: options)
        try provider.start(port: 0, tls: try TLSServerContext(certificatePEM: leaf.certificatePEM, privateKeyPEM: leaf.privateKeyPEM))
        defer { provider.stop() }
        // Straight to fd 1: print's buffer would hold the lines back when stdout is a pipe.
        let lines = "authorize_url=\(provider.authorizeURL)\ntoken_url=\(provider.tokenURL)\nca_file=\(caPath)\n"
        let standardOutput = FileDescriptor(owning: STDOUT_FILENO)
        defer { _ = standardOutput.release() }
        try standardOutput.writeAll(Array(lines.utf8), deadline: Instant.deadline(afterSeconds: 5))
        var received: Int32 = 0
        sigwait(&stopSignals, &received)
    }
}

/// What the demo prints, and the walkthrough that plays the person.
struct DemoGuide: Sendable {
    let port: UInt16
    let socketDirectory: String
    let providerURL: String
    let providerPort: UInt16
    /// The provider's CA when it speaks TLS (the walkthrough), nil for plain HTTP.
    let caPEM: String?
    let provider: TestProvider
    let tokenLifetime: Int
    /// This very binary, so that the commands printed work as printed under `swift run` too.
    let executable: String

    var signInURL: String { "http://localhost:\(port)/signin/demo" }
    var socketPath: String { socketDirectory + "/demo.sock" }

    func instructions(walkthrough: Bool) -> String {
        let transport =
            caPEM == nil
            ? "plain HTTP on loopback, so that your browser shows no certificate warning" : "TLS, with a CA made for this demo"
        var text = """

            redirect-catcher demo
              A strict test OAuth provider is running at \(providerURL) (\(transport)).
              The daemon serves one account, "demo", on http://localhost:\(port); its sockets are in \(socketDirectory).

            """
        if walkthrough {
            text += "  Walking through the sign-in as the person would...\n"
        } else {
            text += """
                  1. Open \(signInURL) in a browser and press "Sign in".
                     On another machine, forward both ports first and open it there:
                       ssh -L \(port):localhost:\(port) -L \(providerPort):127.0.0.1:\(providerPort) THIS-HOST
                  2. Read the token:   nc -U \(socketPath)
                  3. See its state:    RUNTIME_DIRECTORY=\(socketDirectory) \(executable) status
                  Tokens live \(tokenLifetime) s here, so refreshes show in the log below. Ctrl-C stops the demo.

                """
        }
        return text
    }

    /// Signs in over HTTP as a browser would, then reads and refreshes the token. Prints each
    /// step; returns whether all of them worked.
    func walk() -> Bool {
        func step(_ text: String) { DemoOutput.say("  - \(text)\n") }
        do {
            let start = try TestHTTPClient.send(url: signInURL)
            guard start.status == 302, let authorize = start.headers["Location"] else {
                step("GET \(signInURL) answered \(start.status), not a redirect")
                return false
            }
            step("GET /signin/demo redirected to the provider's sign-in page")
            let callback: HTTPCallback
            switch try TestPerson.signIn(authorizeURL: authorize, approve: true, caPEM: caPEM) {
            case .redirect(let location): callback = .get(location)
            case .formPost(let action, let fields): callback = .post(action, fields.map { ($0.key, $0.value) })
            case .errorPage(let status, _):
                step("the provider showed an error page (\(status))")
                return false
            }
            step("pressed \"Sign in\"; the provider redirected back to the daemon with a code")
            var page = try callback.deliver()
            // The daemon answers the callback with a 303 to a one-time result page, so that the
            // code leaves the address bar; a browser follows it.
            if page.status == 303, let location = page.headers["Location"], location.hasPrefix("/") {
                page = try TestHTTPClient.send(url: "http://localhost:\(port)\(location)")
            }
            let signedIn = String(decoding: page.body, as: UTF8.self).contains("Signed in to demo")
            step("the daemon redeemed the code and showed: \(signedIn ? "\"Signed in to demo. You can close this tab.\"" : "status \(page.status)")")
            guard signedIn else { return false }
            let token = try DemoFiles.readSocket(socketPath)
            let valid = provider.isValid(accessToken: token)
            step("nc -U \(socketPath) printed a token of \(token.count) characters; the provider \(valid ? "accepts" : "REJECTS") it")
            let refreshed = try ControlClient.request("refresh demo", environment: ["RUNTIME_DIRECTORY": socketDirectory])
            let second = try DemoFiles.readSocket(socketPath)
            let rotated = second != token && provider.isValid(accessToken: second)
            step("refresh demo: \(refreshed); the socket now serves a new token: \(rotated ? "yes" : "NO")")
            DemoOutput.say(valid && rotated ? "\nThe demo worked end to end.\n\n" : "\nThe demo FAILED.\n\n")
            return valid && rotated
        } catch {
            step("failed: \(error)")
            return false
        }
    }
}

/// Where the person's browser goes after the provider: a GET redirect or a form_post.
enum HTTPCallback {
    case get(String)
    case post(String, [(String, String)])

    func deliver() throws -> RCHTTPResponse {
        switch self {
        case .get(let url): try TestHTTPClient.send(url: url)
        case .post(let url, let fields): try TestHTTPClient.postForm(url: url, fields)
        }
    }
}
