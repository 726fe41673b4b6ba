import Foundation
import RCHTTP
import RCJSON
import Testing

/// The daemon against `oidc-provider-mock`: sign in as alice, read the token from the socket,
/// and have the mock's own userinfo endpoint accept it.
@Suite(.serialized) struct OIDCProviderMockInteropTests {
    @Test func signInAtTheMockAndUseTheTokenAtItsUserinfoEndpoint() throws {
        let mock = try OIDCProviderMock()
        defer { mock.stop() }
        let account = JSONObject([
            ("authorize_url", .string("\(mock.baseURL)/oauth2/authorize")),
            ("token_url", .string("\(mock.baseURL)/oauth2/token")),
            ("client_id", .string("redirect-catcher-interop")),
            // authlib's code grant accepts only client_secret_basic or client_secret_post
            // ("invalid_client: The client cannot authenticate with methods: [...]" without
            // one), and its refresh grant only client_secret_basic; the mock takes any secret
            // from an unregistered client. Basic also checks our form-encoded id:secret.
            ("client_secret", .string("interop-secret")),
            ("client_auth", .string("basic")),
            ("scopes", .array([.string("openid")])),
        ])
        let daemon = try DaemonProcess(accounts: [("mock", account)])
        defer { daemon.stop() }

        let authorizeURL = try Browser.startSignIn(daemon, account: "mock")
        #expect(authorizeURL.hasPrefix("\(mock.baseURL)/oauth2/authorize?"), "\(authorizeURL)")
        let query = try Browser.query(authorizeURL)
        #expect(query["nonce"]?.isEmpty == false, "openid without a nonce")
        let form = try Browser.get(authorizeURL)
        #expect(form.status == 200, "the mock refused the authorization request: \(Browser.summary(form))")
        #expect(Browser.text(form).contains("name=\"sub\""), "the mock's page has no sub field")

        // Pressing "Authorize" as alice posts the form back to the same URL.
        let answer = try Browser.post(authorizeURL, fields: [("sub", "alice")])
        let location = try #require(answer.headers["Location"], "the mock answered \(Browser.summary(answer))")
        #expect((300...399).contains(answer.status))
        #expect(location.hasPrefix("\(daemon.baseURL)/callback?"), "\(location)")
        #expect(try Browser.query(location)["state"] == query["state"])

        let page = try Browser.get(location)
        let signedIn = Browser.text(page).contains("Signed in to mock")
        #expect(page.status == 200 && signedIn, "\(Browser.summary(page))\nlog:\n\(daemon.log.text)")
        let token = try TokenSocket.readLine(daemon.socketPath("mock"))
        #expect(!token.hasPrefix("error"), "\(token)")

        let userinfo = try TestHTTPClientBearer.get("\(mock.baseURL)/userinfo", token: token)
        #expect(userinfo.status == 200, "userinfo: \(Browser.summary(userinfo))")
        let claims = try JSONParser.parse(userinfo.body).objectValue
        #expect(claims?.string("sub") == "alice", "userinfo: \(Browser.text(userinfo))")

        // `redirect-catcher refresh` uses the mock's refresh grant (authlib's, with client auth).
        let refresh = try daemon.client(["refresh", "mock"])
        #expect(refresh.status == 0 && refresh.stdout == "ok: mock refreshed\n", "refresh: \(refresh.stdout)\(refresh.stderr)\nlog:\n\(daemon.log.text)")
        let refreshed = try TokenSocket.readLine(daemon.socketPath("mock"))
        #expect(refreshed != token && !refreshed.hasPrefix("error"), "\(refreshed)\nlog:\n\(daemon.log.text)\nmock:\n\(mock.log.text)")
        let again = try TestHTTPClientBearer.get("\(mock.baseURL)/userinfo", token: refreshed)
        #expect(again.status == 200, "userinfo after refresh: \(Browser.summary(again))")
    }
}
