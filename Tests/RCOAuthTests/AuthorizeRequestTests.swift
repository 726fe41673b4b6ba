import Testing

@testable import RCOAuth

@Suite struct AuthorizeRequestTests {
    let pkce = PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    let common = [
        "response_type=code", "client_id=my client", "redirect_uri=http://localhost:8400/callback",
    ]
    let pkcePairs = ["state=S", "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method=S256"]

    @Test func generic() {
        let url = AuthorizeRequest.url(for: Fixtures.account(), state: "S", pkce: pkce, nonce: "N")
        #expect(url.hasPrefix("https://sso.example.com/oauth2/authorize?response_type=code&client_id=my%20client&"))
        #expect(url.contains("scope=openid%20offline_access"))
        #expect(!url.contains("+"))
        #expect(Fixtures.pairs(Fixtures.query(of: url)) == common + ["scope=openid offline_access"] + pkcePairs + ["nonce=N"])
    }

    @Test func entraV2SendsScopeNeverResource() {
        let account = Fixtures.account(
            .entra, scopes: ["https://x.dynamics.com/.default", "offline_access"], resource: "https://ignored",
            responseMode: .formPost)
        let url = AuthorizeRequest.url(for: account, state: "S", pkce: pkce, nonce: nil)
        #expect(
            Fixtures.pairs(Fixtures.query(of: url))
                == common + ["scope=https://x.dynamics.com/.default offline_access"] + pkcePairs + ["response_mode=form_post"])
        #expect(url.contains("scope=https%3A%2F%2Fx.dynamics.com%2F.default%20offline_access"))
    }

    @Test func entraV1SendsResourceNeverScope() {
        let account = Fixtures.account(.entraV1, scopes: [], resource: "https://contoso.operations.dynamics.com", responseMode: .formPost)
        let url = AuthorizeRequest.url(for: account, state: "S", pkce: pkce, nonce: nil)
        #expect(
            Fixtures.pairs(Fixtures.query(of: url))
                == common + ["resource=https://contoso.operations.dynamics.com"] + pkcePairs + ["response_mode=form_post"])
    }

    /// A pasted sign-in needs the code in the address bar, whatever the account's own mode.
    @Test func aResponseModeOverrideIsSentAsGiven() {
        let account = Fixtures.account(.entra, scopes: ["openid"], resource: nil, responseMode: .formPost)
        let url = AuthorizeRequest.url(for: account, state: "S", pkce: pkce, nonce: nil, responseMode: .query)
        #expect(Fixtures.pairs(Fixtures.query(of: url)) == common + ["scope=openid"] + pkcePairs + ["response_mode=query"])
    }

    @Test func adfsWithResourceAndScopes() {
        let both = Fixtures.account(.adfs, scopes: ["openid"], resource: "urn:api")
        #expect(
            Fixtures.pairs(Fixtures.query(of: AuthorizeRequest.url(for: both, state: "S", pkce: pkce, nonce: "N")))
                == common + ["scope=openid", "resource=urn:api"] + pkcePairs + ["nonce=N"])
        let resourceOnly = Fixtures.account(.adfs, scopes: [], resource: "urn:api")
        #expect(
            Fixtures.pairs(Fixtures.query(of: AuthorizeRequest.url(for: resourceOnly, state: "S", pkce: pkce, nonce: nil)))
                == common + ["resource=urn:api"] + pkcePairs)
    }

    @Test func extraParametersComeLastAndCannotOverride() {
        let account = Fixtures.account(
            scopes: [],
            extra: [.init(name: "prompt", value: "select_account"), .init(name: "state", value: "evil"), .init(name: "login_hint", value: "a+b@c.d")])
        let url = AuthorizeRequest.url(for: account, state: "S", pkce: pkce, nonce: nil)
        #expect(Fixtures.pairs(Fixtures.query(of: url)) == common + pkcePairs + ["prompt=select_account", "login_hint=a+b@c.d"])
        #expect(url.hasSuffix("login_hint=a%2Bb%40c.d"))
    }

    @Test func existingQueryIsExtended() {
        let withQuery = Fixtures.account(authorizeURL: "https://sso.example.com/authorize?tenant=x")
        #expect(AuthorizeRequest.url(for: withQuery, state: "S", pkce: pkce, nonce: nil).hasPrefix("https://sso.example.com/authorize?tenant=x&response_type=code&"))
        let trailing = Fixtures.account(authorizeURL: "https://sso.example.com/authorize?")
        #expect(AuthorizeRequest.url(for: trailing, state: "S", pkce: pkce, nonce: nil).hasPrefix("https://sso.example.com/authorize?response_type=code&"))
    }

    @Test func nonceFollowsOpenID() {
        #expect(Fixtures.account(scopes: ["openid"]).usesNonce)
        #expect(!Fixtures.account(scopes: ["offline_access"]).usesNonce)
    }

    static let tokens = [
        ExtraToken(name: "mail", scopes: ["https://graph.microsoft.com/Mail.Read", "offline_access"]),
        ExtraToken(name: "dyn", scopes: ["https://contoso.crm.dynamics.com/.default"]),
        ExtraToken(name: "files", scopes: ["https://graph.microsoft.com/Files.Read", "https://graph.microsoft.com/Mail.Read"]),
        ExtraToken(name: "v1", resource: "https://v1.example"),
    ]

    /// The sign-in consents to every named scope of the extra tokens, but never mixes `.default` in.
    @Test func entraV2SignInAsksForTheNamedScopesOfEveryToken() {
        var account = Fixtures.account(.entra, scopes: ["openid", "https://graph.microsoft.com/User.Read", "offline_access"])
        account.tokens = Self.tokens
        #expect(
            AuthorizeRequest.signInScopes(account) == [
                "openid", "https://graph.microsoft.com/User.Read", "offline_access", "https://graph.microsoft.com/Mail.Read",
                "https://graph.microsoft.com/Files.Read",
            ])
        let url = AuthorizeRequest.url(for: account, state: "S", pkce: pkce, nonce: nil)
        #expect(Fixtures.pairs(Fixtures.query(of: url)).contains { $0.hasPrefix("scope=") && $0.hasSuffix("Mail.Read https://graph.microsoft.com/Files.Read") })
        // The code is still redeemed for the account's own scopes only: one resource per request.
        let redeem = TokenRequest.authorizationCode(account: account, code: "C", verifier: "V")
        #expect(redeem.formBody.first { $0.0 == "scope" }?.1 == "openid https://graph.microsoft.com/User.Read offline_access")
    }

    @Test func aDefaultScopeIsNeverMixedAndOtherProvidersAskForTheirOwn() {
        var ownDefault = Fixtures.account(.entra, scopes: ["api://demo/.default", "offline_access"])
        ownDefault.tokens = Self.tokens
        #expect(AuthorizeRequest.signInScopes(ownDefault) == ["api://demo/.default", "offline_access"])
        for provider in [Provider.generic, .adfs, .entraV1] {
            var account = Fixtures.account(provider, scopes: ["openid"])
            account.tokens = Self.tokens
            #expect(AuthorizeRequest.signInScopes(account) == ["openid"], "\(provider)")
        }
    }

    /// `/signin/ACCOUNT.TOKEN` asks for that token's scopes (or resource), and its code is
    /// redeemed for the same.
    @Test func aTokensOwnSignInAsksForItsAudience() {
        var account = Fixtures.account(.entra, scopes: ["openid", "offline_access"])
        account.tokens = Self.tokens
        let url = AuthorizeRequest.url(for: account, token: Self.tokens[1], state: "S", pkce: pkce, nonce: nil)
        #expect(Fixtures.pairs(Fixtures.query(of: url)).contains("scope=https://contoso.crm.dynamics.com/.default offline_access"))
        let redeem = TokenRequest.authorizationCode(account: account, code: "C", verifier: "V", token: Self.tokens[1])
        #expect(redeem.formBody.first { $0.0 == "scope" }?.1 == "https://contoso.crm.dynamics.com/.default offline_access")
        var v1 = Fixtures.account(.entraV1, scopes: [], resource: "https://own.example")
        v1.tokens = Self.tokens
        let v1URL = AuthorizeRequest.url(for: v1, token: Self.tokens[3], state: "S", pkce: pkce, nonce: nil)
        #expect(Fixtures.pairs(Fixtures.query(of: v1URL)).contains("resource=https://v1.example"))
    }
}

@Suite struct ProviderPresetTests {
    @Test func entra() throws {
        let guid = "72f988bf-86f1-41af-91ab-2d7cd011db47"
        let v2 = try #require(ProviderPreset.endpoints(provider: .entra, authority: nil, tenant: guid))
        #expect(v2.authorize == "https://login.microsoftonline.com/\(guid)/oauth2/v2.0/authorize")
        #expect(v2.token == "https://login.microsoftonline.com/\(guid)/oauth2/v2.0/token")
        #expect(v2.issuer == "https://login.microsoftonline.com/\(guid)/v2.0")
        let named = try #require(ProviderPreset.endpoints(provider: .entra, authority: "https://login.microsoftonline.us/", tenant: "contoso.onmicrosoft.com"))
        #expect(named.authorize == "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/authorize")
        #expect(named.issuer == nil)
        #expect(ProviderPreset.endpoints(provider: .entra, authority: nil, tenant: nil) == nil)
    }

    @Test func entraV1AndADFS() throws {
        let v1 = try #require(ProviderPreset.endpoints(provider: .entraV1, authority: nil, tenant: "common"))
        #expect(v1.authorize == "https://login.microsoftonline.com/common/oauth2/authorize")
        #expect(v1.token == "https://login.microsoftonline.com/common/oauth2/token")
        #expect(v1.issuer == nil)
        let adfs = try #require(ProviderPreset.endpoints(provider: .adfs, authority: "https://adfs.contoso.com/adfs/", tenant: nil))
        #expect(adfs.authorize == "https://adfs.contoso.com/adfs/oauth2/authorize")
        #expect(adfs.token == "https://adfs.contoso.com/adfs/oauth2/token")
        #expect(adfs.issuer == "https://adfs.contoso.com/adfs")
        #expect(ProviderPreset.endpoints(provider: .generic, authority: "https://x", tenant: "y") == nil)
    }

    @Test func tenants() {
        for good in ["common", "organizations", "consumers", "contoso.onmicrosoft.com", "72f988bf-86f1-41af-91ab-2d7cd011db47"] {
            #expect(ProviderPreset.isValidTenant(good), "\(good)")
        }
        for bad in ["", "a/b", "a?b", "con toso", "a..b", ".a", "-a", "a%2F", "é.com", "common/"] {
            #expect(!ProviderPreset.isValidTenant(bad), "\(bad)")
        }
    }
}
