import RCHTTP
import RCJSON

/// What an access token says it is for, read from its JWT payload to explain why an API
/// refuses it. The signature is not verified: nothing is decided on these claims, they only
/// name the audience and scopes in a sentence for the person who configured the account.
/// A token that is not a JWT (opaque, or encrypted) has no claims to show.
struct AccessTokenClaims: Equatable {
    /// `aud`: the API the token was minted for.
    var audience: [String] = []
    /// `scp` (delegated scopes, space-separated) and `roles` (application permissions).
    var scopes: [String] = []

    init(audience: [String] = [], scopes: [String] = []) {
        self.audience = audience
        self.scopes = scopes
    }

    /// The claims of `token`, or nil when it is not a signed JWT with a JSON object payload.
    init?(token: String) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64.decodeURL(String(parts[1])),
            case .object(let claims) = try? JSONParser.parse(payload)
        else { return nil }
        audience = Self.strings(claims["aud"])
        if case .string(let scp)? = claims["scp"] {
            scopes = scp.split(separator: " ").map(String.init)
        }
        scopes += Self.strings(claims["roles"])
    }

    /// A string, or the strings of an array (`aud` and `roles` come as either).
    private static func strings(_ value: JSONValue?) -> [String] {
        switch value {
        case .string(let text)?: return text.isEmpty ? [] : [text]
        case .array(let items)?: return items.compactMap { if case .string(let text) = $0 { text } else { nil } }
        default: return []
        }
    }

    /// "for audience X with scopes Y", or nil when the token shows neither. Sanitized: the
    /// claims come from the provider, and end up in a reply line and the journal.
    var summary: String? {
        var parts: [String] = []
        if !audience.isEmpty { parts.append("audience " + audience.map(Logger.sanitize).joined(separator: ", ")) }
        if !scopes.isEmpty { parts.append("scopes " + scopes.map(Logger.sanitize).joined(separator: " ")) }
        return parts.isEmpty ? nil : parts.joined(separator: " and ")
    }
}
