import COpenSSL

/// A TLS server's identity, for the test provider and `redirect-catcher demo`: a certificate
/// (optionally followed by its chain) and its private key, both PEM text held in memory so that
/// a demo needs no files. TLS 1.2 minimum; clients are not asked for certificates.
///
/// `@unchecked Sendable` for the same reason as `TLSClientContext`: the SSL_CTX is configured
/// completely in `init` and only read (by SSL_new, which OpenSSL makes thread-safe) afterwards.
public final class TLSServerContext: @unchecked Sendable {
    let context: SSLContext

    /// - Parameters:
    ///   - certificatePEM: the server certificate, then any intermediate certificates.
    ///   - privateKeyPEM: the certificate's unencrypted private key.
    /// - Throws: `.configuration` when either does not parse or the key does not match.
    public init(certificatePEM: String, privateKeyPEM: String) throws(TLSError) {
        context = try SSLContext(server: true)
        let certificates = try X509Certificate.all(fromPEM: certificatePEM, what: "server certificate")
        let key = try PrivateKey.fromPEM(privateKeyPEM, what: "server private key")
        OpenSSLErrorQueue.clear()
        // Both calls take their own reference, so our owners still free theirs.
        guard SSL_CTX_use_certificate(context.pointer, certificates[0].pointer) == 1 else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("server certificate rejected"))
        }
        for intermediate in certificates.dropFirst() {
            guard rc_SSL_CTX_add1_chain_cert(context.pointer, intermediate.pointer) == 1 else {
                throw TLSError(.configuration, OpenSSLErrorQueue.message("server certificate chain rejected"))
            }
        }
        guard SSL_CTX_use_PrivateKey(context.pointer, key.pointer) == 1,
            SSL_CTX_check_private_key(context.pointer) == 1
        else {
            throw TLSError(
                .configuration, OpenSSLErrorQueue.message("server private key does not match its certificate"))
        }
    }
}
