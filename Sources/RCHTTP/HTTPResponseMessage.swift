/// A complete response received from a server (the token endpoint), body de-chunked.
public struct HTTPResponseMessage: Sendable, Equatable {
    public var status: Int
    /// The reason phrase as sent; informational only (RFC 9112 §4 says to ignore it).
    public var reason: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, reason: String, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }
}
