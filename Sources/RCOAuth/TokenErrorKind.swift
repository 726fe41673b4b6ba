/// What the daemon should do about a failed token request.
public enum TokenErrorKind: Sendable, Equatable {
    /// Try again later and keep the refresh token: 408, 429, 5xx, `server_error`,
    /// `temporarily_unavailable`, a body that is not JSON, JSON with neither tokens nor an error.
    case transient
    /// The provider refused the grant for a reason only the person can fix (`invalid_grant`,
    /// `interaction_required`, `login_required`, `consent_required`). On the account's own grant
    /// that drops the refresh token; on an extra token's grant it may be that API alone (MFA,
    /// Conditional Access or consent for it), so the refresh token is checked first.
    case needsSignIn
    /// Retrying cannot help until the config or the app registration changes (`invalid_client`,
    /// `unauthorized_client`, `invalid_scope`, `invalid_request`, `unsupported_grant_type`,
    /// `invalid_resource`, a token type other than Bearer, a client assertion that cannot be signed).
    case configuration
    /// Entra's Conditional Access requires a compliant or managed device (AADSTS53000, 530003):
    /// a browser sign-in on this machine cannot fix it.
    case deviceCompliance
    /// An `error` code this daemon does not know: nothing says the refresh token is bad, so it is
    /// kept and the grant retried with backoff, and the journal says the code was not understood.
    case unrecognized
}
