/// A request-target split into path and query, without decoding (RFC 9112 §3.2).
///
/// Only the forms a browser sends to an origin server are accepted: origin-form, and
/// absolute-form for `http` (which RFC 9112 §3.2.2 requires servers to accept). The path stays
/// percent-encoded so the router decides how strictly to compare (`/%63allback` is not
/// `/callback` unless it chooses to decode).
public struct RequestTarget: Sendable, Equatable {
    /// The raw, still percent-encoded path, such as "/callback".
    public var path: String
    /// The raw query without "?", or nil when there is no "?".
    public var query: String?
    /// The authority of an absolute-form target ("localhost:8400"), nil for origin-form.
    public var authority: String?

    public init(path: String, query: String? = nil, authority: String? = nil) {
        self.path = path
        self.query = query
        self.authority = authority
    }

    public static func parse(_ target: String) throws(HTTPRequestError) -> RequestTarget {
        let bytes = Array(target.utf8)
        guard !bytes.isEmpty else { throw .badRequest("empty request target") }
        guard bytes.allSatisfy(HTTPGrammar.isVisible) else {
            throw .badRequest("invalid character in request target")
        }
        // Fragments are never sent in a request-target (RFC 9110 §4.2.5); one arriving means a
        // broken or hostile client.
        guard !bytes.contains(UInt8(ascii: "#")) else { throw .badRequest("fragment in request target") }

        if bytes[0] == UInt8(ascii: "/") {
            let (path, query) = splitQuery(bytes[...])
            return RequestTarget(path: path, query: query)
        }
        if bytes == [UInt8(ascii: "*")] {
            throw .badRequest("asterisk-form request target is not supported")
        }
        let scheme = Array("http://".utf8)
        if bytes.count >= scheme.count,
            HTTPGrammar.asciiCaseInsensitiveEquals(bytes[..<scheme.count], scheme)
        {
            let rest = bytes[scheme.count...]
            let authorityEnd =
                rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            guard !authority.isEmpty else { throw .badRequest("empty authority in request target") }
            // RFC 9110 §4.2.4: userinfo in an http URI is deprecated and must be refused.
            guard !authority.contains(UInt8(ascii: "@")) else {
                throw .badRequest("user info in request target")
            }
            var (path, query) = splitQuery(rest[authorityEnd...])
            if path.isEmpty { path = "/" }
            return RequestTarget(path: path, query: query, authority: String(decoding: authority, as: UTF8.self))
        }
        let secureScheme = Array("https://".utf8)
        if bytes.count >= secureScheme.count,
            HTTPGrammar.asciiCaseInsensitiveEquals(bytes[..<secureScheme.count], secureScheme)
        {
            throw .badRequest("https request target on a plain HTTP port")
        }
        throw .badRequest("unsupported request target form")
    }

    private static func splitQuery(_ bytes: ArraySlice<UInt8>) -> (String, String?) {
        guard let mark = bytes.firstIndex(of: UInt8(ascii: "?")) else {
            return (String(decoding: bytes, as: UTF8.self), nil)
        }
        return (
            String(decoding: bytes[..<mark], as: UTF8.self),
            String(decoding: bytes[(mark + 1)...], as: UTF8.self)
        )
    }
}
