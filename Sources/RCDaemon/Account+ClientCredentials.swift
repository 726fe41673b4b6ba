import RCOAuth

/// An account with `grant: client_credentials` signs in as the application itself: what the
/// person-facing parts of the daemon (the `/signin` page, `signin NAME`, the notification
/// hook's link) say about it.
extension Account {
    /// True for `grant: client_credentials`: no person, no sign-in, no refresh token.
    var isApplication: Bool { settings.grant == .clientCredentials }

    /// Journal fields that tell a client credentials grant from a refresh.
    var grantFields: [String: String] { isApplication ? ["GRANT": settings.grant.rawValue] : [:] }

    /// Why there is no sign-in for this account (`/signin/NAME`, `signin NAME`); nil when there is one.
    var signInRefusal: String? {
        guard isApplication else { return nil }
        return
            "account \(name) signs in as the application itself, with its client credentials (grant client_credentials): no person signs in, and the daemon requests its tokens by itself; see `redirect-catcher status` for how that goes"
    }

    /// The link the notification hook passes: none for an application.
    var notifySignInURL: String { isApplication ? "" : signInURL }
}
