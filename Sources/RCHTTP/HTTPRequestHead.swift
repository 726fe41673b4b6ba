/// The request line and header section of one request, as received.
///
/// Values are kept raw (the target still percent-encoded, the method as sent) so that routing
/// decisions are made on exactly what the peer sent, not on a normalised guess.
public struct HTTPRequestHead: Sendable, Equatable {
    /// The method token, case-sensitive as sent (RFC 9110 §9.1).
    public var method: String
    /// The raw request-target; see ``RequestTarget`` to split it.
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    public init(method: String, target: String, version: HTTPVersion, headers: HTTPHeaders) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
    }

    /// The length of the body that follows the head; 0 when there is no Content-Length.
    ///
    /// Requests with a transfer coding are refused: the listener only ever needs small
    /// form posts, and not decoding chunked bodies removes a whole class of framing bugs.
    public func bodyLength() throws(HTTPRequestError) -> Int {
        let hasTransferEncoding = headers.contains("Transfer-Encoding")
        let lengths = headers.values("Content-Length")
        if hasTransferEncoding {
            // RFC 9112 §6.1: both together may be an attempt at request smuggling; the server
            // must not trust the length, and we close with 400 as the RFC allows.
            guard lengths.isEmpty else {
                throw .badRequest("both Transfer-Encoding and Content-Length")
            }
            // RFC 9112 §6.1: a server that does not understand a transfer coding responds 501.
            throw .notImplemented("Transfer-Encoding on a request is not supported")
        }
        switch ContentLength.parse(lengths) {
        case .success(let length): return length ?? 0
        case .failure(let problem): throw .badRequest(problem.reason)
        }
    }
}
