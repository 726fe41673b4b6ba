import COpenSSL

/// The two RSA signature schemes JOSE names for SHA-256 (RFC 7518 §3.3, §3.5), which Entra
/// accepts in client assertions.
public enum RSASignatureScheme: Sendable, Equatable {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (JWS `RS256`).
    case pkcs1v15SHA256
    /// RSASSA-PSS with SHA-256, MGF1 with SHA-256 and a 32-byte salt (JWS `PS256`); RFC 7518
    /// §3.5 fixes the salt at the hash length, so the verifier insists on it too.
    case pssSHA256

    /// Sets padding (and for PSS the salt length) on the context EVP_DigestSignInit or
    /// EVP_DigestVerifyInit returned; MGF1 follows the SHA-256 message digest by default.
    func configure(_ context: OpaquePointer) throws(TLSError) {
        switch self {
        case .pkcs1v15SHA256:
            guard EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1 else {
                throw TLSError(.configuration, OpenSSLErrorQueue.message("cannot select RSA PKCS#1 v1.5 padding"))
            }
        case .pssSHA256:
            guard EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) == 1,
                EVP_PKEY_CTX_set_rsa_pss_saltlen(context, RSA_PSS_SALTLEN_DIGEST) == 1
            else {
                throw TLSError(.configuration, OpenSSLErrorQueue.message("cannot select RSA-PSS padding"))
            }
        }
    }
}
