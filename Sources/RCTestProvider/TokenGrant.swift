import RCCrypto
import RCHTTP
import RCOAuth

/// What a successful grant hands out, before it is shaped into a response body.
struct IssuedTokens: Sendable {
    var accessToken: String
    var refreshToken: String?
    var idToken: String?
    var scope: String?
    var resource: String?
    var accessLifetime: Int
    var refreshLifetime: Int
    /// Wall-clock epoch seconds at issue.
    var issuedAt: Int
}

/// The facts a grant decision depends on besides the store: configuration, the clocks, and the
/// id_token signer.
struct GrantContext: Sendable {
    var options: TestProviderOptions
    var issuer: String
    /// The token endpoint's own URL: the only audience a client assertion may name.
    var tokenURL: String
    var signingKey: [UInt8]
    /// Monotonic seconds.
    var now: Double
    /// Wall-clock epoch seconds.
    var wallNow: Int
}

extension GrantStore {
    /// Authenticates the client and applies the grant; one call per request, under the lock.
    mutating func grant(_ request: TokenRequest, _ context: GrantContext) throws(TokenError) -> IssuedTokens {
        let client = try authenticate(request, context)
        stats.grants.append(RecordedGrant(grantType: request["grant_type"] ?? "", scope: request["scope"], resource: request["resource"]))
        guard let grantType = request["grant_type"], !grantType.isEmpty else {
            throw .invalidRequest(900144, "The request body must contain the following parameter: 'grant_type'.")
        }
        switch grantType {
        case "authorization_code": return try redeemCode(request, client: client, context)
        case "refresh_token": return try redeemRefreshToken(request, client: client, context)
        case "client_credentials": return try redeemClientCredentials(request, client: client, context)
        case DevicePoll.grantType: return try redeemDeviceCode(request, client: client, context)
        default: throw .unsupportedGrantType(grantType)
        }
    }

    /// RFC 6749 §2.3: a confidential client proves itself exactly one way; a public client
    /// proves nothing and must not pretend to (Entra's AADSTS700025).
    private mutating func authenticate(_ request: TokenRequest, _ context: GrantContext) throws(TokenError) -> TestClient {
        let clients = context.options.clients
        let usedBasic = request.basic != nil
        if let basic = request.basic, let bodyID = request["client_id"], bodyID != basic.id {
            throw .invalidRequest(900144, "client_id in the body differs from the HTTP Basic user.")
        }
        guard let clientID = request.basic?.id ?? request["client_id"], !clientID.isEmpty else {
            throw .invalidRequest(900144, "The request body must contain the following parameter: 'client_id'.")
        }
        guard let client = clients.first(where: { $0.id == clientID }) else {
            throw .invalidClient(700016, "Application with identifier '\(clientID)' was not found.", basic: usedBasic)
        }
        let bodySecret = request["client_secret"]
        let usedAssertion = request["client_assertion"] != nil || request["client_assertion_type"] != nil
        guard client.isConfidential else {
            if bodySecret != nil || usedBasic || usedAssertion {
                throw .invalidClient(
                    700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
                    basic: usedBasic)
            }
            return client
        }
        if usedAssertion {
            guard bodySecret == nil, !usedBasic else {
                throw .invalidRequest(900144, "Use exactly one client authentication method, not a client assertion and a secret.")
            }
            try checkAssertion(request, client: client, context)
            return client
        }
        guard let expected = client.secret else {
            throw .invalidClient(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", basic: usedBasic)
        }
        let presented: String
        switch (request.basic?.secret, bodySecret) {
        case (.some, .some):
            throw .invalidRequest(900144, "Use exactly one client authentication method, not client_secret and HTTP Basic together.")
        case (nil, nil):
            throw .invalidClient(7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", basic: false)
        case (.some(let secret), nil):
            guard client.allowedAuthentication.contains(.basic) else {
                throw .invalidClient(7000218, "This client may not use client_secret_basic.", basic: true)
            }
            presented = secret
        case (nil, .some(let secret)):
            guard client.allowedAuthentication.contains(.post) else {
                throw .invalidClient(7000218, "This client may not use client_secret_post.", basic: false)
            }
            presented = secret
        }
        guard ConstantTime.equals(presented, expected) else {
            throw .invalidClient(7000215, "Invalid client secret provided.", basic: usedBasic)
        }
        return client
    }

    private mutating func redeemCode(_ request: TokenRequest, client: TestClient, _ context: GrantContext) throws(TokenError) -> IssuedTokens {
        guard let code = request["code"], !code.isEmpty else {
            throw .invalidRequest(900144, "The request body must contain the following parameter: 'code'.")
        }
        guard var issued = codes[code] else {
            throw .invalidGrant(70000, "The provided value for the 'code' parameter is not valid.")
        }
        if let family = issued.family {
            // RFC 6749 §4.1.2: a code used twice was stolen or replayed; what it bought goes too.
            revokeFamily(family)
            throw .invalidGrant(54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code.")
        }
        guard issued.expiresAt > context.now else {
            throw .invalidGrant(70008, "The provided authorization code or refresh token has expired.")
        }
        guard issued.request.clientID == client.id else {
            throw .invalidGrant(70000, "The code was issued to a different client.")
        }
        // RFC 6749 §4.1.3: identical, not equivalent.
        guard let redirectURI = request["redirect_uri"], redirectURI == issued.request.redirectURI else {
            throw .invalidGrant(50011, "The redirect URI does not match the one used to obtain the authorization code.")
        }
        guard let verifier = request["code_verifier"] else {
            throw .invalidGrant(50148, "The code_verifier is missing; PKCE was used in the authorization request.")
        }
        // RFC 7636 §4.1: 43 to 128 unreserved characters.
        guard (43...128).contains(verifier.utf8.count), verifier.utf8.allSatisfy(FormEncoding.isUnreserved) else {
            throw .invalidGrant(50148, "The code_verifier is not 43 to 128 unreserved characters.")
        }
        guard ConstantTime.equals(PKCE.challenge(for: verifier), issued.request.codeChallenge) else {
            throw .invalidGrant(50148, "The code_verifier does not match the code_challenge supplied in the authorization request.")
        }
        let family = nextFamily
        nextFamily += 1
        families[family] = Family(
            clientID: client.id, scope: issued.request.scope, resource: issued.request.resource ?? request["resource"],
            refreshExpiresAt: context.now + Double(context.options.refreshTokenLifetime))
        issued.family = family
        codes[code] = issued
        stats.codeGrants += 1
        // The sign-in's scopes are what the person consented to (the family's); the token is for
        // what the redemption asks, as Entra v2 issues one resource's token per request.
        let audience = Audience(scope: request["scope"] ?? issued.request.scope, resource: issued.request.resource ?? request["resource"])
        return issue(family: family, nonce: issued.request.nonce, audience: audience, context)
    }

    private mutating func redeemRefreshToken(_ request: TokenRequest, client: TestClient, _ context: GrantContext) throws(TokenError) -> IssuedTokens {
        guard let token = request["refresh_token"], !token.isEmpty else {
            throw .invalidRequest(900144, "The request body must contain the following parameter: 'refresh_token'.")
        }
        guard let record = refreshTokens[token], let family = families[record.family] else {
            throw .invalidGrant(9002313, "The provided refresh token is not valid.")
        }
        switch record.state {
        case .rotatedOut:
            // RFC 9700 §4.14.2: a rotated-out token coming back means two parties hold the
            // family; neither can be told apart, so both lose it.
            revokeFamily(record.family)
            throw .invalidGrant(50173, "The provided grant has been revoked: a refresh token was used twice.")
        case .revoked:
            throw .invalidGrant(50173, "The provided grant has expired due to it being revoked.")
        case .current:
            break
        }
        guard !family.revoked else {
            throw .invalidGrant(50173, "The provided grant has expired due to it being revoked.")
        }
        guard family.refreshExpiresAt > context.now else {
            throw .invalidGrant(700082, "The refresh token has expired due to inactivity.")
        }
        guard family.clientID == client.id else {
            throw .invalidGrant(70000, "The refresh token was issued to a different client.")
        }
        // An API that wants more than this refresh token carries refuses it without rotating
        // it, unless the sign-in that began the family asked for that API (the person met it).
        for refusal in refusals where refusal.applies(scope: request["scope"], resource: request["resource"]) {
            guard refusal.liftedBySignIn, refusal.applies(scope: family.scope, resource: family.resource) else {
                throw TokenError(status: 400, error: refusal.error, code: refusal.code, message: refusal.message)
            }
        }
        refreshTokens[token]?.state = .rotatedOut
        families[record.family]?.refreshExpiresAt = context.now + Double(context.options.refreshTokenLifetime)
        stats.refreshGrants += 1
        // One refresh token redeems for any API the sign-in's consent covers (Entra's
        // multi-resource refresh token): a refresh that names a scope or resource gets a token
        // for that, and the family keeps what the person consented to.
        let audience = Audience(scope: request["scope"] ?? family.scope, resource: request["resource"] ?? family.resource)
        return issue(family: record.family, nonce: nil, audience: audience, context)
    }

    /// What an access token is for.
    struct Audience {
        var scope: String?
        var resource: String?
    }

    /// Mints an access token for `audience` (the family's own by default), and a refresh token
    /// and id_token when due, for `family`.
    private mutating func issue(family id: Int, nonce: String?, audience: Audience? = nil, _ context: GrantContext) -> IssuedTokens {
        let options = context.options
        let family = families[id] ?? Family(clientID: "", refreshExpiresAt: 0)
        let audience = audience ?? Audience(scope: family.scope, resource: family.resource)
        let scopes = (audience.scope ?? "").split(separator: " ").map(String.init)
        let consented = (family.scope ?? "").split(separator: " ")
        let accessToken = Self.randomToken()
        accessTokens[accessToken] = AccessRecord(
            family: id, clientID: family.clientID, expiresAt: context.now + Double(options.accessTokenLifetime),
            exp: context.wallNow + options.accessTokenLifetime, scope: audience.scope, resource: audience.resource)
        var refreshToken: String?
        let wantsRefresh: Bool
        switch options.refreshTokenPolicy {
        case .always: wantsRefresh = true
        case .whenOfflineAccessRequested: wantsRefresh = scopes.contains("offline_access") || consented.contains("offline_access")
        case .never: wantsRefresh = false
        }
        if wantsRefresh {
            let token = Self.randomToken()
            refreshTokens[token] = RefreshRecord(family: id, state: .current)
            refreshToken = token
        }
        var idToken: String?
        if scopes.contains("openid") {
            idToken = IDToken.sign(
                issuer: context.issuer, subject: options.subject, audience: family.clientID, issuedAt: context.wallNow,
                expires: context.wallNow + options.accessTokenLifetime, nonce: nonce, key: context.signingKey)
        }
        prune(now: context.now)
        return IssuedTokens(
            accessToken: accessToken, refreshToken: refreshToken, idToken: idToken, scope: audience.scope,
            resource: audience.resource, accessLifetime: options.accessTokenLifetime,
            refreshLifetime: options.refreshTokenLifetime, issuedAt: context.wallNow)
    }

    /// Mints the first tokens of a family that began without a code (the device code grant).
    mutating func issueTokens(family id: Int, _ context: GrantContext) -> IssuedTokens {
        issue(family: id, nonce: nil, context)
    }

    /// 32 bytes from the CSPRNG, base64url: unguessable, and safe in a form body and a header.
    static func randomToken() -> String {
        Base64.encodeURL(SecureRandom.bytes(32))
    }
}
