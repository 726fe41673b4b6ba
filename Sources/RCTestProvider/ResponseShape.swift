/// Which real provider's token response the test provider imitates, so the daemon's parser
/// meets each of the shapes it must accept.
public enum ResponseShape: Sendable, Equatable, CaseIterable {
    /// Entra v2: `expires_in` and `ext_expires_in` as numbers, `scope`; `resource` refused at
    /// /authorize (AADSTS901002).
    case entraV2
    /// Entra v1: `expires_in`, `ext_expires_in`, `expires_on`, `not_before` as strings, and `resource`.
    case entraV1
    /// AD FS: numbers, plus `refresh_token_expires_in`.
    case adfs
    /// Only what RFC 6749 §5.1 defines.
    case generic
}
