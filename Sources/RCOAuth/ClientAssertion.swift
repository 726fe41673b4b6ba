import RCCrypto
import RCHTTP
import RCJSON

/// A signed JWT that authenticates a confidential client at the token endpoint (RFC 7523 §2.2,
/// `private_key_jwt` of OpenID Connect Core §9), in the form Entra documents for certificate
/// credentials: header `alg`, `typ` and `x5t#S256` (or `x5t`, for AD FS); claims `aud` (the token endpoint), `iss`
/// and `sub` (the client id), `jti`, `nbf`, `iat` and `exp`.
public enum ClientAssertion {
    /// `client_assertion_type` (RFC 7523 §2.2).
    public static let type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

    /// Seconds an assertion stays valid. Entra accepts at most ten minutes; five leaves room
    /// for clock skew without keeping a stolen assertion useful for long, and each token request
    /// gets a fresh one anyway.
    public static let lifetimeSeconds: Int64 = 300

    /// The compact JWS for one token request to `audience`, issued at `now` (epoch seconds)
    /// with the unique id `jti`.
    public static func make(
        clientID: String, audience: String, certificate: ClientCertificate, now: Int64, jti: String
    ) throws(TLSError) -> String {
        let thumbprint = certificate.headerMember
        let header = JSONObject([
            ("alg", .string(certificate.algorithm.rawValue)),
            ("typ", .string("JWT")),
            (thumbprint.name, .string(thumbprint.value)),
        ])
        let claims = JSONObject([
            ("aud", .string(audience)),
            ("iss", .string(clientID)),
            ("sub", .string(clientID)),
            ("jti", .string(jti)),
            ("nbf", .number(JSONNumber(now))),
            ("iat", .number(JSONNumber(now))),
            ("exp", .number(JSONNumber(now + lifetimeSeconds))),
        ])
        let signingInput = segment(header) + "." + segment(claims)
        let signature = try certificate.credential.sign(Array(signingInput.utf8), scheme: certificate.algorithm.scheme)
        return signingInput + "." + Base64.encodeURL(signature)
    }

    private static func segment(_ object: JSONObject) -> String {
        Base64.encodeURL(Array(JSONWriter.write(.object(object)).utf8))
    }
}
