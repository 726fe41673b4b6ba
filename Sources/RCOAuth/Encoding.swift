// TODO(lead): switch to RCHTTP's FormEncoding/Base64/WebURL once merged.
// These interim copies mirror RCHTTP's announced names and behaviour so that the switch is
// deleting this file and adding `import RCHTTP`; they are internal so nothing else depends on them.

/// RFC 3986 percent-encoding and `application/x-www-form-urlencoded` bodies.
enum FormEncoding {
    /// Keeps RFC 3986 unreserved characters and encodes every other UTF-8 byte as `%XX`
    /// (uppercase), so a space becomes `%20` and `+` becomes `%2B`: both parse the same in a
    /// query and in a form body, which is why one function serves both.
    static func percentEncode(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += "%" + hexDigit(byte >> 4) + hexDigit(byte & 0x0F)
            }
        }
        return output
    }

    /// `name=value` pairs joined with `&`, each side percent-encoded, in the given order.
    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { percentEncode($0.0) + "=" + percentEncode($0.1) }.joined(separator: "&")
    }

    private static func hexDigit(_ nibble: UInt8) -> String {
        String(Unicode.Scalar(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "A") + nibble - 10))
    }
}

/// RFC 4648 base64, standard (§4, padded) and URL-safe (§5, unpadded) alphabets.
enum Base64 {
    private static let standard = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlSafe = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Standard alphabet with `=` padding, as HTTP Basic authentication needs.
    static func encode(_ bytes: [UInt8]) -> String { encode(bytes, alphabet: standard, pad: true) }

    /// URL-safe alphabet without padding, as PKCE (RFC 7636 Appendix A) and JWTs use.
    static func encodeURL(_ bytes: [UInt8]) -> String { encode(bytes, alphabet: urlSafe, pad: false) }

    private static func encode(_ bytes: [UInt8], alphabet: [UInt8], pad: Bool) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = UInt32(bytes[index])
            let b1 = remaining > 1 ? UInt32(bytes[index + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[index + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            output.append(alphabet[Int(group >> 18 & 0x3F)])
            output.append(alphabet[Int(group >> 12 & 0x3F)])
            if remaining > 1 { output.append(alphabet[Int(group >> 6 & 0x3F)]) } else if pad { output.append(UInt8(ascii: "=")) }
            if remaining > 2 { output.append(alphabet[Int(group & 0x3F)]) } else if pad { output.append(UInt8(ascii: "=")) }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Why a string is not an absolute http(s)-style URL.
struct WebURLError: Error, Sendable, Equatable, CustomStringConvertible {
    let description: String
}

/// An absolute URL split into the parts the OAuth rules look at.
///
/// Deliberately narrow: no user information (credentials in a URL are refused), ASCII only, and a
/// host that is a DNS name, an IPv4 address or a bracketed IPv6 literal.
struct WebURL: Sendable, Equatable, CustomStringConvertible {
    /// Lowercased.
    let scheme: String
    /// Lowercased; an IPv6 literal keeps its brackets (`[::1]`).
    let host: String
    /// The explicit port, or the scheme's default (80, 443; 0 when unknown).
    let port: Int
    let hasExplicitPort: Bool
    /// The `:port` text as written (empty without an explicit port), so a caller can replace it.
    var hostPortText: String {
        guard hasExplicitPort, let schemeEnd = description.firstRange(of: "://") else { return "" }
        let rest = description[schemeEnd.upperBound...]
        let authority = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        guard let colon = authority.lastIndex(of: ":") else { return "" }
        return String(authority[colon...])
    }
    /// Everything from the first `/` after the host up to `?` or `#`; may be empty.
    let path: String
    let query: String?
    let fragment: String?
    let description: String

    /// True for `localhost`, `127.0.0.0/8` and `[::1]`: hosts that cannot leave the machine.
    var isLoopback: Bool {
        if host == "localhost" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    static func parse(_ text: String) throws(WebURLError) -> WebURL {
        for scalar in text.unicodeScalars where scalar.value <= 0x20 || scalar.value >= 0x7F {
            throw WebURLError(description: "contains a space, a control character or a non-ASCII character")
        }
        guard let colon = text.firstIndex(of: ":") else { throw WebURLError(description: "has no scheme") }
        let scheme = text[..<colon].lowercased()
        guard let first = scheme.first, first.isLetter,
            scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." })
        else { throw WebURLError(description: "has no valid scheme") }
        let afterScheme = text[text.index(after: colon)...]
        guard afterScheme.hasPrefix("//") else { throw WebURLError(description: "has no host") }
        let rest = afterScheme.dropFirst(2)
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var tail = rest[authorityEnd...]
        guard !authority.contains("@") else { throw WebURLError(description: "contains user information") }

        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw WebURLError(description: "has an unclosed IPv6 literal") }
            host = authority[...close]
            let inside = authority[authority.index(after: authority.startIndex)..<close]
            guard !inside.isEmpty, inside.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw WebURLError(description: "has an invalid IPv6 literal")
            }
            let afterClose = authority[authority.index(after: close)...]
            if !afterClose.isEmpty {
                guard afterClose.hasPrefix(":") else { throw WebURLError(description: "has junk after the IPv6 literal") }
                portText = afterClose.dropFirst()
            }
        } else if let portColon = authority.firstIndex(of: ":") {
            host = authority[..<portColon]
            portText = authority[authority.index(after: portColon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw WebURLError(description: "has no host") }
        if !host.hasPrefix("[") {
            guard host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" || $0 == "~" }) else {
                throw WebURLError(description: "has an invalid host")
            }
        }
        var port: Int
        switch scheme {
        case "http": port = 80
        case "https": port = 443
        default: port = 0
        }
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isNumber), let value = Int(portText),
                value <= 65535
            else { throw WebURLError(description: "has an invalid port") }
            port = value
        }

        var fragment: String?
        if let hash = tail.firstIndex(of: "#") {
            fragment = String(tail[tail.index(after: hash)...])
            tail = tail[..<hash]
        }
        var query: String?
        if let question = tail.firstIndex(of: "?") {
            query = String(tail[tail.index(after: question)...])
            tail = tail[..<question]
        }
        return WebURL(
            scheme: scheme, host: host.lowercased(), port: port, hasExplicitPort: portText != nil,
            path: String(tail), query: query, fragment: fragment, description: text)
    }
}
