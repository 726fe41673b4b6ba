import RCHTTP
import RCJSON
import RCTestProvider
import Testing

/// The test provider's client credentials grant, spoken to directly: as strict as Entra and AD
/// FS, so that the daemon's end-to-end tests prove something.
extension TestProviderTests {
    static let app = TestClient(id: "svc-app", secret: "app-secret", allowedAuthentication: [.post, .basic])

    static func options(_ base: TestProviderOptions) -> TestProviderOptions {
        var options = base
        options.clients = [.demo, app]
        return options
    }

    @Test func clientCredentialsIssuesAnApplicationTokenAndNoRefreshToken() throws {
        let h = try Harness(Self.options(.entraV2()))
        defer { h.provider.stop() }
        let response = try h.token([
            ("grant_type", "client_credentials"), ("client_id", "svc-app"), ("client_secret", "app-secret"),
            ("scope", "https://contoso.operations.dynamics.com/.default"),
        ])
        #expect(response.status == 200)
        let body = try json(response)
        let token = try #require(body["access_token"]?.stringValue)
        #expect(body["refresh_token"] == nil && body["id_token"] == nil)
        #expect(h.provider.audience(ofAccessToken: token)?.scope == "https://contoso.operations.dynamics.com/.default")
        let introspection = try TestHTTPClient.send(url: h.provider.validateURL, headers: [("Authorization", "Bearer " + token)], caPEM: h.caPEM)
        let claims = try json(introspection)
        #expect(claims["sub"]?.stringValue == "svc-app" && claims["idtyp"]?.stringValue == "app")
        #expect(h.provider.stats.clientCredentialsGrants == 1)
    }

    @Test func clientCredentialsRefusesWhatEntraRefuses() throws {
        let h = try Harness(Self.options(.entraV2()))
        defer { h.provider.stop() }
        let base = [("grant_type", "client_credentials"), ("client_id", "svc-app"), ("client_secret", "app-secret")]
        // A named scope, two scopes, offline_access, none at all: AADSTS1002012.
        for scope in ["https://graph.microsoft.com/User.Read", "https://a/.default https://b/.default", "https://a/.default offline_access", "/.default"] {
            try expectTokenError(try h.token(base + [("scope", scope)]), status: 400, error: "invalid_scope", code: 1_002_012)
        }
        try expectTokenError(try h.token(base), status: 400, error: "invalid_scope", code: 1_002_012)
        // A wrong secret, an unknown app, a public client.
        try expectTokenError(
            try h.token([("grant_type", "client_credentials"), ("client_id", "svc-app"), ("client_secret", "wrong"), ("scope", "https://a/.default")]),
            status: 401, error: "invalid_client", code: 7_000_215)
        try expectTokenError(
            try h.token([("grant_type", "client_credentials"), ("client_id", "nobody"), ("client_secret", "x"), ("scope", "https://a/.default")]),
            status: 401, error: "invalid_client", code: 700_016)
        try expectTokenError(
            try h.token([("grant_type", "client_credentials"), ("client_id", "demo-client"), ("scope", "https://a/.default")]),
            status: 401, error: "invalid_client", code: 7_000_218)
        #expect(h.provider.stats.clientCredentialsGrants == 0)
    }

    @Test(arguments: [false, true])
    func clientCredentialsOnV1AndADFSNeedsResource(adfs: Bool) throws {
        let h = try Harness(Self.options(adfs ? .adfs() : .entraV1()))
        defer { h.provider.stop() }
        let base = [("grant_type", "client_credentials"), ("client_id", "svc-app"), ("client_secret", "app-secret")]
        try expectTokenError(try h.token(base), status: 400, error: "invalid_request", code: 900_144)
        let response = try h.token(base + [("resource", "https://contoso.operations.dynamics.com")])
        #expect(response.status == 200)
        let token = try #require(try json(response)["access_token"]?.stringValue)
        #expect(h.provider.audience(ofAccessToken: token)?.resource == "https://contoso.operations.dynamics.com")
    }
}
