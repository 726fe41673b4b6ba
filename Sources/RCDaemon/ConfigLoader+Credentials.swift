import RCCrypto
import RCOAuth

/// Files that hold client credentials (a secret, a certificate and its key): named absolutely,
/// or relative to `$CREDENTIALS_DIRECTORY` so that a unit can hand them over with systemd's
/// `LoadCredential=` and the daemon never needs read access to where they are kept.
extension AccountContext {
    /// The path `node` names and the file's bytes. When the file holds a secret (`holding`
    /// names it), a mode that lets other users read it is a warning.
    mutating func credentialFile(_ node: ConfigNode, holding secret: String? = nil) throws(ConfigError) -> (path: String, bytes: [UInt8]) {
        let name = try node.nonEmptyString()
        let path: String
        if name.hasPrefix("/") {
            path = name
        } else if let directory = credentialsDirectory, !directory.isEmpty {
            path = (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + "/" + name
        } else {
            throw node.error(
                "\"\(name)\" is relative and $CREDENTIALS_DIRECTORY is not set (systemd LoadCredential=): use an absolute path")
        }
        switch ConfigLoader.readFile(path) {
        case .success(let content):
            if let secret { warnIfReadableByOthers(path: path, mode: content.mode, holding: secret, node: node) }
            return (path, content.bytes)
        case .failure(let problem): throw node.error("\(path): \(problem.message)")
        }
    }

    /// The certificate credential from `client_certificate_file` and `client_key_file` (both or
    /// neither), loaded and checked now so that a wrong file stops the daemon at start-up rather
    /// than at the first token request; nil when neither is set.
    /// AD FS gets what MSAL sends it, RS256 with an `x5t` (SHA-1) header; no AD FS document says
    /// it takes PS256 or `x5t#S256`, which Entra recommends and everyone else gets.
    mutating func certificate(node: ConfigNode, provider: Provider) throws(ConfigError) -> ClientCertificate? {
        let certificateNode = node.member("client_certificate_file")
        let keyNode = node.member("client_key_file")
        let algorithmNode = node.member("client_assertion_alg")
        guard let certificateNode, let keyNode else {
            if certificateNode != nil {
                throw node.child("client_key_file").error("required with client_certificate_file: the certificate's RSA private key (PEM)")
            }
            if keyNode != nil {
                throw node.child("client_certificate_file").error("required with client_key_file: the certificate (PEM) registered with the provider")
            }
            if let algorithmNode { throw algorithmNode.error("only with client_certificate_file and client_key_file") }
            return nil
        }
        var algorithm: ClientAssertionAlgorithm = provider == .adfs ? .rs256 : .ps256
        if let algorithmNode {
            let text = try algorithmNode.string()
            guard let value = ClientAssertionAlgorithm(rawValue: text) else {
                throw algorithmNode.error("must be \"PS256\" or \"RS256\"")
            }
            algorithm = value
        }
        let certificate = try credentialFile(certificateNode)
        let key = try credentialFile(keyNode, holding: "the private key")
        let credential: ClientCertificateCredential
        do {
            credential = try ClientCertificateCredential(
                certificatePEM: String(decoding: certificate.bytes, as: UTF8.self),
                privateKeyPEM: String(decoding: key.bytes, as: UTF8.self),
                certificateSource: certificate.path, keySource: key.path)
        } catch {
            // Name the key that points at the file the message is about.
            let blamed = error.message.hasPrefix(certificate.path) ? certificateNode : keyNode
            throw blamed.error(error.message)
        }
        if credential.isExpired {
            warnings.append(
                certificateNode.error(
                    "the certificate expired \(credential.notAfter): the provider will refuse its assertions; upload a new one"))
        }
        return ClientCertificate(credential: credential, algorithm: algorithm, header: provider == .adfs ? .x5t : .x5tS256)
    }
}
