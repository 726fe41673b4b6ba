import COpenSSL

/// A certificate and its RSA private key, loaded once at start-up, that sign client assertions
/// (RFC 7523) for a confidential client registered with a certificate instead of a secret.
///
/// The key never leaves this object: there is no accessor for it, and no textual form shows it.
/// `@unchecked Sendable` because the EVP_PKEY is only read after `init` (each signature gets
/// its own EVP_MD_CTX), which OpenSSL documents as safe from several threads at once.
public final class ClientCertificateCredential: @unchecked Sendable {
    private let key: PrivateKey
    /// SHA-256 of the certificate's DER encoding: what JOSE's `x5t#S256` header carries
    /// (RFC 7515 §4.1.8) and what Entra shows as the certificate's thumbprint source.
    public let thumbprintSHA256: [UInt8]
    /// SHA-1 of the same: JOSE's `x5t` (RFC 7515 §4.1.7), the thumbprint AD FS takes.
    public let thumbprintSHA1: [UInt8]
    /// The certificate's notAfter as OpenSSL prints it, for the summary and for warnings.
    public let notAfter: String
    /// True when the certificate's validity has already ended.
    public let isExpired: Bool
    /// The key file, so a failure to sign with the key later names the file to fix.
    public let keySource: String

    /// Smaller RSA keys are refused by Entra and by OpenSSL's default security level.
    public static let minimumKeyBits: Int32 = 2048

    /// - Parameters:
    ///   - certificatePEM: the certificate first (a chain may follow; only the first counts).
    ///   - privateKeyPEM: an unencrypted RSA private key (PKCS#1 or PKCS#8 PEM).
    ///   - certificateSource, keySource: how to name each in error messages (their file paths).
    /// - Throws: `.configuration` naming the file: no certificate, no key, not RSA, too short,
    ///   or a key that does not belong to the certificate.
    public init(certificatePEM: String, privateKeyPEM: String, certificateSource: String, keySource: String) throws(TLSError) {
        self.keySource = keySource
        let certificate = try X509Certificate.all(fromPEM: certificatePEM, what: certificateSource)[0]
        key = try PrivateKey.fromPEM(privateKeyPEM, what: keySource)
        guard EVP_PKEY_get_base_id(key.pointer) == EVP_PKEY_RSA else {
            throw TLSError(.configuration, "\(keySource): not an RSA key; client assertions need RSA (PS256 or RS256)")
        }
        let bits = EVP_PKEY_get_bits(key.pointer)
        guard bits >= Self.minimumKeyBits else {
            throw TLSError(.configuration, "\(keySource): a \(bits)-bit RSA key is too short; use at least \(Self.minimumKeyBits) bits")
        }
        OpenSSLErrorQueue.clear()
        guard X509_check_private_key(certificate.pointer, key.pointer) == 1 else {
            throw TLSError(
                .configuration,
                OpenSSLErrorQueue.message("\(keySource) is not the private key of the certificate in \(certificateSource)"))
        }
        let der = try certificate.der()
        thumbprintSHA256 = SHA256.hash(der)
        thumbprintSHA1 = SHA1.hash(der)
        notAfter = certificate.notAfterText
        isExpired = X509_cmp_current_time(X509_get0_notAfter(certificate.pointer)) < 0
    }

    /// The signature of `message` under the private key.
    public func sign(_ message: [UInt8], scheme: RSASignatureScheme) throws(TLSError) -> [UInt8] {
        OpenSSLErrorQueue.clear()
        guard let context = EVP_MD_CTX_new() else {
            throw TLSError(.configuration, "EVP_MD_CTX_new failed: out of memory")
        }
        defer { EVP_MD_CTX_free(context) }
        var keyContext: OpaquePointer?
        guard EVP_DigestSignInit(context, &keyContext, EVP_sha256(), nil, key.pointer) == 1, let keyContext else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("EVP_DigestSignInit failed"))
        }
        try scheme.configure(keyContext)
        var length = 0
        let sized = message.withUnsafeBufferPointer { EVP_DigestSign(context, nil, &length, $0.baseAddress, $0.count) }
        guard sized == 1, length > 0 else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("EVP_DigestSign failed"))
        }
        var signature = [UInt8](repeating: 0, count: length)
        let signed = message.withUnsafeBufferPointer { input in
            signature.withUnsafeMutableBufferPointer { EVP_DigestSign(context, $0.baseAddress, &length, input.baseAddress, input.count) }
        }
        guard signed == 1 else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("EVP_DigestSign failed"))
        }
        return Array(signature.prefix(length))
    }
}
