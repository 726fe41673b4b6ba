import COpenSSL

/// The RSA public key of a registered certificate, with the certificate's `x5t#S256`
/// thumbprint: what a token endpoint needs to check a client assertion (the test provider's
/// side of ``ClientCertificateCredential``).
///
/// `@unchecked Sendable` for the same reason as the credential: the key is read-only after `init`.
public final class RSAPublicKey: @unchecked Sendable {
    private let key: PrivateKey
    /// SHA-256 of the certificate's DER encoding.
    public let thumbprintSHA256: [UInt8]
    /// SHA-1 of the certificate's DER encoding (`x5t`).
    public let thumbprintSHA1: [UInt8]

    /// The key in the first certificate of `certificatePEM`.
    public init(certificatePEM: String) throws(TLSError) {
        let certificate = try X509Certificate.all(fromPEM: certificatePEM, what: "registered certificate")[0]
        guard let publicKey = X509_get_pubkey(certificate.pointer) else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("registered certificate: no public key"))
        }
        // X509_get_pubkey returns a new reference, which PrivateKey (an EVP_PKEY owner) frees.
        key = PrivateKey(owning: publicKey)
        guard EVP_PKEY_get_base_id(publicKey) == EVP_PKEY_RSA else {
            throw TLSError(.configuration, "registered certificate: not an RSA key")
        }
        let der = try certificate.der()
        thumbprintSHA256 = SHA256.hash(der)
        thumbprintSHA1 = SHA1.hash(der)
    }

    /// True when `signature` is a valid signature of `message` under this key and `scheme`.
    public func verify(_ signature: [UInt8], of message: [UInt8], scheme: RSASignatureScheme) -> Bool {
        OpenSSLErrorQueue.clear()
        defer { OpenSSLErrorQueue.clear() }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?
        guard EVP_DigestVerifyInit(context, &keyContext, EVP_sha256(), nil, key.pointer) == 1, let keyContext,
            (try? scheme.configure(keyContext)) != nil
        else { return false }
        let result = signature.withUnsafeBufferPointer { signatureBytes in
            message.withUnsafeBufferPointer {
                EVP_DigestVerify(context, signatureBytes.baseAddress, signatureBytes.count, $0.baseAddress, $0.count)
            }
        }
        return result == 1
    }
}
