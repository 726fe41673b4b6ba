/// A client registration at the test provider.
public struct TestClient: Sendable, Equatable {
    /// The ways a confidential client may present its secret at the token endpoint.
    public struct Authentication: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// `client_secret` in the form body (`client_secret_post`).
        public static let post = Authentication(rawValue: 1)
        /// HTTP Basic with the form-encoded id and secret (`client_secret_basic`).
        public static let basic = Authentication(rawValue: 2)
        /// A client assertion signed with the key of `certificatePEM` (`private_key_jwt`).
        public static let privateKeyJWT = Authentication(rawValue: 4)
    }

    public var id: String
    /// nil for a public client, which must not send any secret.
    public var secret: String?
    /// Exact-match redirect URIs. Empty accepts any `http://localhost:PORT/...` or
    /// `http://127.0.0.1:PORT/...`, the way native-app registrations behave for loopback.
    public var redirectURIs: [String]
    /// Which methods a confidential client may use; ignored for public clients.
    public var allowedAuthentication: Authentication
    /// The certificate (PEM) uploaded for this client, as in Entra's "Certificates & secrets":
    /// its RSA key verifies client assertions and its SHA-256 thumbprint must match `x5t#S256`.
    /// A client with a certificate is confidential even without a secret.
    public var certificatePEM: String?

    public init(
        id: String, secret: String? = nil, redirectURIs: [String] = [],
        allowedAuthentication: Authentication = [.post, .basic, .privateKeyJWT], certificatePEM: String? = nil
    ) {
        self.id = id
        self.secret = secret
        self.redirectURIs = redirectURIs
        self.allowedAuthentication = allowedAuthentication
        self.certificatePEM = certificatePEM
    }

    /// True when the client must prove itself at the token endpoint.
    public var isConfidential: Bool { secret != nil || certificatePEM != nil }

    /// The public client the demo uses.
    public static let demo = TestClient(id: "demo-client")
}
