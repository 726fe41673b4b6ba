import RCOAuth
import Testing

@testable import RCDaemon

/// `grant`: `authorization_code` by default; `client_credentials` with a credential, no
/// refresh token asked for, one `.default` scope on entra, `resource` on entra-v1 and adfs, no
/// key that only a sign-in uses; and `check-config`'s `flow:` line for each.
@Suite struct ConfigLoaderGrantTests {
    let loader = ConfigLoaderTests()

    static let secret = #""client_secret": "s3cret-value-for-tests""#
    static let entra = #""provider": "entra", "tenant": "contoso.onmicrosoft.com", "client_id": "cid", "grant": "client_credentials""#

    func account(_ body: String) -> String { loader.oneAccount(body) }

    @Test func theDefaultIsAPersonsSignIn() throws {
        let config = try loader.parse(account(ConfigLoaderTests.entra))
        #expect(config.accounts[0].grant == .authorizationCode)
        let summary = ConfigSummary.describe(config, socketDirectory: "/run/rc")
        #expect(summary.contains("  flow: signs in with the browser (authorization code + PKCE)\n"))
        #expect(summary.contains("  redirect_uri: "))
        let explicit = try loader.parse(account(ConfigLoaderTests.entra + #", "grant": "authorization_code""#))
        #expect(explicit.accounts[0].grant == .authorizationCode)
    }

    @Test func aDeviceCodeAccountSaysSoAndWhere() throws {
        let config = try loader.parse(account(ConfigLoaderTests.entra + #", "signin_flow": "device_code""#))
        let summary = ConfigSummary.describe(config, socketDirectory: "/run/rc")
        let name = config.accounts[0].name
        #expect(
            summary.contains(
                "  flow: signs in with a device code (RFC 8628) at https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode; `redirect-catcher signin \(name) --paste` still offers the browser\n"
            ), "\(summary)")
    }

    @Test func clientCredentialsOnEntraWithASecret() throws {
        let config = try loader.parse(account(Self.entra + ", " + Self.secret + #", "scopes": ["https://contoso.operations.dynamics.com/.default"]"#))
        let settings = config.accounts[0]
        #expect(settings.grant == .clientCredentials && settings.clientAuth == .secretPost)
        // No warning about offline_access: no refresh token is wanted.
        #expect(!config.warnings.contains { $0.message.contains("offline_access") })
        let summary = ConfigSummary.describe(config, socketDirectory: "/run/rc")
        #expect(summary.contains("  flow: client credentials with a client secret (the application itself: no person, no sign-in, no refresh token)\n"))
        #expect(!summary.contains("authorize:") && !summary.contains("redirect_uri"))
        #expect(summary.contains("  token:     https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"))
    }

    @Test func extraTokensAreEachTheirOwnGrant() throws {
        let config = try loader.parse(
            account(
                Self.entra + ", " + Self.secret
                    + #", "scopes": ["https://a.example.com/.default"], "tokens": { "graph": { "scopes": ["https://graph.microsoft.com/.default"] } }"#))
        #expect(config.accounts[0].tokens.map(\.name) == ["graph"])
        #expect(ConfigSummary.describe(config, socketDirectory: "/run/rc").contains("by its own client credentials grant"))
        loader.expectError(
            account(
                Self.entra + ", " + Self.secret
                    + #", "scopes": ["https://a.example.com/.default"], "tokens": { "graph": { "scopes": ["https://graph.microsoft.com/User.Read"] } }"#),
            path: "accounts.a.tokens.graph.scopes",
            message:
                #"client_credentials on entra takes exactly one scope, the API's identifier followed by /.default (it stands for the application permissions an administrator consented to): write ["https://graph.microsoft.com/.default"]"#
        )
    }

    @Test func withoutACredentialItSaysWhatToSet() {
        loader.expectError(
            account(Self.entra + #", "scopes": ["https://x.example.com/.default"]"#), path: "accounts.a.grant",
            message:
                "client_credentials signs in as the application, which needs a credential: set client_secret_file (or client_secret), or client_certificate_file and client_key_file"
        )
    }

    @Test func offlineAccessIsRefused() {
        loader.expectError(
            account(Self.entra + ", " + Self.secret + #", "scopes": ["https://x.example.com/.default", "offline_access"]"#),
            path: "accounts.a.scopes",
            message: "offline_access asks for a refresh token, and client_credentials never gets one: remove it")
        loader.expectError(
            loader.oneAccount(
                ConfigLoaderTests.generic.replacingOccurrences(of: #""authorize_url": "https://sso.example.com/authorize", "#, with: "")
                    + ", " + Self.secret + #", "grant": "client_credentials", "scopes": ["api", "offline_access"]"#),
            path: "accounts.a.scopes",
            message: "offline_access asks for a refresh token, and client_credentials never gets one: remove it")
    }

    @Test func entraWantsExactlyOneDotDefaultScope() {
        let named = #"client_credentials on entra takes exactly one scope, the API's identifier followed by /.default (it stands for the application permissions an administrator consented to): write ["https://graph.microsoft.com/.default"]"#
        loader.expectError(
            account(Self.entra + ", " + Self.secret + #", "scopes": ["https://graph.microsoft.com/User.Read"]"#), path: "accounts.a.scopes",
            message: named)
        loader.expectError(
            account(Self.entra + ", " + Self.secret + #", "scopes": ["https://graph.microsoft.com/.default", "openid"]"#),
            path: "accounts.a.scopes", message: named)
        loader.expectError(
            account(Self.entra + ", " + Self.secret + #", "scopes": ["User.Read"]"#), path: "accounts.a.scopes",
            message:
                #"client_credentials on entra takes exactly one scope, the API's identifier followed by /.default (it stands for the application permissions an administrator consented to): write ["https://HOST/.default"]"#
        )
        loader.expectError(
            account(Self.entra + ", " + Self.secret + #", "scopes": ["https://a.example.com/.default", "https://b.example.com/.default"]"#),
            path: "accounts.a.scopes",
            message: "a client_credentials token is for one API, one .default scope: keep one here and put each other API under tokens")
        loader.expectError(
            account(Self.entra + ", " + Self.secret), path: "accounts.a.scopes",
            message:
                #"required for client_credentials on entra: one scope, the API's identifier followed by /.default, such as ["https://HOST/.default"]"#
        )
    }

    @Test func entraV1AndADFSTakeResource() throws {
        let v1 = try loader.parse(
            account(
                #""provider": "entra-v1", "tenant": "contoso.onmicrosoft.com", "client_id": "cid", "grant": "client_credentials", "resource": "https://contoso.operations.dynamics.com", "#
                    + Self.secret))
        #expect(v1.accounts[0].grant == .clientCredentials && !v1.warnings.contains { $0.message.contains("offline_access") })
        let adfs = try loader.parse(
            account(
                #""provider": "adfs", "authority": "https://adfs.contoso.com/adfs", "client_id": "cid", "grant": "client_credentials", "resource": "https://api.contoso.com", "#
                    + Self.secret))
        #expect(adfs.accounts[0].resource == "https://api.contoso.com")
        loader.expectError(
            account(
                #""provider": "adfs", "authority": "https://adfs.contoso.com/adfs", "client_id": "cid", "grant": "client_credentials", "scopes": ["openid"], "#
                    + Self.secret),
            path: "accounts.a.resource",
            message:
                "required for client_credentials on adfs: the identifier of the Web API the server application is permitted for, such as https://api.contoso.com"
        )
    }

    @Test func genericNeedsOnlyTheTokenURL() throws {
        let config = try loader.parse(
            account(#""token_url": "https://sso.example.com/token", "client_id": "cli", "grant": "client_credentials", "scopes": ["api"], "# + Self.secret))
        #expect(config.accounts[0].tokenURL == "https://sso.example.com/token" && !config.accounts[0].discoversEndpoints)
        loader.expectError(
            account(ConfigLoaderTests.generic + #", "grant": "client_credentials", "# + Self.secret), path: "accounts.a.authorize_url",
            message: "only for a person's sign-in, and grant client_credentials has none: remove it")
        loader.expectError(
            account(#""client_id": "cli", "grant": "client_credentials", "# + Self.secret), path: "accounts.a.token_url",
            message: "required for a generic account with grant client_credentials: the provider's token endpoint")
    }

    @Test(arguments: [
        (#""redirect_uri": "http://localhost:8400/callback""#, "redirect_uri"), (#""response_mode": "query""#, "response_mode"),
        (#""extra_authorize_params": {"prompt": "login"}"#, "extra_authorize_params"),
        (#""issuer": "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0""#, "issuer"),
    ])
    func signInOnlyKeysAreRefused(key: String, name: String) {
        loader.expectError(
            account(Self.entra + ", " + Self.secret + #", "scopes": ["https://x.example.com/.default"], "# + key), path: "accounts.a.\(name)",
            message: "only for a person's sign-in, and grant client_credentials has none: remove it")
    }

    @Test(arguments: ["common", "organizations", "Consumers"])
    func theApplicationSignsInToItsOwnTenant(tenant: String) {
        loader.expectError(
            account(
                Self.entra.replacingOccurrences(of: "contoso.onmicrosoft.com", with: tenant) + ", " + Self.secret
                    + #", "scopes": ["https://x.example.com/.default"]"#),
            path: "accounts.a.tenant",
            message:
                "client_credentials signs the application in to one tenant: use its domain (such as contoso.onmicrosoft.com) or Directory (tenant) ID, not \(tenant)"
        )
    }

    @Test func anUnknownGrantSaysWhichExist() {
        loader.expectError(
            account(ConfigLoaderTests.entra + #", "grant": "password""#), path: "accounts.a.grant",
            message:
                #"must be "authorization_code" (a person signs in, the default) or "client_credentials" (the application signs in as itself)"#)
    }

    @Test func aCertificateCredentialIsNamedInTheFlow() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let material = try ConfigLoaderCertificateTests.material.get()
        writeFile(directory + "/client.crt", material[0].0)
        writeFile(directory + "/client.key", material[0].1)
        let config = try loader.parse(
            account(
                Self.entra + #", "scopes": ["https://x.example.com/.default"], "client_certificate_file": "\#(directory)/client.crt", "client_key_file": "\#(directory)/client.key""#
            ))
        #expect(config.accounts[0].clientAuth == .privateKeyJWT)
        #expect(ConfigSummary.flow(config.accounts[0]) == "client credentials with a certificate (the application itself: no person, no sign-in, no refresh token)")
    }
}
