/// Why a response from a server could not be read.
public enum HTTPResponseError: Error, Equatable, Sendable {
    /// The bytes are not a valid HTTP/1.x response; the text is a fixed description.
    case malformed(String)
    /// The status line and headers exceeded the parser's `maxHead`.
    case headTooLarge
    /// The body exceeded the parser's `maxBody`.
    case bodyTooLarge
    /// The connection closed before the response was complete.
    case truncated
}
