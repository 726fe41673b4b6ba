import COpenSSL

/// A certificate authority made in memory with OpenSSL (EC P-256 keys, SHA-256 signatures), for
/// the end-to-end tests and `redirect-catcher demo`, so that neither needs the openssl command.
///
/// Only PEM text is kept, which makes the value `Sendable` and easy to write to a file for
/// other TLS peers; each issuing call parses it again, which costs microseconds.
public struct TestCertificateAuthority: Sendable {
    /// The CA's self-signed certificate: what a client trusts (its `ca_file`).
    public let certificatePEM: String
    /// The CA's private key (PKCS#8, unencrypted).
    public let privateKeyPEM: String

    /// A new CA, valid from a day ago for `validDays` days (zero or negative: already expired).
    public static func generate(
        commonName: String = "redirect-catcher test CA", validDays: Int = 2
    ) throws(TLSError) -> TestCertificateAuthority {
        let key = try PrivateKey.generateP256()
        let certificate = try Self.makeCertificate(
            commonName: commonName, publicKey: key, issuer: nil, issuerKey: key, validDays: validDays,
            extensions: [
                (NID_basic_constraints, "critical,CA:TRUE"),
                (NID_key_usage, "critical,keyCertSign,cRLSign"),
                (NID_subject_key_identifier, "hash"),
            ])
        return TestCertificateAuthority(certificatePEM: try certificate.pem(), privateKeyPEM: try key.pem())
    }

    /// A server certificate signed by this CA, for every DNS name and IP address given
    /// (subjectAltName), with basicConstraints CA:FALSE and extendedKeyUsage serverAuth.
    /// `validDays` zero or negative gives an already expired certificate, for tests.
    public func issueServerCertificate(
        dnsNames: [String], ipAddresses: [String], validDays: Int = 2
    ) throws(TLSError) -> (certificatePEM: String, privateKeyPEM: String) {
        let names = dnsNames.map { "DNS:\($0)" } + ipAddresses.map { "IP:\($0)" }
        // The names go into an OpenSSL config string, where a comma would start another entry.
        guard let first = dnsNames.first ?? ipAddresses.first,
            !(dnsNames + ipAddresses).contains(where: { $0.isEmpty || $0.contains(",") || $0.utf8.contains(0) })
        else {
            throw TLSError(.configuration, "test certificate: needs at least one DNS name or IP address, none empty or with a comma")
        }
        return try issueLeaf(
            commonName: first, key: try PrivateKey.generateP256(), validDays: validDays, extendedKeyUsage: "serverAuth",
            subjectAltName: names.joined(separator: ","))
    }

    /// A certificate for `key` signed by this CA: CA:FALSE, digitalSignature, the given
    /// extendedKeyUsage and, when given, subjectAltName.
    func issueLeaf(
        commonName: String, key: PrivateKey, validDays: Int, extendedKeyUsage: String, subjectAltName: String? = nil
    ) throws(TLSError) -> (certificatePEM: String, privateKeyPEM: String) {
        let caCertificate = try X509Certificate.all(fromPEM: certificatePEM, what: "test CA certificate")[0]
        let caKey = try PrivateKey.fromPEM(privateKeyPEM, what: "test CA private key")
        var extensions: [(Int32, String)] = [
            (NID_basic_constraints, "critical,CA:FALSE"),
            (NID_key_usage, "critical,digitalSignature"),
            (NID_ext_key_usage, extendedKeyUsage),
        ]
        if let subjectAltName { extensions.append((NID_subject_alt_name, subjectAltName)) }
        extensions += [(NID_subject_key_identifier, "hash"), (NID_authority_key_identifier, "keyid:always")]
        let certificate = try Self.makeCertificate(
            commonName: commonName, publicKey: key, issuer: caCertificate, issuerKey: caKey, validDays: validDays,
            extensions: extensions)
        return (try certificate.pem(), try key.pem())
    }

    /// Builds and signs an X.509 v3 certificate; `issuer` nil means self-signed.
    private static func makeCertificate(
        commonName: String, publicKey: PrivateKey, issuer: X509Certificate?, issuerKey: PrivateKey,
        validDays: Int, extensions: [(Int32, String)]
    ) throws(TLSError) -> X509Certificate {
        let certificate = try X509Certificate()
        let cert = certificate.pointer
        OpenSSLErrorQueue.clear()
        // A random positive serial: browsers and OpenSSL reject two certificates from one issuer
        // with the same serial, and tests make many.
        let serial = SecureRandom.integer(below: UInt64(Int64.max)) + 1
        let day = 86_400
        // Start a day back (or before an expiry in the past), so that clock skew between test
        // peers never makes a fresh certificate "not yet valid".
        let notBefore = min(validDays, 0) * day - day
        guard X509_set_version(cert, Int(X509_VERSION_3)) == 1,
            ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial) == 1,
            X509_gmtime_adj(X509_getm_notBefore(cert), notBefore) != nil,
            X509_gmtime_adj(X509_getm_notAfter(cert), validDays * day) != nil,
            X509_set_pubkey(cert, publicKey.pointer) == 1,
            X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_UTF8, commonName, -1, -1, 0) == 1,
            X509_set_issuer_name(cert, X509_get_subject_name(issuer?.pointer ?? cert)) == 1
        else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("test certificate for \(commonName): cannot fill in fields"))
        }
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer?.pointer ?? cert, cert, nil, nil, 0)
        for (nid, value) in extensions {
            guard let extensionPointer = X509V3_EXT_conf_nid(nil, &context, nid, value) else {
                throw TLSError(.configuration, OpenSSLErrorQueue.message("test certificate for \(commonName): bad extension \(value)"))
            }
            // X509_add_ext copies the extension, so it is freed here on every path.
            defer { X509_EXTENSION_free(extensionPointer) }
            guard X509_add_ext(cert, extensionPointer, -1) == 1 else {
                throw TLSError(.configuration, OpenSSLErrorQueue.message("test certificate for \(commonName): cannot add \(value)"))
            }
        }
        guard X509_sign(cert, issuerKey.pointer, EVP_sha256()) > 0 else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("test certificate for \(commonName): signing failed"))
        }
        return certificate
    }
}
