/// Why a configured URL was refused; `description` is a short phrase for an error message
/// such as "accounts.x.token_url: has a fragment".
public enum WebURLError: Error, Equatable, Sendable, CustomStringConvertible {
    case notHTTP
    case hasFragment
    case hasUserInfo
    case badPort
    case emptyHost
    case badHost
    case spacesOrControlCharacters
    case nonASCII
    case badPercentEncoding

    public var description: String {
        switch self {
        case .notHTTP: "not an http or https URL"
        case .hasFragment: "has a fragment"
        case .hasUserInfo: "has user info"
        case .badPort: "bad port"
        case .emptyHost: "empty host"
        case .badHost: "bad host"
        case .spacesOrControlCharacters: "contains spaces or control characters"
        case .nonASCII: "contains non-ASCII characters (percent-encode them, or use punycode for the host)"
        case .badPercentEncoding: "bad percent-encoding"
        }
    }
}
