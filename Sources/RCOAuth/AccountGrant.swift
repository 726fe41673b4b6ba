/// How an account gets its tokens (`grant` in the config): a person signs in, or the
/// application alone proves itself with its own credential.
public enum AccountGrant: String, Sendable, Equatable, CaseIterable {
    /// A person signs in (authorization code with PKCE, RFC 6749 §4.1, RFC 7636), and the
    /// refresh token keeps the tokens coming.
    case authorizationCode = "authorization_code"
    /// The application signs in as itself with its client secret or certificate (RFC 6749
    /// §4.4): no person, no sign-in, no refresh token; each token comes from its own grant.
    case clientCredentials = "client_credentials"
}
