/// What the daemon should do about a failed token request.
public enum TokenErrorKind: Sendable, Equatable {
    /// Try again later and keep the refresh token: 408, 429, 5xx, `server_error`,
    /// `temporarily_unavailable`, a body that is not JSON, JSON with neither tokens nor an error.
    case transient
    /// Drop the refresh token; the person must sign in (`invalid_grant`, `interaction_required`,
    /// `login_required`, `consent_required`, and error codes this type does not know).
    case needsSignIn
    /// Retrying cannot help until the config or the app registration changes (`invalid_client`,
    /// `unauthorized_client`, `invalid_scope`, `invalid_request`, `unsupported_grant_type`, a
    /// token type other than Bearer).
    case configuration
    /// Entra's Conditional Access requires a compliant or managed device (AADSTS53000, 530003):
    /// a browser sign-in on this machine cannot fix it.
    case deviceCompliance
}
