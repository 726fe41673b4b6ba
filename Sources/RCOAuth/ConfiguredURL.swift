import RCHTTP

/// A configured URL as ``URLPolicy`` reads it: RCHTTP's ``WebURL`` does the parsing, and this
/// keeps the three things `WebURL` refuses outright but the policy wants to name in its own
/// words: another scheme ("not an https URL"), a `#fragment` (refused with the RFC section that
/// forbids it), and the `:0` port placeholder a redirect URI carries while `listen.port` is 0.
struct ConfiguredURL {
    /// The URL without its fragment and placeholder port; for another scheme, parsed as http.
    let url: WebURL
    /// Lowercased, as written (`url.scheme` is "http" when this is another scheme).
    let scheme: String
    /// The text after the first `#`, nil when there is no `#`.
    let fragment: Substring?
    /// The URL names port 0: the placeholder for the port the listener binds at start-up.
    let hasPortPlaceholder: Bool

    /// The port as written (0 for the placeholder), or the scheme's default.
    var port: Int { hasPortPlaceholder ? 0 : Int(url.port) }
    var hasExplicitPort: Bool { hasPortPlaceholder || url.hasExplicitPort }

    /// Parses `text`, retrying `WebURL.parse` once without each part it refuses that the policy
    /// judges itself. `WebURL` checks characters, then the scheme, then the fragment, then the
    /// rest, so each part comes off in that order and the first real fault is the one reported.
    static func parse(_ text: String) throws(URLPolicyError) -> ConfiguredURL {
        var rest = Substring(text)
        var scheme: String?
        var fragment: Substring?
        var hasPortPlaceholder = false
        while true {
            do throws(WebURLError) {
                let url = try WebURL.parse(String(rest))
                return ConfiguredURL(
                    url: url, scheme: scheme ?? url.scheme, fragment: fragment, hasPortPlaceholder: hasPortPlaceholder)
            } catch .notHTTP where scheme == nil {
                let colon = try schemeEnd(in: rest)
                scheme = rest[..<colon].lowercased()
                rest = "http" + rest[colon...]
            } catch .hasFragment where fragment == nil {
                guard let hash = rest.firstIndex(of: "#") else { throw reason(.hasFragment) }
                fragment = rest[rest.index(after: hash)...]
                rest = rest[..<hash]
            } catch .badPort where !hasPortPlaceholder {
                guard let withoutPort = removingPortPlaceholder(rest) else { throw reason(.badPort) }
                hasPortPlaceholder = true
                rest = withoutPort
            } catch {
                throw reason(error)
            }
        }
    }

    /// `text` without a `:0` port (up to five zeros, as a port may be written), or nil when its
    /// authority names no such port. Textual, so the rest stays byte-for-byte as written.
    static func removingPortPlaceholder(_ text: Substring) -> Substring? {
        guard let authority = authorityRange(in: text) else { return nil }
        guard let colon = text[authority].lastIndex(of: ":"),
            !text[colon..<authority.upperBound].contains("]")
        else { return nil }
        let digits = text[text.index(after: colon)..<authority.upperBound]
        guard (1...5).contains(digits.count), digits.allSatisfy({ $0 == "0" }) else { return nil }
        return Substring(String(text[..<colon]) + text[authority.upperBound...])
    }

    /// The authority of `text`: from after `://` to the first `/`, `?` or `#`, or the end.
    static func authorityRange(in text: Substring) -> Range<String.Index>? {
        guard let schemeEnd = text.firstRange(of: "://") else { return nil }
        let rest = text[schemeEnd.upperBound...]
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        return schemeEnd.upperBound..<end
    }

    /// Where the scheme of a URL that `WebURL` refused as not http(s) ends, when it is a valid
    /// scheme (RFC 3986 §3.1) followed by `//`; the policy then refuses the scheme in its words.
    private static func schemeEnd(in text: Substring) throws(URLPolicyError) -> String.Index {
        guard let colon = text.firstIndex(of: ":") else { throw URLPolicyError(message: "not a URL: it has no scheme") }
        let scheme = text[..<colon]
        guard let first = scheme.first, first.isLetter,
            scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." })
        else { throw URLPolicyError(message: "not a URL: it has no valid scheme") }
        guard text[colon...].hasPrefix("://") else { throw URLPolicyError(message: "not a URL: it has no host") }
        return colon
    }

    /// The policy's wording, kept from before it used RCHTTP so config errors read the same.
    private static func reason(_ error: WebURLError) -> URLPolicyError {
        let phrase =
            switch error {
            case .spacesOrControlCharacters, .nonASCII:
                "contains a space, a control character or a non-ASCII character"
            case .hasUserInfo: "contains user information"
            case .emptyHost: "has no host"
            case .badHost: "has an invalid host"
            case .badPort: "has an invalid port"
            case .badPercentEncoding: "has an invalid percent-encoding"
            case .notHTTP, .hasFragment: error.description
            }
        return URLPolicyError(message: "not a URL: it \(phrase)")
    }
}
