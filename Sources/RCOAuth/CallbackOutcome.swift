/// What arrived at the redirect URI, classified before any state lookup or code exchange.
public enum CallbackOutcome: Sendable, Equatable {
    /// A code and its state; `iss` when the provider sends RFC 9207's parameter.
    case code(code: String, state: String, iss: String?)
    /// The provider's error (RFC 6749 §4.1.2.1); `state` may be missing on some provider errors.
    case error(error: String, description: String?, uri: String?, state: String?)
    /// Not a valid authorization response; the text says why, for the 400 page and the log.
    case invalid(String)
}
