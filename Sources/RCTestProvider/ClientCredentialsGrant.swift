/// The client credentials grant (RFC 6749 §4.4), as strict as Entra and AD FS: a confidential
/// client only, proved by its secret or its certificate's assertion (checked by `authenticate`
/// before this runs); on Entra v2 exactly one `RESOURCE/.default` scope (AADSTS1002012); on
/// Entra v1 and AD FS a `resource`; and no refresh token or id_token, since no person signed in.
extension GrantStore {
    mutating func redeemClientCredentials(_ request: TokenRequest, client: TestClient, _ context: GrantContext) throws(TokenError) -> IssuedTokens {
        guard client.isConfidential else {
            throw .invalidClient(
                7_000_218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.", basic: request.basic != nil)
        }
        let scope = request["scope"]
        let resource = request["resource"]
        switch context.options.responseShape {
        case .entraV2:
            let scopes = (scope ?? "").split(separator: " ")
            guard scopes.count == 1, scopes[0].hasSuffix("/.default"), scopes[0].count > "/.default".count else {
                throw TokenError(
                    status: 400, error: "invalid_scope", code: 1_002_012,
                    message:
                        "The provided value for scope \(scope ?? "") is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
            }
        case .entraV1, .adfs:
            guard let resource, !resource.isEmpty else {
                throw .invalidRequest(900_144, "The request body must contain the following parameter: 'resource'.")
            }
        case .generic:
            break
        }
        // An API refused for this client (no admin consent, say) is refused to every grant for it.
        for refusal in refusals where refusal.applies(scope: scope, resource: resource) {
            throw TokenError(status: 400, error: refusal.error, code: refusal.code, message: refusal.message)
        }
        // A family of its own, with no refresh token ever, so `/validate` and revocation work
        // as for every other token.
        let family = nextFamily
        nextFamily += 1
        families[family] = Family(clientID: client.id, scope: scope, resource: resource, refreshExpiresAt: 0)
        let lifetime = context.options.accessTokenLifetime
        let accessToken = Self.randomToken()
        accessTokens[accessToken] = AccessRecord(
            family: family, clientID: client.id, expiresAt: context.now + Double(lifetime), exp: context.wallNow + lifetime, scope: scope,
            resource: resource, application: true)
        stats.clientCredentialsGrants += 1
        prune(now: context.now)
        return IssuedTokens(
            accessToken: accessToken, refreshToken: nil, idToken: nil, scope: scope, resource: resource, accessLifetime: lifetime,
            refreshLifetime: 0, issuedAt: context.wallNow)
    }
}
