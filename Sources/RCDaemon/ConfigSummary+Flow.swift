import RCOAuth

/// The `flow:` line of `check-config`: how each account gets its tokens, in words. One
/// function per grant; a person's sign-in says which of its flows the account uses.
extension ConfigSummary {
    public static func flow(_ account: AccountSettings) -> String {
        switch account.grant {
        case .authorizationCode: personFlow(account)
        case .clientCredentials: applicationFlow(account)
        }
    }

    /// A person signs in.
    static func personFlow(_ account: AccountSettings) -> String {
        switch account.signInFlow {
        case .browser:
            return "signs in with the browser (authorization code + PKCE)"
        case .deviceCode:
            let endpoint = account.deviceAuthorizationURL.map { " at \($0)" } ?? " (endpoint from the issuer's metadata)"
            return "signs in with a device code (RFC 8628)\(endpoint); `redirect-catcher signin \(account.name) --paste` still offers the browser"
        }
    }

    /// The application signs in as itself.
    static func applicationFlow(_ account: AccountSettings) -> String {
        let credential = account.clientAuth == .privateKeyJWT ? "a certificate" : "a client secret"
        return "client credentials with \(credential) (the application itself: no person, no sign-in, no refresh token)"
    }
}
