/// How a `TestProvider` behaves. Every field has a default suitable for tests.
public struct TestProviderOptions: Sendable {
    /// When a successful grant carries a refresh token.
    public enum RefreshTokenPolicy: Sendable, Equatable {
        /// Always, as AD FS and Entra v1 do.
        case always
        /// Only when `offline_access` is among the scopes, as Entra v2 does.
        case whenOfflineAccessRequested
        /// Never, to test the daemon's warning about a missing `offline_access`.
        case never
    }

    public var clients: [TestClient] = [.demo]
    /// Seconds; tests use 2 to 10 to watch refreshes happen.
    public var accessTokenLifetime = 3600
    public var refreshTokenLifetime = 86400
    public var codeLifetime = 60
    /// How long a sign-in page stays answerable.
    public var signInLifetime = 600
    public var responseShape: ResponseShape = .entraV2
    public var refreshTokenPolicy: RefreshTokenPolicy = .always
    /// Refuse `openid` without a `nonce`, as some providers do; the daemon always sends one.
    public var requireNonceWithOpenID = true
    /// The host name in every URL the provider hands out; the listener binds 127.0.0.1
    /// either way, so use "localhost" only where it resolves there.
    public var host = "127.0.0.1"
    /// Put in front of `/authorize` and `/token`, so the daemon's presets can point at the
    /// provider: `/TENANT/oauth2/v2.0` for `entra`, `/TENANT/oauth2` for `entra-v1`,
    /// `/adfs/oauth2` for `adfs`.
    public var endpointPrefix = ""
    /// Appended to the base URL to form the issuer (`iss` in redirects and id_tokens).
    public var issuerPath = ""
    /// The person who signs in.
    public var subject = "demo.user@example.test"
    /// The client assertion header that must name the registered certificate, and the
    /// algorithms accepted: Entra's `x5t#S256` with PS256 or RS256 by default; AD FS-shaped, the
    /// `x5t` (SHA-1) and RS256 that MSAL sends it, since nothing documents more.
    public var assertionThumbprintHeader = "x5t#S256"
    public var assertionAlgorithms: Set<String> = ["PS256", "RS256"]
    /// `code_challenge_methods_supported` in the metadata; nil leaves the member out, as a
    /// provider without PKCE does (the daemon must refuse to use it).
    public var advertisedChallengeMethods: [String]? = ["S256"]
    /// The `issuer` the metadata claims, when it should lie (a mix-up the daemon must catch).
    public var advertisedIssuer: String?
    /// Serve `/.well-known/openid-configuration`; without it only the RFC 8414 location answers.
    public var servesOpenIDConfiguration = true
    /// The device code flow (RFC 8628): the advertised `interval` and `expires_in`, in seconds.
    public var deviceCodeInterval = 1
    public var deviceCodeLifetime = 60
    /// Polls closer together than this get `slow_down` (nil: the advertised interval).
    public var deviceMinimumPollInterval: Double?
    /// An approved device code is refused with AADSTS53003, as Conditional Access does.
    public var deviceCodeBlockedByConditionalAccess = false

    public init() {}

    /// Imitates Entra v2 for `tenant`, at the paths the `entra` preset derives.
    public static func entraV2(tenant: String = "contoso.test") -> TestProviderOptions {
        var options = TestProviderOptions()
        options.responseShape = .entraV2
        options.refreshTokenPolicy = .whenOfflineAccessRequested
        options.endpointPrefix = "/\(tenant)/oauth2/v2.0"
        options.issuerPath = "/\(tenant)/v2.0"
        return options
    }

    /// Imitates Entra v1 for `tenant`, at the paths the `entra-v1` preset derives.
    public static func entraV1(tenant: String = "contoso.test") -> TestProviderOptions {
        var options = TestProviderOptions()
        options.responseShape = .entraV1
        options.endpointPrefix = "/\(tenant)/oauth2"
        options.issuerPath = "/\(tenant)"
        return options
    }

    /// Imitates AD FS at `/adfs`, the authority the `adfs` preset takes.
    public static func adfs() -> TestProviderOptions {
        var options = TestProviderOptions()
        options.responseShape = .adfs
        options.endpointPrefix = "/adfs/oauth2"
        options.issuerPath = "/adfs"
        options.assertionThumbprintHeader = "x5t"
        options.assertionAlgorithms = ["RS256"]
        return options
    }
}
