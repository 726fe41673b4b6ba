/// A response the listener sends, and its serialisation.
///
/// The framing is always an explicit Content-Length computed here, never taken from the
/// caller, so a response can never disagree with its own body.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Status line with the standard reason phrase, the headers, Content-Length (replacing any
    /// given), the empty line, then the body unless `includeBody` is false (for HEAD).
    ///
    /// For 1xx, 204 and 304 neither Content-Length nor a body is written: RFC 9110 §8.6 forbids
    /// Content-Length on 1xx and 204, and on 304 it would have to describe a body we never have.
    public func serialize(includeBody: Bool = true) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256 + body.count)
        let phrase = Self.reasonPhrase(status)
        HTTPMessageWriting.appendLine("HTTP/1.1 \(status) \(phrase)", to: &output)
        for field in headers where !HTTPGrammar.asciiCaseInsensitiveEquals(field.name, "Content-Length") {
            HTTPMessageWriting.appendField(field.name, field.value, to: &output)
        }
        let mayHaveContent = !(100...199).contains(status) && status != 204 && status != 304
        if mayHaveContent {
            HTTPMessageWriting.appendField("Content-Length", String(body.count), to: &output)
        }
        HTTPMessageWriting.appendLineEnd(to: &output)
        if includeBody, mayHaveContent {
            output.append(contentsOf: body)
        }
        return output
    }

    /// The reason phrase from RFC 9110 §15 (and RFC 6585 for 428, 429, 431); "" for codes it
    /// does not define, which RFC 9112 §4 allows.
    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 101: "Switching Protocols"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 203: "Non-Authoritative Information"
        case 204: "No Content"
        case 205: "Reset Content"
        case 206: "Partial Content"
        case 300: "Multiple Choices"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 417: "Expectation Failed"
        case 421: "Misdirected Request"
        case 422: "Unprocessable Content"
        case 426: "Upgrade Required"
        case 428: "Precondition Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: ""
        }
    }
}
