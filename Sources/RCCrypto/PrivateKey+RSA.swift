import COpenSSL

extension PrivateKey {
    /// A fresh RSA key of `bits` bits (public exponent 65537), for test client certificates:
    /// client assertions are RSA-only at Entra.
    static func generateRSA(bits: UInt32 = 2048) throws(TLSError) -> PrivateKey {
        OpenSSLErrorQueue.clear()
        guard let key = rc_EVP_RSA_gen(bits) else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("generating a \(bits)-bit RSA key failed"))
        }
        return PrivateKey(owning: key)
    }
}
