import COpenSSL

/// An owned EVP_PKEY, freed with EVP_PKEY_free when its owner lets go.
final class PrivateKey {
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) { self.pointer = pointer }

    deinit { EVP_PKEY_free(pointer) }

    /// A fresh EC P-256 key: small, fast to generate, and accepted at every security level.
    static func generateP256() throws(TLSError) -> PrivateKey {
        OpenSSLErrorQueue.clear()
        guard let key = rc_EVP_EC_gen("P-256") else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("generating an EC P-256 key failed"))
        }
        return PrivateKey(owning: key)
    }

    /// The first private key in `pem` (unencrypted). `what` names the source in error messages.
    static func fromPEM(_ pem: String, what: String) throws(TLSError) -> PrivateKey {
        let bio = try MemoryBIO(text: pem)
        OpenSSLErrorQueue.clear()
        guard let key = PEM_read_bio_PrivateKey(bio.pointer, nil, nil, nil) else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("\(what): no valid unencrypted PEM private key"))
        }
        return PrivateKey(owning: key)
    }

    /// PKCS#8 PEM text of this key, unencrypted (test keys only ever live in memory or temp files).
    func pem() throws(TLSError) -> String {
        let bio = try MemoryBIO()
        guard PEM_write_bio_PrivateKey(bio.pointer, pointer, nil, nil, 0, nil, nil) == 1 else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("PEM_write_bio_PrivateKey failed"))
        }
        return bio.readAll()
    }
}
