/// Why a request head was refused, mapped to the status code the listener answers with.
///
/// Reason texts are fixed strings chosen by the parser and never contain bytes from the request,
/// so they are safe to put in a response page or a log line.
public enum HTTPRequestError: Error, Equatable, Sendable {
    /// 400 Bad Request.
    case badRequest(String)
    /// 414 URI Too Long: the request line exceeded its limit.
    case uriTooLong
    /// 431 Request Header Fields Too Large: the header section or field count exceeded its limit.
    case headersTooLarge
    /// 501 Not Implemented, such as a request body with a transfer coding.
    case notImplemented(String)
    /// 505 HTTP Version Not Supported.
    case versionNotSupported

    public var status: Int {
        switch self {
        case .badRequest: 400
        case .uriTooLong: 414
        case .headersTooLarge: 431
        case .notImplemented: 501
        case .versionNotSupported: 505
        }
    }

    /// A short reason suitable for a response body or a log line.
    public var reason: String {
        switch self {
        case .badRequest(let text): text
        case .uriTooLong: "request line too long"
        case .headersTooLarge: "header section too large"
        case .notImplemented(let text): text
        case .versionNotSupported: "HTTP version not supported"
        }
    }
}
