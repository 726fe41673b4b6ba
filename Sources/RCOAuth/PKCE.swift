import RCCrypto
import RCHTTP

/// A PKCE verifier and its S256 challenge (RFC 7636).
///
/// Only S256 exists here: `plain` would hand the verifier to anyone who sees the authorization
/// request, which is the interception PKCE exists to stop.
public struct PKCE: Sendable {
    /// The secret kept until the token request: 43 base64url characters (256 bits).
    public let verifier: String
    /// `BASE64URL(SHA256(verifier))`, sent in the authorization request.
    public let challenge: String

    /// A pair for a verifier the caller already has (tests, or a restored flow).
    public init(verifier: String) {
        self.verifier = verifier
        self.challenge = PKCE.challenge(for: verifier)
    }

    /// A fresh pair from 32 bytes of the CSPRNG, as RFC 7636 §4.1 recommends.
    public static func generate() -> PKCE {
        PKCE(verifier: Base64.encodeURL(SecureRandom.bytes(32)))
    }

    /// The S256 challenge of `verifier` (RFC 7636 §4.2).
    public static func challenge(for verifier: String) -> String {
        Base64.encodeURL(SHA256.hash(Array(verifier.utf8)))
    }
}
