import RCHTTP
import RCJSON

/// How `token NAME FORMAT` writes an access token, for clients that want more than the bare
/// token the account sockets give: an HTTP header line, JSON with the expiry, or the finished
/// SASL initial response of a mail client.
public enum TokenFormat: String, Sendable, CaseIterable {
    /// The token alone, as the sockets write it.
    case raw
    /// `Authorization: Bearer TOKEN`, for `curl -H @-` and the like.
    case header
    /// One line of JSON: the token, its type, its expiry as a moment and as seconds left.
    case json
    /// Google's and Microsoft's XOAUTH2 SASL initial response, base64.
    case xoauth2
    /// RFC 7628's OAUTHBEARER SASL initial response, base64.
    case oauthbearer
}

/// Why a format request is refused: the sentence after `error: `.
public struct TokenFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
}

/// A format with what it needs beyond the token. On `control.sock` it follows the name:
/// `token NAME[.TOKEN] FORMAT [user=ADDRESS] [host=HOST] [port=PORT]`, one word each, since the
/// line is split on spaces; the values are checked here so that none can smuggle a SASL
/// separator (0x01), a space or a line break into a reply.
public struct TokenFormatRequest: Sendable, Equatable {
    public var format: TokenFormat
    /// The mailbox address for the SASL formats; nil takes the account's `user` key.
    public var user: String?
    /// The server's host and port, which OAUTHBEARER carries (RFC 7628 §3.1) when given.
    public var host: String?
    public var port: Int?

    public init(format: TokenFormat, user: String? = nil, host: String? = nil, port: Int? = nil) {
        self.format = format
        self.user = user
        self.host = host
        self.port = port
    }

    /// The words after the name on the control line.
    public var controlWords: [String] {
        [format.rawValue] + [user.map { "user=" + $0 }, host.map { "host=" + $0 }, port.map { "port=\($0)" }].compactMap { $0 }
    }

    /// Reads the words after the name on the control line.
    public static func parse(_ words: [String]) -> Result<TokenFormatRequest, TokenFormatError> {
        guard let first = words.first, let format = TokenFormat(rawValue: first) else {
            let word = words.first.map { "\"\(Logger.sanitize(String($0.prefix(40))))\"" } ?? "nothing"
            return .failure(TokenFormatError(description: "unknown token format \(word); use one of: \(formatList)"))
        }
        var request = TokenFormatRequest(format: format)
        for word in words.dropFirst() {
            let pair = word.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            let value = pair.count == 2 ? pair[1] : ""
            let problem: String?
            switch pair[0] {
            case "user" where request.user == nil:
                problem = userProblem(value)
                request.user = value
            case "host" where request.host == nil:
                problem = hostProblem(value)
                request.host = value
            case "port" where request.port == nil:
                request.port = Int(value).flatMap { (1...65_535).contains($0) && value.first != "+" ? $0 : nil }
                problem = request.port == nil ? "port must be a number from 1 to 65535" : nil
            default:
                problem = "unexpected \"\(Logger.sanitize(String(word.prefix(40))))\" after the format; expected user=, host= or port=, each once"
            }
            if let problem { return .failure(TokenFormatError(description: problem)) }
        }
        return .success(request)
    }

    static let formatList = TokenFormat.allCases.map(\.rawValue).joined(separator: ", ")

    /// Why `value` cannot be a SASL user name here, or nil: it must be printable, without
    /// spaces (the control line) or control characters (0x01 separates SASL fields).
    public static func userProblem(_ value: String) -> String? {
        let printable = value.utf8.allSatisfy { (0x21...0x7E).contains($0) || $0 >= 0x80 }
        return !value.isEmpty && value.utf8.count <= 320 && printable
            ? nil : "user must be an address such as someone@example.com: 1 to 320 characters, no spaces or control characters"
    }

    /// Why `value` cannot be a server's host name (or IP address literal) here, or nil.
    public static func hostProblem(_ value: String) -> String? {
        let allowed = value.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"):
                true
            default: false
            }
        }
        return !value.isEmpty && value.utf8.count <= 253 && allowed ? nil : "host must be a host name or an IP address"
    }

    /// What the request still lacks once the account's `user` key is known, as the sentence
    /// for `error:`; nil when it can be answered.
    public func missing(accountUser: String?, account: String) -> String? {
        guard format == .xoauth2, user == nil, accountUser == nil else { return nil }
        return "xoauth2 needs the mailbox address: pass --user ADDRESS, or set \"user\" in accounts.\(account)"
    }

    /// The reply line for `token` with `format`. `expiresAt` and `now` are seconds since the
    /// epoch (wall clock); `user` is this request's, else the account's.
    public func render(token: String, expiresAt: Int64, now: Int64, accountUser: String? = nil) -> String {
        let user = self.user ?? accountUser
        switch format {
        case .raw:
            return token
        case .header:
            return "Authorization: Bearer " + token
        case .json:
            return JSONWriter.write(
                .object(
                    JSONObject([
                        ("access_token", .string(token)),
                        ("token_type", .string("Bearer")),
                        ("expires_at", .string(HTTPDate.formatRFC3339(expiresAt))),
                        ("expires_in", .number(JSONNumber(max(0, expiresAt - now)))),
                    ])))
        case .xoauth2:
            return Base64.encode(Array("user=\(user ?? "")\u{1}auth=Bearer \(token)\u{1}\u{1}".utf8))
        case .oauthbearer:
            // RFC 7628 §3.1: gs2-header "n,a=AUTHZID," (',' and '=' escaped as in RFC 5801
            // §5), then kvpairs, each ended by 0x01, and a final 0x01.
            let authzid = user.map { "a=" + Self.saslName($0) } ?? ""
            var message = "n,\(authzid),\u{1}"
            if let host { message += "host=\(host)\u{1}" }
            if let port { message += "port=\(port)\u{1}" }
            message += "auth=Bearer \(token)\u{1}\u{1}"
            return Base64.encode(Array(message.utf8))
        }
    }

    /// RFC 5801 §4's saslname: '=' as "=3D" and ',' as "=2C".
    static func saslName(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "=": out += "=3D"
            case ",": out += "=2C"
            default: out.append(character)
            }
        }
        return out
    }
}
