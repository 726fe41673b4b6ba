/// A refused token request: an RFC 6749 §5.2 error with the Entra extras (`error_codes`,
/// `trace_id`, `correlation_id`, `timestamp`) the daemon logs.
struct TokenError: Error, Sendable, Equatable {
    var status: Int
    var error: String
    /// The Entra code, such as 70008; it also prefixes the description ("AADSTS70008: ...").
    var code: Int
    var message: String
    /// RFC 6749 §5.2: a 401 after HTTP Basic must carry `WWW-Authenticate`.
    var challengeBasic = false

    var description: String { "AADSTS\(code): \(message)" }

    static func invalidRequest(_ code: Int, _ message: String) -> TokenError {
        TokenError(status: 400, error: "invalid_request", code: code, message: message)
    }

    static func invalidGrant(_ code: Int, _ message: String) -> TokenError {
        TokenError(status: 400, error: "invalid_grant", code: code, message: message)
    }

    static func invalidClient(_ code: Int, _ message: String, basic: Bool) -> TokenError {
        TokenError(status: 401, error: "invalid_client", code: code, message: message, challengeBasic: basic)
    }

    static func unsupportedGrantType(_ grantType: String) -> TokenError {
        TokenError(
            status: 400, error: "unsupported_grant_type", code: 70003,
            message: "The app requested an unsupported grant type '\(grantType)'.")
    }
}
