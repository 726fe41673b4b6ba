import RCCrypto
import RCHTTP

/// Generates `state` values (and nonces): 256 bits from the CSPRNG, base64url, 43 characters.
///
/// RFC 9700 asks for at least 128 bits; 256 costs nothing and leaves a margin.
public enum OAuthState {
    /// A fresh value, never reused: each flow gets its own.
    public static func generate() -> String {
        Base64.encodeURL(SecureRandom.bytes(32))
    }
}
