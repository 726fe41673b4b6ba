import Testing

@testable import RCOAuth

/// The client credentials grant's body (RFC 6749 §4.4.2): no code, no verifier, no redirect
/// URI, no refresh token; the credential; `scope` on Entra v2, `resource` on v1 and AD FS.
@Suite struct ClientCredentialsRequestTests {
    func names(_ request: TokenRequest) -> [String] { request.formBody.map { $0.0 } }
    func value(_ request: TokenRequest, _ name: String) -> String? { request.formBody.first { $0.0 == name }?.1 }

    @Test func entraSendsTheDefaultScopeAndTheSecret() {
        var account = Fixtures.account(.entra, scopes: ["https://contoso.operations.dynamics.com/.default"], secret: "s3cr&t", clientAuth: .secretPost)
        account.grant = .clientCredentials
        let request = TokenRequest.clientCredentials(account: account)
        #expect(names(request) == ["grant_type", "client_id", "client_secret", "scope"])
        #expect(value(request, "grant_type") == "client_credentials")
        #expect(value(request, "scope") == "https://contoso.operations.dynamics.com/.default")
        #expect(request.failure == nil)
        #expect(request.headers.contains { $0.0 == "x-ms-lib-capability" })
    }

    @Test(arguments: [Provider.entraV1, .adfs])
    func v1AndADFSSendTheResource(provider: Provider) {
        var account = Fixtures.account(provider, scopes: [], resource: "https://contoso.operations.dynamics.com", secret: "s", clientAuth: .secretBasic)
        account.grant = .clientCredentials
        let request = TokenRequest.clientCredentials(account: account)
        #expect(names(request) == ["grant_type", "client_id", "resource"])
        #expect(request.headers.contains { $0.0 == "Authorization" && $0.1.hasPrefix("Basic ") })
    }

    @Test func anExtraTokenAsksForItsOwnAudienceWithoutOfflineAccess() {
        var account = Fixtures.account(.entra, scopes: ["https://a.example.com/.default"], secret: "s", clientAuth: .secretPost)
        account.grant = .clientCredentials
        let request = TokenRequest.clientCredentials(account: account, token: ExtraToken(name: "graph", scopes: ["https://graph.microsoft.com/.default"]))
        #expect(value(request, "scope") == "https://graph.microsoft.com/.default")
    }

    @Test func aPublicClientIsNotSent() {
        var account = Fixtures.account(.entra, scopes: ["https://a.example.com/.default"])
        account.grant = .clientCredentials
        #expect(TokenRequest.clientCredentials(account: account).failure != nil)
    }

    @Test func adviceNeverSendsAnApplicationToSignIn() {
        #expect(ProviderErrorAdvice.clientCredentialsAdvice(for: [.aadsts(7_000_215)], error: "invalid_client")?.contains("client_secret") == true)
        #expect(ProviderErrorAdvice.clientCredentialsAdvice(for: [.aadsts(7_000_218)], error: "invalid_client")?.contains("public client") == false)
        #expect(ProviderErrorAdvice.clientCredentialsAdvice(for: [.aadsts(70008)], error: nil) == nil)
        #expect(ProviderErrorAdvice.clientCredentialsAdvice(for: [], error: "invalid_grant")?.contains("sign in again") == false)
        #expect(ProviderErrorAdvice.clientCredentialsAdvice(for: [], error: "invalid_scope")?.contains("/.default") == true)
    }
}
