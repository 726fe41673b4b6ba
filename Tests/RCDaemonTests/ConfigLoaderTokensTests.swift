import RCOAuth
import Testing

@testable import RCDaemon

/// `tokens` and issuer-only (discovered) accounts in the config file.
@Suite struct ConfigLoaderTokensTests {
    let loader = ConfigLoaderTests()

    static let entraV1 = #""provider": "entra-v1", "tenant": "contoso.onmicrosoft.com", "client_id": "cid", "resource": "https://contoso.operations.dynamics.com""#

    @Test func tokensForEachProvider() throws {
        let text = #"""
            { "accounts": {
                "graph": { \#(ConfigLoaderTests.entra),
                  "tokens": { "dyn": { "scopes": ["https://contoso.crm.dynamics.com/.default"] }, "// note": "ignored" } },
                "fo": { \#(Self.entraV1), "tokens": { "graph": { "resource": "https://graph.microsoft.com" } } },
                "sso": { \#(ConfigLoaderTests.generic), "scopes": ["openid", "offline_access"],
                  "tokens": { "api_1": { "scopes": ["api.read"], "resource": "urn:api" } } }
            } }
            """#
        let config = try loader.parse(text)
        #expect(config.accounts[0].tokens == [ExtraToken(name: "dyn", scopes: ["https://contoso.crm.dynamics.com/.default"])])
        #expect(config.accounts[1].tokens == [ExtraToken(name: "graph", resource: "https://graph.microsoft.com")])
        #expect(config.accounts[2].tokens == [ExtraToken(name: "api_1", scopes: ["api.read"], resource: "urn:api")])
        let summary = ConfigSummary.describe(config, socketDirectory: "/run/rc")
        #expect(summary.contains("  token dyn (scopes https://contoso.crm.dynamics.com/.default, from the account's refresh token): /run/rc/graph.dyn.sock"))
        #expect(summary.contains("  token graph (resource https://graph.microsoft.com, from the account's refresh token): /run/rc/fo.graph.sock"))
    }

    @Test func tokenErrorsNameTheirKey() {
        let entra = ConfigLoaderTests.entra
        let generic = ConfigLoaderTests.generic
        loader.expectError(
            loader.oneAccount(entra + #", "tokens": ["graph"]"#), path: "accounts.a.tokens", message: "expected an object, got an array")
        loader.expectError(
            loader.oneAccount(entra + #", "tokens": { "my.graph": { "scopes": ["x"] } }"#), path: "accounts.a.tokens.my.graph",
            message: "not a valid token name: use 1 to 64 characters from A-Z a-z 0-9 _ - (it becomes part of a socket name)")
        loader.expectError(
            loader.oneAccount(entra + #", "tokens": { "g": { "scope": ["x"] } }"#), path: "accounts.a.tokens.g.scope",
            message: "unknown key; valid keys are: scopes, resource")
        loader.expectError(
            loader.oneAccount(entra + #", "tokens": { "g": "https://graph.microsoft.com/.default" }"#), path: "accounts.a.tokens.g",
            message: "expected an object, got a string")
        loader.expectError(
            loader.oneAccount(entra + #", "tokens": { "g": { "resource": "https://graph.microsoft.com" } }"#),
            path: "accounts.a.tokens.g.resource",
            message: #"entra (v2) uses scopes, not resource: use {"scopes": ["RESOURCE/.default"]}"#)
        loader.expectError(
            loader.oneAccount(entra + #", "tokens": { "g": {} }"#), path: "accounts.a.tokens.g.scopes",
            message: #"required for provider entra, for example ["https://graph.microsoft.com/.default"]"#)
        loader.expectError(
            loader.oneAccount(Self.entraV1 + #", "tokens": { "g": { "scopes": ["x"] } }"#), path: "accounts.a.tokens.g.scopes",
            message: #"entra-v1 uses resource, not scopes: use {"resource": "https://..."}"#)
        loader.expectError(
            loader.oneAccount(generic + #", "tokens": { "g": {} }"#), path: "accounts.a.tokens.g",
            message: "set scopes or resource: the token is otherwise the account's own")
        loader.expectError(
            loader.oneAccount(generic + #", "tokens": { "g": { "scopes": ["a b"] } }"#), path: "accounts.a.tokens.g.scopes[0]",
            message: "not a scope: use printable ASCII without spaces, quotes or backslashes (RFC 6749 §3.3)")
        loader.expectError(
            loader.oneAccount(generic + #", "tokens": { "g": { "resource": "" } }"#), path: "accounts.a.tokens.g.resource",
            message: "may not be empty")
    }

    @Test func anIssuerAloneMeansDiscovery() throws {
        let config = try loader.parse(loader.oneAccount(#""issuer": "https://sso.example.com/realms/x", "client_id": "cli""#))
        let account = config.accounts[0]
        #expect(account.discoversEndpoints)
        #expect(account.issuer == "https://sso.example.com/realms/x")
        #expect(account.authorizeURL.isEmpty && account.tokenURL.isEmpty)
        let summary = ConfigSummary.describe(config, socketDirectory: "/run/rc")
        #expect(summary.contains("  issuer: https://sso.example.com/realms/x"))
        #expect(
            summary.contains(
                "  endpoints: discovered at start-up from https://sso.example.com/realms/x/.well-known/openid-configuration or https://sso.example.com/.well-known/oauth-authorization-server/realms/x (not fetched by check-config)"
            ))
        #expect(!summary.contains("authorize:"))
        // With the endpoints given, the issuer is only the `iss` check, as before.
        let explicit = try loader.parse(loader.oneAccount(ConfigLoaderTests.generic + #", "issuer": "https://sso.example.com""#))
        #expect(!explicit.accounts[0].discoversEndpoints)
        #expect(explicit.accounts[0].tokenURL == "https://sso.example.com/token")
    }

    @Test func discoveryConfigErrors() {
        loader.expectError(
            loader.oneAccount(#""issuer": "http://sso.example.com", "client_id": "cli""#), path: "accounts.a.issuer",
            message: "not an https URL (plain http is allowed only on a loopback host)")
        loader.expectError(
            loader.oneAccount(#""issuer": "https://sso.example.com?tenant=x", "client_id": "cli""#), path: "accounts.a.issuer",
            message: "an authority may not have a ?query")
        loader.expectError(
            loader.oneAccount(#""issuer": "https://sso.example.com", "authorize_url": "https://sso.example.com/a", "client_id": "cli""#),
            path: "accounts.a.token_url",
            message: "required for a generic account (or set only issuer to discover both, or set provider to entra, entra-v1 or adfs)")
        loader.expectError(
            loader.oneAccount(#""provider": "adfs", "issuer": "https://adfs.example.com/adfs", "client_id": "cli", "resource": "urn:x""#),
            path: "accounts.a.authority", message: "required for provider adfs, like https://adfs.contoso.com/adfs")
    }
}
