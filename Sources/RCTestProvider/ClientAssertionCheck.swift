import RCCrypto
import RCHTTP
import RCJSON

/// How the provider checks a client assertion (RFC 7523 §3, and Entra's certificate credential
/// rules): the registered certificate's key verifies a PS256 or RS256 signature, `x5t#S256`
/// names that certificate, `aud` is this token endpoint, `iss` and `sub` are the client, the
/// validity window is open now and no longer than ten minutes, and `jti` was never seen before.
extension GrantStore {
    /// The longest `exp - nbf` Entra accepts.
    static let maximumAssertionLifetime = 600
    /// Clock skew forgiven on `nbf` and `exp`.
    static let assertionSkew = 60

    mutating func checkAssertion(_ request: TokenRequest, client: TestClient, _ context: GrantContext) throws(TokenError) {
        guard request["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" else {
            throw .invalidRequest(
                900144, "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.")
        }
        guard client.allowedAuthentication.contains(.privateKeyJWT) else {
            throw .invalidClient(7000218, "This client may not use private_key_jwt.", basic: false)
        }
        guard let certificatePEM = client.certificatePEM, let publicKey = try? RSAPublicKey(certificatePEM: certificatePEM) else {
            throw .invalidClient(700027, "No certificate is registered for the client.", basic: false)
        }
        guard let assertion = request["client_assertion"] else {
            throw .invalidRequest(900144, "The request body must contain the following parameter: 'client_assertion'.")
        }
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let header = Self.jsonObject(parts[0]), let claims = Self.jsonObject(parts[1]),
            let signature = Base64.decodeURL(parts[2])
        else {
            throw .invalidClient(700027, "The client assertion is not a compact JWS.", basic: false)
        }
        let scheme: RSASignatureScheme
        let accepted = context.options.assertionAlgorithms
        let alg = header["alg"]?.stringValue ?? ""
        switch alg {
        case "PS256" where accepted.contains(alg): scheme = .pssSHA256
        case "RS256" where accepted.contains(alg): scheme = .pkcs1v15SHA256
        default:
            throw .invalidClient(700027, "The client assertion's alg must be \(accepted.sorted().joined(separator: " or ")).", basic: false)
        }
        let thumbprintHeader = context.options.assertionThumbprintHeader
        let thumbprint = thumbprintHeader == "x5t" ? publicKey.thumbprintSHA1 : publicKey.thumbprintSHA256
        guard header[thumbprintHeader]?.stringValue == Base64.encodeURL(thumbprint) else {
            throw .invalidClient(
                700027, "The client assertion's \(thumbprintHeader) does not name a certificate registered for the client.", basic: false)
        }
        guard publicKey.verify(signature, of: Array((parts[0] + "." + parts[1]).utf8), scheme: scheme) else {
            throw .invalidClient(700027, "Client assertion failed signature validation.", basic: false)
        }
        guard claims["aud"]?.stringValue == context.tokenURL else {
            throw .invalidClient(700027, "The client assertion's audience must be the token endpoint \(context.tokenURL).", basic: false)
        }
        guard claims["iss"]?.stringValue == client.id, claims["sub"]?.stringValue == client.id else {
            throw .invalidClient(700021, "The client assertion's iss and sub must both be the client id.", basic: false)
        }
        guard let exp = claims["exp"]?.numberValue?.int64.map(Int.init) else {
            throw .invalidClient(700024, "The client assertion has no exp.", basic: false)
        }
        let start = (claims["nbf"] ?? claims["iat"])?.numberValue?.int64.map(Int.init) ?? context.wallNow
        let now = context.wallNow
        guard start <= now + Self.assertionSkew, exp > now - Self.assertionSkew else {
            throw .invalidClient(700024, "Client assertion is not within its valid time range.", basic: false)
        }
        guard exp - start <= Self.maximumAssertionLifetime else {
            throw .invalidClient(700024, "Client assertion is valid for more than 10 minutes.", basic: false)
        }
        guard let jti = claims["jti"]?.stringValue, !jti.isEmpty else {
            throw .invalidClient(700027, "The client assertion has no jti.", basic: false)
        }
        assertionIDs = assertionIDs.filter { $0.value + Self.assertionSkew > now }
        guard assertionIDs.updateValue(exp, forKey: jti) == nil else {
            throw .invalidClient(700027, "The client assertion was already used (jti replayed).", basic: false)
        }
        stats.clientAssertions += 1
        stats.lastAssertionHeader = "\(alg) \(thumbprintHeader)"
    }

    private static func jsonObject(_ segment: String) -> JSONObject? {
        guard let bytes = Base64.decodeURL(segment), case .object(let object) = try? JSONParser.parse(bytes) else { return nil }
        return object
    }
}
