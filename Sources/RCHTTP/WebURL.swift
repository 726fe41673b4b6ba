/// An absolute `http` or `https` URL, as configured for provider endpoints and redirect URIs.
///
/// Deliberately narrower than RFC 3986: no user info, no fragment, ASCII only, a host that is a
/// DNS name or an IP literal. Anything outside that is far more likely a mistake in a config
/// file than a real endpoint, and it is better refused at startup with a clear reason.
/// `description` reproduces the URL (scheme and host lowercased, an explicit port kept) because
/// a redirect URI must be sent exactly as registered.
public struct WebURL: Sendable, Equatable, CustomStringConvertible {
    /// "http" or "https", lowercased.
    public var scheme: String
    /// Lowercased; an IPv6 literal without its brackets.
    public var host: String
    /// The explicit port or the scheme's default (80 or 443).
    public var port: UInt16
    public var hasExplicitPort: Bool
    /// The raw path, "/" when the URL has none.
    public var path: String
    /// The raw query without "?", nil when there is no "?".
    public var query: String?

    public init(scheme: String, host: String, port: UInt16, hasExplicitPort: Bool, path: String, query: String?) {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.hasExplicitPort = hasExplicitPort
        self.path = path
        self.query = query
    }

    public static func parse(_ text: String) throws(WebURLError) -> WebURL {
        let bytes = Array(text.utf8)
        for byte in bytes {
            if byte <= 0x20 || byte == 0x7F { throw .spacesOrControlCharacters }
            if byte >= 0x80 { throw .nonASCII }
        }
        guard let schemeEnd = bytes.firstIndex(of: UInt8(ascii: ":")),
            bytes[schemeEnd...].starts(with: Array("://".utf8))
        else { throw .notHTTP }
        let scheme = HTTPGrammar.asciiLowercased(String(decoding: bytes[..<schemeEnd], as: UTF8.self))
        let defaultPort: UInt16
        switch scheme {
        case "http": defaultPort = 80
        case "https": defaultPort = 443
        default: throw .notHTTP
        }
        if bytes.contains(UInt8(ascii: "#")) { throw .hasFragment }

        let rest = bytes[(schemeEnd + 3)...]
        let authorityEnd = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        if authority.contains(UInt8(ascii: "@")) { throw .hasUserInfo }

        let hostPart: ArraySlice<UInt8>
        let portPart: ArraySlice<UInt8>?
        let host: String
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { throw .badHost }
            hostPart = authority[(authority.startIndex + 1)..<close]
            let afterClose = authority[(close + 1)...]
            if afterClose.isEmpty {
                portPart = nil
            } else if afterClose.first == UInt8(ascii: ":") {
                portPart = afterClose.dropFirst()
            } else {
                throw .badHost
            }
            let literal = HTTPGrammar.asciiLowercased(String(decoding: hostPart, as: UTF8.self))
            guard IPAddressLiteral.parseIPv6(literal) != nil else { throw .badHost }
            host = literal
        } else {
            if let colon = authority.firstIndex(of: UInt8(ascii: ":")) {
                hostPart = authority[..<colon]
                portPart = authority[(colon + 1)...]
            } else {
                hostPart = authority
                portPart = nil
            }
            guard !hostPart.isEmpty else { throw .emptyHost }
            host = HTTPGrammar.asciiLowercased(String(decoding: hostPart, as: UTF8.self))
            try validateName(host)
        }
        guard !host.isEmpty else { throw .emptyHost }

        var port = defaultPort
        if let portPart {
            guard !portPart.isEmpty, portPart.count <= 5, portPart.allSatisfy(HTTPGrammar.isDigit) else {
                throw .badPort
            }
            let value = portPart.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard (1...65535).contains(value) else { throw .badPort }
            port = UInt16(value)
        }

        let pathAndQuery = rest[authorityEnd...]
        let queryMark = pathAndQuery.firstIndex(of: UInt8(ascii: "?"))
        let pathBytes = pathAndQuery[..<(queryMark ?? pathAndQuery.endIndex)]
        let queryBytes = queryMark.map { pathAndQuery[($0 + 1)...] }
        try validatePercentEscapes(pathBytes)
        if let queryBytes { try validatePercentEscapes(queryBytes) }

        return WebURL(
            scheme: scheme, host: host, port: port, hasExplicitPort: portPart != nil,
            path: pathBytes.isEmpty ? "/" : String(decoding: pathBytes, as: UTF8.self),
            query: queryBytes.map { String(decoding: $0, as: UTF8.self) })
    }

    /// True for "localhost", 127.0.0.0/8 and ::1 (RFC 8252 §7.3 loopback redirects).
    public var isLoopback: Bool {
        if host == "localhost" { return true }
        if let address = IPAddressLiteral.parseIPv4(host) { return address[0] == 127 }
        if let address = IPAddressLiteral.parseIPv6(host) {
            return address == IPAddressLiteral.ipv6Loopback
        }
        return false
    }

    /// True when the host is an IPv4 or IPv6 literal rather than a name (no SNI for literals).
    public var isIPLiteral: Bool {
        IPAddressLiteral.parseIPv4(host) != nil || IPAddressLiteral.parseIPv6(host) != nil
    }

    /// The value for a Host header (RFC 9110 §7.2): the port is included unless it is the
    /// scheme's default, and an IPv6 literal gets its brackets back.
    public var hostHeader: String {
        let defaultPort: UInt16 = scheme == "https" ? 443 : 80
        return port == defaultPort ? bracketedHost : "\(bracketedHost):\(port)"
    }

    /// The origin-form request-target: path plus "?query" when there is a query.
    public var requestTarget: String {
        query.map { "\(path)?\($0)" } ?? path
    }

    public var description: String {
        let authority = hasExplicitPort ? "\(bracketedHost):\(port)" : bracketedHost
        return "\(scheme)://\(authority)\(requestTarget)"
    }

    private var bracketedHost: String {
        host.utf8.contains(UInt8(ascii: ":")) ? "[\(host)]" : host
    }

    /// A DNS name of letters, digits, '-', '.', '_' (reg-name narrowed to what DNS can carry),
    /// or an IPv4 literal; something all digits and dots that is not a valid address is
    /// refused rather than sent to the resolver, which may read it in surprising ways.
    private static func validateName(_ host: String) throws(WebURLError) {
        let bytes = Array(host.utf8)
        if bytes.allSatisfy({ HTTPGrammar.isDigit($0) || $0 == UInt8(ascii: ".") }) {
            guard IPAddressLiteral.parseIPv4(host) != nil else { throw .badHost }
            return
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"),
                UInt8(ascii: "."), UInt8(ascii: "_"):
                continue
            default:
                throw .badHost
            }
        }
        // Empty labels are refused, except the empty root label after a trailing dot.
        let labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if labels.dropLast().contains(where: \.isEmpty) { throw .badHost }
    }

    private static func validatePercentEscapes(_ bytes: ArraySlice<UInt8>) throws(WebURLError) {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, HTTPGrammar.hexValue(bytes[index + 1]) != nil, HTTPGrammar.hexValue(bytes[index + 2]) != nil else {
                    throw .badPercentEncoding
                }
                index += 3
            } else {
                index += 1
            }
        }
    }
}
