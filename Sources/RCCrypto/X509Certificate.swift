import COpenSSL

/// An owned X509 certificate, freed with X509_free when its owner lets go.
final class X509Certificate {
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) { self.pointer = pointer }

    /// A new, empty certificate to fill in and sign.
    convenience init() throws(TLSError) {
        guard let cert = X509_new() else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("X509_new failed: out of memory"))
        }
        self.init(owning: cert)
    }

    deinit { X509_free(pointer) }

    /// Every certificate in `pem`, in order (a leaf followed by its chain). `what` names the
    /// source in error messages. Fails when there is none or one does not parse.
    static func all(fromPEM pem: String, what: String) throws(TLSError) -> [X509Certificate] {
        let bio = try MemoryBIO(text: pem)
        var certificates: [X509Certificate] = []
        OpenSSLErrorQueue.clear()
        while let cert = PEM_read_bio_X509(bio.pointer, nil, nil, nil) {
            certificates.append(X509Certificate(owning: cert))
        }
        // Reading stops with "no start line" at the end of the text; that entry is expected,
        // but any other means a certificate was malformed.
        let reason = ERR_GET_REASON(ERR_peek_last_error())
        if certificates.isEmpty || (reason != 0 && reason != PEM_R_NO_START_LINE) {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("\(what): no valid PEM certificate"))
        }
        OpenSSLErrorQueue.clear()
        return certificates
    }

    /// PEM text of this certificate.
    func pem() throws(TLSError) -> String {
        let bio = try MemoryBIO()
        guard PEM_write_bio_X509(bio.pointer, pointer) == 1 else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("PEM_write_bio_X509 failed"))
        }
        return bio.readAll()
    }
}
