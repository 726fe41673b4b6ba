import RCCrypto

/// The JWS algorithm of a client assertion: the two RSA ones Entra accepts (PS256, RS256).
public enum ClientAssertionAlgorithm: String, Sendable, Equatable, CaseIterable {
    /// RSASSA-PSS with SHA-256: the default, Microsoft's recommendation for new clients.
    case ps256 = "PS256"
    /// RSASSA-PKCS1-v1_5 with SHA-256: for AD FS and providers that predate PSS.
    case rs256 = "RS256"

    /// The signature scheme behind the name.
    public var scheme: RSASignatureScheme {
        switch self {
        case .ps256: .pssSHA256
        case .rs256: .pkcs1v15SHA256
        }
    }
}
