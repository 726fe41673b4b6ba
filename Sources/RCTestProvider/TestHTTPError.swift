import RCCrypto
import RCHTTP
import RCSystem

/// Why `TestHTTPClient` got no response.
public enum TestHTTPError: Error, Sendable, CustomStringConvertible {
    case badURL(String)
    case connect(SystemError)
    case tls(TLSError)
    /// Reading or writing failed or timed out after the connection was made.
    case io(String)
    /// The server closed before sending anything: how a `.down` provider looks.
    case noResponse
    case malformedResponse(HTTPResponseError)
    /// The CA file for an https URL could not be written.
    case caFile(String)

    public var description: String {
        switch self {
        case .badURL(let url): "not an http(s) URL: \(url)"
        case .connect(let error): "connect: \(error)"
        case .tls(let error): "TLS: \(error)"
        case .io(let what): "I/O: \(what)"
        case .noResponse: "the server closed the connection without a response"
        case .malformedResponse(let error): "malformed response: \(error)"
        case .caFile(let what): "CA file: \(what)"
        }
    }
}
