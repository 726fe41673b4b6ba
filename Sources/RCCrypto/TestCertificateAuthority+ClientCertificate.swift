import COpenSSL

extension TestCertificateAuthority {
    /// A client certificate with a fresh RSA key, as one uploads to an app registration's
    /// "Certificates & secrets": the daemon signs client assertions with the key, and the test
    /// provider checks them against the certificate. `validDays` zero or negative gives an
    /// already expired certificate; `keyBits` below 2048 gives one the daemon must refuse.
    public func issueClientCertificate(
        commonName: String, validDays: Int = 2, keyBits: UInt32 = 2048
    ) throws(TLSError) -> (certificatePEM: String, privateKeyPEM: String) {
        let caCertificate = try X509Certificate.all(fromPEM: certificatePEM, what: "test CA certificate")[0]
        let caKey = try PrivateKey.fromPEM(privateKeyPEM, what: "test CA private key")
        let key = try PrivateKey.generateRSA(bits: keyBits)
        let certificate = try Self.makeCertificate(
            commonName: commonName, publicKey: key, issuer: caCertificate, issuerKey: caKey, validDays: validDays,
            extensions: [
                (NID_basic_constraints, "critical,CA:FALSE"),
                (NID_key_usage, "critical,digitalSignature"),
                (NID_ext_key_usage, "clientAuth"),
                (NID_subject_key_identifier, "hash"),
                (NID_authority_key_identifier, "keyid:always"),
            ])
        return (try certificate.pem(), try key.pem())
    }
}
