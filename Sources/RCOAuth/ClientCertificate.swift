import RCCrypto
import RCHTTP

/// An account's certificate credential: the loaded key and certificate, and the algorithm its
/// client assertions use. Equal when the certificate (hence, checked at load, the key) and the
/// algorithm are; its textual form shows the public thumbprint only.
public struct ClientCertificate: Sendable, Equatable, CustomStringConvertible {
    /// Which thumbprint of the certificate names it in the assertion's header.
    public enum ThumbprintHeader: String, Sendable, Equatable {
        /// `x5t#S256` (SHA-256, RFC 7515 §4.1.8): what Entra documents.
        case x5tS256 = "x5t#S256"
        /// `x5t` (SHA-1, RFC 7515 §4.1.7): what MSAL sends to AD FS.
        case x5t
    }

    public let credential: ClientCertificateCredential
    public let algorithm: ClientAssertionAlgorithm
    public let header: ThumbprintHeader

    public init(credential: ClientCertificateCredential, algorithm: ClientAssertionAlgorithm = .ps256, header: ThumbprintHeader = .x5tS256) {
        self.credential = credential
        self.algorithm = algorithm
        self.header = header
    }

    /// `x5t#S256`, base64url: a name for the certificate in logs and the summary, whichever
    /// thumbprint the header carries.
    public var thumbprint: String { Base64.encodeURL(credential.thumbprintSHA256) }

    /// The header member that names the certificate: its name and base64url value.
    public var headerMember: (name: String, value: String) {
        switch header {
        case .x5tS256: (header.rawValue, thumbprint)
        case .x5t: (header.rawValue, Base64.encodeURL(credential.thumbprintSHA1))
        }
    }

    public var description: String {
        "certificate x5t#S256 \(thumbprint), \(algorithm.rawValue)\(header == .x5t ? " with an x5t header" : "")"
    }

    public static func == (lhs: ClientCertificate, rhs: ClientCertificate) -> Bool {
        lhs.credential.thumbprintSHA256 == rhs.credential.thumbprintSHA256 && lhs.algorithm == rhs.algorithm
            && lhs.header == rhs.header
    }
}
