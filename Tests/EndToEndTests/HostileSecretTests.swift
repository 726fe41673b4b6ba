import Foundation
import RCHTTP
import RCJSON
import RCTestProvider
import Testing

/// Every secret of a full sign-in and refresh, taken from the wire between the daemon and
/// the provider, looked for in every byte the daemon wrote to its log at debug level and in
/// every page and client answer it gave: none may appear. (The access token is meant for the
/// socket and `token`, and is looked for everywhere else.)
extension DaemonEndToEndTests {
    /// Every value of `pattern`'s first group in `text`.
    static func captures(_ pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    /// A response as the browser received it: status line words, headers and body.
    static func asText(_ response: HTTPResponseMessage) -> String {
        var text = "\(response.status)\n"
        for (name, value) in response.headers { text += "\(name): \(value)\n" }
        return text + Browser.text(response)
    }

    @Test func noSecretOfTheWholeFlowAppearsInTheDebugLogOrAnyPage() throws {
        var options = TestProviderOptions()
        options.accessTokenLifetime = 3
        let provider = TestProvider(options: options)
        let providerPort = try provider.start(port: 0)
        defer { provider.stop() }
        let relay = try HostileRecordingRelay(forwardingTo: providerPort)
        defer { relay.stop() }
        let tokenPath = String(provider.tokenURL.dropFirst(provider.baseURL.count))
        let account = JSONObject([
            ("authorize_url", .string(provider.authorizeURL)),
            ("token_url", .string("http://127.0.0.1:\(relay.port)\(tokenPath)")),
            ("client_id", .string("demo-client")),
            ("scopes", .array([.string("openid"), .string("offline_access")])),
        ])
        let daemon = try DaemonProcess(accounts: [("work", account)], logLevel: "debug")
        defer { daemon.stop() }

        // The browser's side, every answer kept.
        var served: [String] = []
        served.append(Self.asText(try Browser.get(daemon.baseURL + "/")))
        let signIn = try Browser.get(daemon.signInURL("work"))
        served.append(Self.asText(signIn))
        let authorizeURL = try #require(signIn.headers["Location"], "no redirect to the provider: \(Browser.summary(signIn))")
        let outcome = try TestPerson.signIn(authorizeURL: authorizeURL, approve: true)
        guard case .redirect(let location) = outcome else {
            Issue.record("expected a redirect to the daemon, got \(outcome)")
            return
        }
        let code = try #require(try Browser.query(location)["code"])
        let page = try Browser.get(location)
        #expect(Browser.text(page).contains("Signed in to work"), "\(Browser.summary(page))")
        served.append(Self.asText(page))
        let first = try TokenSocket.readLine(daemon.socketPath("work"))
        try daemon.log.waitForLine(containing: "account work refreshed", timeout: 8)
        let second = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(first != second, "no refresh happened")
        served.append(Self.asText(try Browser.get(location)))
        served.append(Self.asText(try Browser.get(daemon.baseURL + "/")))
        for command in [["status"], ["status", "--json"]] {
            let run = try daemon.client(command)
            served.append(run.stdout + run.stderr)
        }

        let wire = relay.text
        let verifiers = Self.captures(#"code_verifier=([A-Za-z0-9._~%-]+)"#, in: wire)
        let refreshTokens = Self.captures(#""refresh_token"\s*:\s*"([^"]+)""#, in: wire)
        let accessTokens = Self.captures(#""access_token"\s*:\s*"([^"]+)""#, in: wire)
        let idTokens = Self.captures(#""id_token"\s*:\s*"([^"]+)""#, in: wire)
        #expect(verifiers.count == 1, "the relay saw \(verifiers.count) verifiers")
        #expect(refreshTokens.count >= 2, "the relay saw \(refreshTokens.count) refresh tokens")
        #expect(accessTokens.contains(first) && accessTokens.contains(second), "the relay missed the access tokens")

        var secrets: [(String, String)] = [("the authorization code", code)]
        secrets += verifiers.map { ("the PKCE verifier", $0) }
        secrets += refreshTokens.map { ("a refresh token", $0) }
        secrets += idTokens.map { ("an ID token", $0) }
        let log = daemon.log.text
        #expect(log.contains("signed in") && log.contains("refreshed"), "the log shows no flow at all:\n\(log)")
        for (what, secret) in secrets + accessTokens.map({ ("an access token", $0) }) {
            #expect(!log.contains(secret), "\(what) is in the daemon's log")
        }
        for (what, secret) in secrets + accessTokens.map({ ("an access token", $0) }) {
            for (index, text) in served.enumerated() where text.contains(secret) {
                Issue.record("\(what) is in answer \(index) the daemon gave: \(text.prefix(300))")
            }
        }
    }
}
