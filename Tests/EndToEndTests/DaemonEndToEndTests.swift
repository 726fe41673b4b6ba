import Foundation
import RCHTTP
import RCJSON
import RCTestProvider
import Testing

/// The real `redirect-catcher` binary against the strict test provider over real TLS: a person
/// played with HTTP requests, tokens read from the account sockets exactly as `nc -U` does.
/// Serialized because every test starts processes and the refresh test measures time on two
/// shared cores.
@Suite(.serialized) struct DaemonEndToEndTests {
    /// What one completed sign-in left behind, for the checks that follow it.
    struct SignedIn {
        let code: String
        let page: HTTPResponseMessage
    }

    /// Runs the browser side of a sign-in to `account` and checks each hop.
    @discardableResult
    static func signIn(_ daemon: DaemonProcess, _ tls: TLSTestProvider, account: String) throws -> SignedIn {
        let authorizeURL = try Browser.startSignIn(daemon, account: account)
        let outcome = try TestPerson.signIn(authorizeURL: authorizeURL, approve: true, caPEM: tls.caPEM)
        let code: String?
        switch outcome {
        case .redirect(let location): code = try Browser.query(location)["code"]
        case .formPost(_, let fields): code = fields["code"]
        case .errorPage: code = nil
        }
        guard let code else { throw HarnessFailure("the provider did not send a code back to the daemon: \(outcome)") }
        return SignedIn(code: code, page: try Browser.deliver(outcome))
    }

    // MARK: 1. The happy path

    @Test func signInServesTheTokenOnTheSocketAndToTheClientCommands() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let signInURL = daemon.signInURL("work")

        // Before sign-in: one error line naming the URL to open, on the socket and in the log.
        let before = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(before.hasPrefix("error: "), "\(before)")
        #expect(before.contains(signInURL), "\(before)")
        try daemon.log.waitForLine(containing: "account work needs sign-in: open \(signInURL)")
        // Only this uid can reach the sockets: a private directory, private sockets.
        let attributes = try FileManager.default.attributesOfItem(atPath: daemon.socketDirectory)
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        let socketAttributes = try FileManager.default.attributesOfItem(atPath: daemon.socketPath("work"))
        #expect((socketAttributes[.posixPermissions] as? Int) == 0o600)
        #expect(FileManager.default.fileExists(atPath: daemon.socketPath("control")))

        // /signin/work sends the browser to the provider with PKCE S256 and a state.
        let authorizeURL = try Browser.startSignIn(daemon, account: "work")
        #expect(authorizeURL.hasPrefix(tls.provider.authorizeURL + "?"), "\(authorizeURL)")
        let query = try Browser.query(authorizeURL)
        #expect(query["code_challenge_method"] == "S256")
        #expect((query["code_challenge"]?.count ?? 0) == 43)
        #expect((query["state"]?.count ?? 0) >= 22, "state too short: \(query["state"] ?? "none")")
        #expect(query["response_type"] == "code")
        #expect(query["client_id"] == "demo-client")
        #expect(query["redirect_uri"] == "\(daemon.baseURL)/callback")
        #expect(query["nonce"]?.isEmpty == false, "openid without a nonce")

        // The person approves; the provider sends the browser back to the daemon's callback.
        let outcome = try TestPerson.signIn(authorizeURL: authorizeURL, approve: true, caPEM: tls.caPEM)
        guard case .redirect(let location) = outcome else {
            Issue.record("expected a redirect to the daemon, got \(outcome)")
            return
        }
        #expect(location.hasPrefix("\(daemon.baseURL)/callback?"), "\(location)")
        let code = try #require(try Browser.query(location)["code"])
        let page = try Browser.get(location)
        let html = Browser.text(page)
        #expect(page.status == 200, "\(Browser.summary(page))")
        #expect(html.contains("Signed in to work"), "\(Browser.summary(page))")
        #expect(!html.contains(code), "the page shows the authorization code")
        #expect(page.headers["Cache-Control"]?.contains("no-store") == true)
        #expect(page.headers["Content-Security-Policy"]?.contains("default-src 'none'") == true, "\(page.headers["Content-Security-Policy"] ?? "none")")
        #expect(page.headers["Referrer-Policy"] == "no-referrer")

        // The socket now serves a token the provider accepts, and `nc -U` reads the same.
        let token = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(!token.hasPrefix("error"), "\(token)")
        #expect(tls.provider.isValid(accessToken: token), "the provider does not accept the served token")
        #expect(!html.contains(token), "the page shows the access token")
        let nc = try NetcatUnix.read(daemon.socketPath("work"))
        #expect(nc.status == 0, "nc -U failed: \(nc.stderr)")
        #expect(nc.stdout == token + "\n")

        // The small clients of control.sock agree.
        let status = try daemon.client(["status", "--json"])
        #expect(status.status == 0, "status --json: \(status.stderr)")
        let root = try #require(try JSONParser.parse(Array(status.stdout.utf8)).objectValue, "status --json printed \(status.stdout)")
        let accounts = root["accounts"]?.arrayValue ?? []
        let work = accounts.compactMap(\.objectValue).first { $0.string("name") == "work" }
        #expect(work?.string("state") == "signed_in", "\(status.stdout)")
        let tokenCommand = try daemon.client(["token", "work"])
        #expect(tokenCommand.status == 0, "token work: \(tokenCommand.stderr)")
        #expect(tokenCommand.stdout == token + "\n")

        #expect(tls.provider.stats.codeGrants == 1)
        try daemon.log.waitForLine(containing: "account work signed in")
    }
}
