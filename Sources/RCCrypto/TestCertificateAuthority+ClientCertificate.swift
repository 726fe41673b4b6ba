extension TestCertificateAuthority {
    /// A client certificate with a fresh RSA key, as one uploads to an app registration's
    /// "Certificates & secrets": the daemon signs client assertions with the key, and the test
    /// provider checks them against the certificate. `validDays` zero or negative gives an
    /// already expired certificate; `keyBits` below 2048 gives one the daemon must refuse.
    public func issueClientCertificate(
        commonName: String, validDays: Int = 2, keyBits: UInt32 = 2048
    ) throws(TLSError) -> (certificatePEM: String, privateKeyPEM: String) {
        try issueLeaf(
            commonName: commonName, key: try PrivateKey.generateRSA(bits: keyBits), validDays: validDays, extendedKeyUsage: "clientAuth")
    }
}
