import RCCrypto
import RCHTTP

/// An account's certificate credential: the loaded key and certificate, and the algorithm its
/// client assertions use. Equal when the certificate (hence, checked at load, the key) and the
/// algorithm are; its textual form shows the public thumbprint only.
public struct ClientCertificate: Sendable, Equatable, CustomStringConvertible {
    public let credential: ClientCertificateCredential
    public let algorithm: ClientAssertionAlgorithm

    public init(credential: ClientCertificateCredential, algorithm: ClientAssertionAlgorithm = .ps256) {
        self.credential = credential
        self.algorithm = algorithm
    }

    /// `x5t#S256`, base64url: the header value, and a name for the certificate in logs.
    public var thumbprint: String { Base64.encodeURL(credential.thumbprintSHA256) }

    public var description: String { "certificate x5t#S256 \(thumbprint), \(algorithm.rawValue)" }

    public static func == (lhs: ClientCertificate, rhs: ClientCertificate) -> Bool {
        lhs.credential.thumbprintSHA256 == rhs.credential.thumbprintSHA256 && lhs.algorithm == rhs.algorithm
    }
}
