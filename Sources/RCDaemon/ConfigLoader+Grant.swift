import RCOAuth

/// `grant`: how an account gets its tokens. `client_credentials` has no person and no sign-in,
/// so what only a sign-in uses is refused, and what the grant needs (a credential, one
/// `.default` scope on Entra v2, `resource` on Entra v1 and AD FS) is checked here, with what
/// to write instead, rather than refused by the provider at the first grant.
extension AccountContext {
    /// Keys that shape a person's sign-in, meaningless without one. `signin_flow` and
    /// `device_authorization_url` are named here although other parts of the config own them.
    static let signInOnlyKeys = [
        "redirect_uri", "response_mode", "extra_authorize_params", "issuer", "signin_flow", "device_authorization_url",
    ]

    /// The account's `grant` (default `authorization_code`); for `client_credentials`, no key
    /// that only a sign-in uses.
    func grant(node: ConfigNode) throws(ConfigError) -> AccountGrant {
        guard let grantNode = node.member("grant") else { return .authorizationCode }
        let text = try grantNode.string()
        guard let grant = AccountGrant(rawValue: text) else {
            throw grantNode.error("must be \"authorization_code\" (a person signs in, the default) or \"client_credentials\" (the application signs in as itself)")
        }
        if grant == .clientCredentials {
            for key in Self.signInOnlyKeys {
                guard let keyNode = node.member(key) else { continue }
                throw keyNode.error("only for a person's sign-in, and grant client_credentials has none: remove it")
            }
        }
        return grant
    }

    /// A generic client credentials account needs only `token_url`: there is no authorize
    /// endpoint to visit, and discovery (from `issuer`) serves the sign-in.
    func applicationEndpoints(node: ConfigNode) throws(ConfigError) -> (authorize: String, token: String, issuer: String?) {
        if let authorizeNode = node.member("authorize_url") {
            throw authorizeNode.error("only for a person's sign-in, and grant client_credentials has none: remove it")
        }
        for key in ["authority", "tenant"] {
            if let keyNode = node.member(key) { throw keyNode.error("only for provider entra, entra-v1 or adfs") }
        }
        guard let tokenNode = node.member("token_url") else {
            throw node.child("token_url").error("required for a generic account with grant client_credentials: the provider's token endpoint")
        }
        let text = try tokenNode.nonEmptyString()
        do {
            try URLPolicy.checkEndpoint(text)
        } catch {
            throw tokenNode.error(error.message)
        }
        return ("", text, nil)
    }

    /// The application proves itself with a secret or a certificate, or not at all.
    func checkClientCredential(clientAuth: ClientAuth, node: ConfigNode) throws(ConfigError) {
        guard clientAuth == .none else { return }
        throw node.child("grant").error(
            "client_credentials signs in as the application, which needs a credential: set client_secret_file (or client_secret), or client_certificate_file and client_key_file")
    }

    /// The application signs in to its own tenant: `common`, `organizations` and `consumers`
    /// stand for a person's choice of tenant at sign-in, and there is no sign-in.
    func checkClientCredentialsTenant(provider: Provider, node: ConfigNode) throws(ConfigError) {
        guard provider == .entra || provider == .entraV1, let tenantNode = node.member("tenant"),
            let tenant = try? tenantNode.string(), ["common", "organizations", "consumers"].contains(tenant.lowercased())
        else { return }
        throw tenantNode.error(
            "client_credentials signs the application in to one tenant: use its domain (such as contoso.onmicrosoft.com) or Directory (tenant) ID, not \(tenant)")
    }

    /// What a client credentials grant may ask for, for the account (`extra` false) or one of
    /// its `tokens`: never `offline_access`; on entra exactly one `RESOURCE/.default` scope,
    /// which stands for the application permissions an administrator consented to; on adfs a
    /// `resource`.
    func checkClientCredentialsAudience(
        provider: Provider, scopes: [String], resource: String?, node: ConfigNode, extra: Bool = false
    ) throws(ConfigError) {
        let scopesNode = node.child("scopes")
        if scopes.contains("offline_access") {
            throw scopesNode.error("offline_access asks for a refresh token, and client_credentials never gets one: remove it")
        }
        switch provider {
        case .entra:
            let example = Self.defaultScope(suggestedBy: scopes)
            guard !scopes.isEmpty else {
                throw scopesNode.error(
                    "required for client_credentials on entra: one scope, the API's identifier followed by /.default, such as [\"\(example)\"]")
            }
            let defaults = scopes.filter { $0.hasSuffix("/.default") }
            if defaults.count > 1 {
                throw scopesNode.error(
                    "a client_credentials token is for one API, one .default scope: keep one here and put each other API under tokens\(extra ? " as a token of its own" : "")")
            }
            guard scopes.count == 1, defaults.count == 1 else {
                throw scopesNode.error(
                    "client_credentials on entra takes exactly one scope, the API's identifier followed by /.default (it stands for the application permissions an administrator consented to): write [\"\(example)\"]")
            }
        case .adfs:
            guard resource != nil else {
                throw node.child("resource").error(
                    "required for client_credentials on adfs: the identifier of the Web API the server application is permitted for, such as https://api.contoso.com")
            }
        case .entraV1, .generic:
            // entra-v1 insists on resource in checkAudience; generic providers differ.
            break
        }
    }

    /// `https://HOST/.default` for the first scope that names a host (`https://graph.microsoft.com/User.Read`
    /// becomes `https://graph.microsoft.com/.default`), else a placeholder.
    static func defaultScope(suggestedBy scopes: [String]) -> String {
        for scope in scopes {
            guard let schemeEnd = scope.firstRange(of: "://") else { continue }
            let host = scope[schemeEnd.upperBound...].prefix { $0 != "/" }
            guard !host.isEmpty else { continue }
            return scope[..<schemeEnd.upperBound] + host + "/.default"
        }
        return "https://HOST/.default"
    }
}
