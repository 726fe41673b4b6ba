/// A TLS failure, sorted by what the caller can do about it, with a message a person can act on.
///
/// The kind decides policy (a verification failure will not fix itself on retry; a time-out
/// may); the message carries OpenSSL's own words so that a log line is enough to diagnose it.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, coarsely enough to decide whether retrying can help.
    public enum Kind: Sendable, Equatable {
        /// The peer's certificate chain, validity or name did not check out.
        case certificateVerification
        /// The peer does not speak TLS we accept (plain HTTP, an old version, no shared cipher, an alert).
        case handshake
        /// The socket failed (reset, poll error) or the peer broke the protocol after the handshake.
        case io
        /// The deadline passed.
        case timeout
        /// The connection was already closed, by us or by the peer, when we tried to use it.
        case closed
        /// The local setup is wrong: a CA file, a certificate or key, a host name.
        case configuration
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
