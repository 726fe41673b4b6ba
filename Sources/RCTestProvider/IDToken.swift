import RCHTTP
import RCJSON

/// The id_token the provider returns when `openid` is asked for: a compact JWS (RFC 7515)
/// signed with HS256 under a per-provider random key. Enough for the daemon to check `nonce`,
/// `aud` and `iss`; nobody outside the process can verify it, which is the point of a test key.
enum IDToken {
    static func sign(
        issuer: String, subject: String, audience: String, issuedAt: Int, expires: Int, nonce: String?, key: [UInt8]
    ) -> String {
        let header = JSONObject([("alg", .string("HS256")), ("typ", .string("JWT"))])
        var claims: [(key: String, value: JSONValue)] = [
            ("iss", .string(issuer)),
            ("sub", .string(subject)),
            ("aud", .string(audience)),
            ("iat", .number(JSONNumber(Int64(issuedAt)))),
            ("nbf", .number(JSONNumber(Int64(issuedAt)))),
            ("exp", .number(JSONNumber(Int64(expires)))),
            ("preferred_username", .string(subject)),
        ]
        if let nonce { claims.append(("nonce", .string(nonce))) }
        let signingInput = encode(.object(header)) + "." + encode(.object(JSONObject(claims)))
        let signature = HMACSHA256.authenticate(Array(signingInput.utf8), key: key)
        return signingInput + "." + Base64.encodeURL(signature)
    }

    private static func encode(_ value: JSONValue) -> String {
        Base64.encodeURL(Array(JSONWriter.write(value).utf8))
    }
}
