/// The client credentials grant (RFC 6749 §4.4): the application asks for a token for itself,
/// authenticated by its secret or its certificate's assertion; no code, no refresh token.
extension TokenRequest {
    /// Asks for the account's own token, or with `token` for that extra token, each by a grant of
    /// its own: there is no refresh token to mint one from the other. Entra v2 reads the API
    /// from the one `RESOURCE/.default` scope; Entra v1 and AD FS from `resource`.
    public static func clientCredentials(account: AccountSettings, token: ExtraToken? = nil) -> TokenRequest {
        clientCredentials(account: account, token: token, assertionClock: .now)
    }

    static func clientCredentials(account: AccountSettings, token: ExtraToken? = nil, assertionClock: AssertionClock) -> TokenRequest {
        // The extra token's audience as written: the offline_access that Audience(extra:) keeps
        // for a person's sign-in has no place here (the config refuses it anyway).
        let audience = token.map { Audience(scopes: $0.scopes, resource: $0.resource) } ?? Audience(account: account)
        var request = build(
            account: account, grant: [("grant_type", "client_credentials")], verifier: nil, audience: audience,
            assertionClock: assertionClock)
        if request.failure == nil, account.clientAuth == .none {
            // A public client has nothing to prove itself with; the provider would refuse it.
            request.failure = "grant client_credentials needs client_secret, client_secret_file or a certificate"
        }
        return request
    }
}

extension TokenRequest.Audience {
    init(scopes: [String], resource: String?) {
        self.scopes = scopes
        self.resource = resource
    }
}
