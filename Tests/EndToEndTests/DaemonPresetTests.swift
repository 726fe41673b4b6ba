import RCJSON
import RCTestProvider
import Testing

/// The provider presets (`entra`, `entra-v1`, `adfs`) pointed at the test provider through
/// `authority`, each with the response shape of the real thing (v1's string `expires_in`,
/// AD FS's `refresh_token_expires_in`), and the issuer check that guards against mix-ups.
extension DaemonEndToEndTests {
    enum Preset: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case entra, entraV1 = "entra-v1", adfs

        var testDescription: String { rawValue }

        static let tenantGUID = "8d3c1f5e-2b7a-4c9d-9e0f-1a2b3c4d5e6f"

        var options: TestProviderOptions {
            switch self {
            case .entra: .entraV2(tenant: Self.tenantGUID)
            case .entraV1: .entraV1(tenant: "contoso.test")
            case .adfs: .adfs()
            }
        }

        func account(authority base: String) -> JSONObject {
            var account = JSONObject([("provider", .string(rawValue)), ("client_id", .string("demo-client"))])
            switch self {
            case .entra:
                account["authority"] = .string(base)
                account["tenant"] = .string(Self.tenantGUID)
                account["scopes"] = .array([.string("api://demo/.default"), .string("offline_access")])
            case .entraV1:
                account["authority"] = .string(base)
                account["tenant"] = .string("contoso.test")
                account["resource"] = .string("https://contoso.operations.dynamics.com")
            case .adfs:
                account["authority"] = .string(base + "/adfs")
                account["resource"] = .string("urn:demo:api")
            }
            return account
        }
    }

    @Test(arguments: Preset.allCases)
    func aPresetAccountSignsInAndRefreshes(_ preset: Preset) throws {
        let tls = try TLSTestProvider(preset.options)
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("preset", preset.account(authority: tls.provider.baseURL))], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let signedIn = try Self.signIn(daemon, tls, account: "preset")
        let html = Browser.text(signedIn.page)
        let ok = signedIn.page.status == 200 && html.contains("Signed in to preset")
        #expect(ok, "\(Browser.summary(signedIn.page))\nlog:\n\(daemon.log.text)")
        let token = try TokenSocket.readLine(daemon.socketPath("preset"))
        #expect(tls.provider.isValid(accessToken: token), "\(token)")
        let refresh = try daemon.client(["refresh", "preset"])
        #expect(refresh.status == 0, "\(refresh.stdout)\(refresh.stderr)\nlog:\n\(daemon.log.text)")
        let refreshed = try TokenSocket.readLine(daemon.socketPath("preset"))
        #expect(refreshed != token && tls.provider.isValid(accessToken: refreshed), "\(refreshed)")
        #expect(tls.provider.stats.failedGrantTotal == 0, "\(tls.provider.stats.failedGrants)")
    }

    /// AD FS's issuer is its authority. A response whose `iss` names another issuer (here the
    /// same server by IP while the account names it `localhost`) is not redeemed.
    @Test func aResponseFromAnotherIssuerIsNotRedeemed() throws {
        let tls = try TLSTestProvider(.adfs())
        defer { tls.stop() }
        let localhost = tls.provider.baseURL.replacing("https://127.0.0.1:", with: "https://localhost:")
        let daemon = try DaemonProcess(accounts: [("adfs", Preset.adfs.account(authority: localhost))], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let authorizeURL = try Browser.startSignIn(daemon, account: "adfs")
        #expect(authorizeURL.hasPrefix(localhost + "/adfs/oauth2/authorize?"), "\(authorizeURL)")
        let outcome = try TestPerson.signIn(authorizeURL: authorizeURL, approve: true, caPEM: tls.caPEM)
        guard case .redirect(let location) = outcome else {
            Issue.record("expected a redirect to the daemon, got \(outcome)")
            return
        }
        #expect(try Browser.query(location)["iss"] == tls.provider.issuer)
        let page = try Browser.get(location)
        let signedIn = Browser.text(page).contains("Signed in")
        #expect(!signedIn, "\(Browser.summary(page))")
        #expect(tls.provider.stats.tokenRequests == 0, "the code was redeemed despite the wrong issuer")
        #expect(try TokenSocket.readLine(daemon.socketPath("adfs")).hasPrefix("error: "))
        try daemon.log.waitForLine(containing: "the response came from issuer \(tls.provider.issuer), not \(localhost)/adfs", timeout: 2)
    }
}
