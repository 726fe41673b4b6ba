import RCHTTP

/// A `POST /token` request reduced to its parameters and any HTTP Basic credentials, after the
/// framing checks that real providers make before looking at the grant.
struct TokenRequest: Sendable {
    var parameters: [String: String]
    var basic: (id: String, secret: String)?

    subscript(_ name: String) -> String? { parameters[name] }

    static func parse(contentType: String?, authorization: String?, body: [UInt8]) throws(TokenError) -> TokenRequest {
        // RFC 6749 §3.2: the token endpoint takes only form bodies.
        let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingSpaces.lowercased() }
        guard mediaType == "application/x-www-form-urlencoded" else {
            throw .invalidRequest(900144, "The request body must be application/x-www-form-urlencoded.")
        }
        guard let text = String(validating: body, as: UTF8.self) else {
            throw .invalidRequest(900144, "The request body is not UTF-8.")
        }
        let pairs: [(name: String, value: String)]
        do {
            pairs = try FormDecoding.decode(text)
        } catch {
            throw .invalidRequest(900144, "The request body is not a valid form.")
        }
        var parameters: [String: String] = [:]
        for pair in pairs {
            // RFC 6749 §3.2: request parameters must not be included more than once.
            guard parameters.updateValue(pair.value, forKey: pair.name) == nil else {
                throw .invalidRequest(90015, "The parameter '\(pair.name)' is duplicated.")
            }
        }
        return TokenRequest(parameters: parameters, basic: try basicCredentials(authorization))
    }

    /// RFC 6749 §2.3.1: Basic over the form-encoded id and secret.
    private static func basicCredentials(_ header: String?) throws(TokenError) -> (id: String, secret: String)? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic" else {
            throw .invalidClient(7000218, "Only HTTP Basic client authentication is supported.", basic: true)
        }
        guard let decoded = Base64.decode(String(parts[1]).trimmingSpaces),
            let text = String(validating: decoded, as: UTF8.self),
            let colon = text.firstIndex(of: ":"),
            let id = try? FormDecoding.percentDecode(formSpaces(text[..<colon])),
            let secret = try? FormDecoding.percentDecode(formSpaces(text[text.index(after: colon)...]))
        else {
            throw .invalidClient(7000218, "The HTTP Basic credentials are malformed.", basic: true)
        }
        return (id, secret)
    }

    /// Form encoding writes a space as '+'; percentDecode keeps '+', so turn it back first.
    private static func formSpaces(_ text: Substring) -> String {
        String(text).replacing("+", with: " ")
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
