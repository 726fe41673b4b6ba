import RCHTTP
import Testing

@testable import RCOAuth

@Suite struct TokenRequestTests {
    func names(_ request: TokenRequest) -> [String] { request.formBody.map { $0.0 } }
    func value(_ request: TokenRequest, _ name: String) -> String? { request.formBody.first { $0.0 == name }?.1 }

    @Test func publicClientCodeGrant() {
        let request = TokenRequest.authorizationCode(account: Fixtures.account(), code: "C/+", verifier: "V")
        #expect(names(request) == ["grant_type", "code", "redirect_uri", "client_id", "code_verifier", "scope"])
        #expect(value(request, "redirect_uri") == "http://localhost:8400/callback")
        #expect(request.headers.isEmpty)
        #expect(
            request.bodyText
                == "grant_type=authorization_code&code=C%2F%2B&redirect_uri=http%3A%2F%2Flocalhost%3A8400%2Fcallback&client_id=my%20client&code_verifier=V&scope=openid%20offline_access")
    }

    @Test func refreshGrant() {
        let request = TokenRequest.refresh(account: Fixtures.account(.entra), refreshToken: "R")
        #expect(names(request) == ["grant_type", "refresh_token", "client_id", "scope"])
        #expect(value(request, "grant_type") == "refresh_token")
    }

    @Test func resourceForV1AndADFS() {
        let v1 = Fixtures.account(.entraV1, scopes: ["ignored"], resource: "https://api")
        #expect(names(TokenRequest.refresh(account: v1, refreshToken: "R")) == ["grant_type", "refresh_token", "client_id", "resource"])
        let adfs = Fixtures.account(.adfs, scopes: [], resource: "urn:api")
        let code = TokenRequest.authorizationCode(account: adfs, code: "C", verifier: "V")
        #expect(names(code) == ["grant_type", "code", "redirect_uri", "client_id", "code_verifier", "resource"])
        let v2 = Fixtures.account(.entra, resource: "https://never")
        #expect(value(TokenRequest.refresh(account: v2, refreshToken: "R"), "resource") == nil)
    }

    @Test func secretPost() {
        let account = Fixtures.account(secret: "s3cr&t", clientAuth: .secretPost)
        let request = TokenRequest.authorizationCode(account: account, code: "C", verifier: "V")
        #expect(value(request, "client_secret") == "s3cr&t")
        #expect(request.bodyText.contains("client_secret=s3cr%26t"))
        #expect(request.headers.isEmpty)
    }

    @Test func secretBasicFormEncodesBeforeBase64() {
        let account = Fixtures.account(secret: "p@ss:wörd", clientAuth: .secretBasic)
        let request = TokenRequest.refresh(account: account, refreshToken: "R")
        #expect(value(request, "client_secret") == nil)
        #expect(value(request, "client_id") == "my client")
        // base64("my%20client:p%40ss%3Aw%C3%B6rd")
        #expect(request.headers.count == 1)
        #expect(request.headers.first?.0 == "Authorization")
        #expect(request.headers.first?.1 == "Basic " + Base64.encode(Array("my%20client:p%40ss%3Aw%C3%B6rd".utf8)))
        #expect(request.headers.first?.1 == "Basic bXklMjBjbGllbnQ6cCU0MHNzJTNBdyVDMyVCNnJk")
    }

    /// Entra answers throttled clients that announce it with 429 and Retry-After (which the
    /// daemon honours) rather than breaking the loop with `invalid_grant` (MSAL sends the same).
    @Test(arguments: [Provider.entra, .entraV1])
    func entraRequestsAnnounceThatTheyHonourRetryAfter(_ provider: Provider) {
        let account = Fixtures.account(provider, resource: provider == .entraV1 ? "https://api" : nil)
        let extra = ExtraToken(name: "graph", scopes: ["https://graph.microsoft.com/.default"], resource: "https://graph.microsoft.com")
        for request in [
            TokenRequest.authorizationCode(account: account, code: "C", verifier: "V"),
            TokenRequest.refresh(account: account, refreshToken: "R"),
            TokenRequest.refresh(account: account, refreshToken: "R", token: extra),
        ] {
            #expect(request.headers.filter { $0.0 == "x-ms-lib-capability" }.map(\.1) == ["retry-after, h429"])
        }
    }

    @Test(arguments: [Provider.generic, .adfs])
    func otherProvidersGetNoMicrosoftHeader(_ provider: Provider) {
        let account = Fixtures.account(provider, resource: "urn:api")
        #expect(TokenRequest.refresh(account: account, refreshToken: "R").headers.isEmpty)
    }
}
