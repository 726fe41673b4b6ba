import RCOAuth

/// The `flow:` line of `check-config`: how each account gets its tokens, in words. One
/// function per grant, so that another way in (a device code, say) is one more case.
extension ConfigSummary {
    public static func flow(_ account: AccountSettings) -> String {
        switch account.grant {
        case .authorizationCode: personFlow(account)
        case .clientCredentials: applicationFlow(account)
        }
    }

    /// A person signs in.
    static func personFlow(_ account: AccountSettings) -> String {
        "signs in with the browser (authorization code + PKCE)"
    }

    /// The application signs in as itself.
    static func applicationFlow(_ account: AccountSettings) -> String {
        let credential = account.clientAuth == .privateKeyJWT ? "a certificate" : "a client secret"
        return "client credentials with \(credential) (the application itself: no person, no sign-in, no refresh token)"
    }
}
