import Testing

@testable import RCOAuth

/// The refresh grant that mints an extra token: the account's client and refresh token, the
/// token's own scopes or resource, in the way each provider takes them.
@Suite struct ExtraTokenRequestTests {
    func value(_ request: TokenRequest, _ name: String) -> String? { request.formBody.first { $0.0 == name }?.1 }

    @Test func entraV2SendsTheTokensScopesAndKeepsOfflineAccess() {
        let account = Fixtures.account(.entra, scopes: ["https://contoso.crm.dynamics.com/.default", "offline_access"])
        let graph = ExtraToken(name: "graph", scopes: ["https://graph.microsoft.com/.default"])
        let request = TokenRequest.refresh(account: account, refreshToken: "R", token: graph)
        #expect(request.formBody.map(\.0) == ["grant_type", "refresh_token", "client_id", "scope"])
        #expect(value(request, "refresh_token") == "R")
        #expect(value(request, "scope") == "https://graph.microsoft.com/.default offline_access")
    }

    @Test func offlineAccessIsAddedOnlyWhenTheSignInAskedForIt() {
        let account = Fixtures.account(.generic, scopes: ["openid"])
        let request = TokenRequest.refresh(account: account, refreshToken: "R", token: ExtraToken(name: "api", scopes: ["api.read"]))
        #expect(value(request, "scope") == "api.read")
        let already = Fixtures.account(.generic, scopes: ["offline_access"])
        let twice = TokenRequest.refresh(
            account: already, refreshToken: "R", token: ExtraToken(name: "api", scopes: ["offline_access", "api.read"]))
        #expect(value(twice, "scope") == "offline_access api.read")
    }

    @Test func entraV1SendsTheTokensResourceAndNoScope() {
        let account = Fixtures.account(.entraV1, scopes: [], resource: "https://contoso.operations.dynamics.com")
        let graph = ExtraToken(name: "graph", resource: "https://graph.microsoft.com")
        let request = TokenRequest.refresh(account: account, refreshToken: "R", token: graph)
        #expect(request.formBody.map(\.0) == ["grant_type", "refresh_token", "client_id", "resource"])
        #expect(value(request, "resource") == "https://graph.microsoft.com")
    }

    @Test func adfsSendsBothWhenTheTokenHasBoth() {
        let account = Fixtures.account(.adfs, scopes: ["openid"], resource: "urn:a")
        let request = TokenRequest.refresh(
            account: account, refreshToken: "R", token: ExtraToken(name: "b", scopes: ["openid"], resource: "urn:b"))
        #expect(value(request, "scope") == "openid")
        #expect(value(request, "resource") == "urn:b")
    }

    @Test func theAccountsOwnRefreshIsUnchanged() {
        let account = Fixtures.account(.entra, scopes: ["https://x/.default", "offline_access"])
        #expect(value(TokenRequest.refresh(account: account, refreshToken: "R"), "scope") == "https://x/.default offline_access")
    }
}
