/// One account, fully resolved: presets expanded, defaults applied, secrets loaded.
///
/// Everything downstream (authorization URLs, token requests, the redirect listener) reads this,
/// never the config file, so a config mistake is caught once, at load time. It holds the client
/// secret and the certificate key, so every textual form of it (description, debug description,
/// mirror) redacts the secret and shows the certificate by its public thumbprint only.
public struct AccountSettings: Sendable, Equatable {
    public var name: String
    public var provider: Provider
    public var authorizeURL: String
    public var tokenURL: String
    /// The expected `iss` of the authorization response (RFC 9207) and id_token; nil when it
    /// cannot be known in advance (an Entra tenant given by name or as `common`).
    public var issuer: String?
    public var clientID: String
    public var clientSecret: String?
    public var clientAuth: ClientAuth
    /// The certificate credential for `client_auth` `private_key_jwt`.
    public var clientCertificate: ClientCertificate?
    public var scopes: [String]
    public var resource: String?
    /// The exact string sent in the authorization and token requests.
    public var redirectURI: String
    public var responseMode: ResponseMode
    public var extraAuthorizeParams: [AuthorizeParameter]
    /// Extra trust anchors (PEM) for this account's TLS connections.
    public var caFile: String?
    /// Further tokens minted from this account's refresh token, each on its own socket.
    public var tokens: [ExtraToken]
    /// True while `authorizeURL` and `tokenURL` are still to be read from the issuer's metadata
    /// (OpenID Connect Discovery or RFC 8414), which the daemon does at start-up.
    public var discoversEndpoints: Bool
    /// The mailbox address (or other user name) the SASL token formats name; it takes no part
    /// in signing in, so a reload that changes only it keeps the account's tokens.
    public var user: String?
    /// How the account gets its tokens: a person's sign-in (the default) or client credentials.
    public var grant: AccountGrant
    /// How the person signs in when the account needs them (`signin_flow`).
    public var signInFlow: SignInFlow
    /// The device authorization endpoint (RFC 8628 §3.1): from the preset, the config's
    /// `device_authorization_url`, or the discovered metadata; nil when there is none.
    public var deviceAuthorizationURL: String?

    public init(
        name: String, provider: Provider, authorizeURL: String, tokenURL: String, issuer: String? = nil,
        clientID: String, clientSecret: String? = nil, clientAuth: ClientAuth = .none, clientCertificate: ClientCertificate? = nil,
        scopes: [String] = [],
        resource: String? = nil, redirectURI: String, responseMode: ResponseMode = .query,
        extraAuthorizeParams: [AuthorizeParameter] = [], caFile: String? = nil, tokens: [ExtraToken] = [],
        discoversEndpoints: Bool = false, user: String? = nil, grant: AccountGrant = .authorizationCode, signInFlow: SignInFlow = .browser,
        deviceAuthorizationURL: String? = nil
    ) {
        self.name = name
        self.provider = provider
        self.authorizeURL = authorizeURL
        self.tokenURL = tokenURL
        self.issuer = issuer
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.clientAuth = clientAuth
        self.clientCertificate = clientCertificate
        self.scopes = scopes
        self.resource = resource
        self.redirectURI = redirectURI
        self.responseMode = responseMode
        self.extraAuthorizeParams = extraAuthorizeParams
        self.caFile = caFile
        self.tokens = tokens
        self.discoversEndpoints = discoversEndpoints
        self.user = user
        self.grant = grant
        self.signInFlow = signInFlow
        self.deviceAuthorizationURL = deviceAuthorizationURL
    }

    /// True when a `nonce` goes with each sign-in: OpenID Connect is in play.
    public var usesNonce: Bool { scopes.contains("openid") }

    /// `scope` and `resource` as this provider takes them: Entra v1 ignores scope, Entra v2
    /// refuses resource (AADSTS901002), everyone else takes each when set.
    func audienceParameters(scopes: [String], resource: String?) -> [(String, String)] {
        var pairs: [(String, String)] = []
        if provider != .entraV1, !scopes.isEmpty { pairs.append(("scope", scopes.joined(separator: " "))) }
        if provider != .entra, let resource { pairs.append(("resource", resource)) }
        return pairs
    }
}

extension AccountSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var parts = [
            "name: \(name)", "provider: \(provider.rawValue)", "authorizeURL: \(authorizeURL)",
            "tokenURL: \(tokenURL)", "clientID: \(clientID)", "clientAuth: \(clientAuth.rawValue)",
            "scopes: \(scopes.joined(separator: " "))", "redirectURI: \(redirectURI)",
            "responseMode: \(responseMode.rawValue)",
        ]
        if let issuer { parts.append("issuer: \(issuer)") }
        if let resource { parts.append("resource: \(resource)") }
        if clientSecret != nil { parts.append("clientSecret: <redacted>") }
        if let clientCertificate { parts.append("clientCertificate: \(clientCertificate)") }
        if !extraAuthorizeParams.isEmpty {
            parts.append("extraAuthorizeParams: " + extraAuthorizeParams.map { "\($0.name)=\($0.value)" }.joined(separator: "&"))
        }
        if let caFile { parts.append("caFile: \(caFile)") }
        if !tokens.isEmpty { parts.append("tokens: " + tokens.map(\.name).joined(separator: " ")) }
        if discoversEndpoints { parts.append("discoversEndpoints: true") }
        if let user { parts.append("user: \(user)") }
        if grant != .authorizationCode { parts.append("grant: \(grant.rawValue)") }
        if signInFlow != .browser { parts.append("signInFlow: \(signInFlow.rawValue)") }
        if let deviceAuthorizationURL { parts.append("deviceAuthorizationURL: \(deviceAuthorizationURL)") }
        return "AccountSettings(" + parts.joined(separator: ", ") + ")"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "name": name, "provider": provider, "authorizeURL": authorizeURL, "tokenURL": tokenURL,
                "issuer": issuer as Any, "clientID": clientID,
                "clientSecret": clientSecret == nil ? "nil" : "<redacted>", "clientAuth": clientAuth,
                "clientCertificate": clientCertificate.map(\.description) ?? "nil",
                "scopes": scopes, "resource": resource as Any, "redirectURI": redirectURI,
                "responseMode": responseMode, "extraAuthorizeParams": extraAuthorizeParams, "caFile": caFile as Any,
                "tokens": tokens.map(\.name), "discoversEndpoints": discoversEndpoints,
                "user": user as Any, "grant": grant, "signInFlow": signInFlow, "deviceAuthorizationURL": deviceAuthorizationURL as Any,
            ],
            displayStyle: .struct)
    }
}
