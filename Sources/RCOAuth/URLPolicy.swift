/// A URL that breaks one of ``URLPolicy``'s rules, with a message that says which.
public struct URLPolicyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One short sentence, meant to follow a config path: "not an https URL (...)".
    public let message: String

    public init(message: String) { self.message = message }

    public var description: String { message }
}

/// The rules OAuth puts on the URLs an account is configured with.
///
/// They live here rather than in the config loader because they are protocol rules: endpoints
/// carry codes, secrets and tokens, so they need TLS (RFC 6749 §3.1, §3.2), and the redirect URI
/// of a native app is plain http on a loopback host (RFC 8252 §7.3).
public enum URLPolicy {
    static let notHTTPS = "not an https URL (plain http is allowed only on a loopback host)"

    /// Checks an authorization, token or issuer URL: https, or http on a loopback host (a local
    /// test provider); no fragment (RFC 6749 §3.1).
    public static func checkEndpoint(_ text: String) throws(URLPolicyError) {
        let url = try ConfiguredURL.parse(text)
        guard url.scheme == "https" || (url.scheme == "http" && url.url.isLoopback) else {
            throw URLPolicyError(message: notHTTPS)
        }
        guard url.fragment == nil else { throw URLPolicyError(message: "an endpoint URL may not have a #fragment") }
    }

    /// Checks a preset's `authority`: an endpoint URL that also has no query, since paths are appended to it.
    public static func checkAuthority(_ text: String) throws(URLPolicyError) {
        try checkEndpoint(text)
        guard try ConfiguredURL.parse(text).url.query == nil else {
            throw URLPolicyError(message: "an authority may not have a ?query")
        }
    }

    /// Checks a loopback redirect URI against the listener's port and returns the URI to send.
    ///
    /// A URI without a port gets `listenPort` inserted, because the browser must come back to the
    /// listener, and Entra matches `http://localhost` redirect URIs on any port. With `listenPort`
    /// 0 (any free port) the URI must not name a port; it gets the placeholder `:0`, which the
    /// daemon replaces with the bound port at start-up (``redirectURI(_:boundTo:)``).
    public static func redirectURI(_ text: String, listenPort: UInt16) throws(URLPolicyError) -> String {
        let url = try ConfiguredURL.parse(text)
        guard url.scheme == "http" else {
            throw URLPolicyError(message: "must be an http URL: the loopback listener does not speak TLS (RFC 8252 §7.3)")
        }
        // These three spellings only, not any loopback address: the URI must match the registration.
        guard ["localhost", "127.0.0.1", "::1"].contains(url.url.host) else {
            throw URLPolicyError(message: "must be on a loopback host: localhost, 127.0.0.1 or [::1]")
        }
        guard url.fragment == nil else { throw URLPolicyError(message: "may not have a #fragment (RFC 6749 §3.1.2)") }
        guard url.url.query == nil else { throw URLPolicyError(message: "may not have a ?query") }
        if url.hasExplicitPort {
            guard listenPort != 0 else {
                throw URLPolicyError(message: "listen.port is 0 (any free port): leave the port out of redirect_uri")
            }
            guard url.port == Int(listenPort) else {
                throw URLPolicyError(message: "port \(url.port) differs from listen.port \(listenPort)")
            }
            return text
        }
        return insertingPort(listenPort, into: Substring(text))
    }

    /// The redirect URI with `port` in place of the `:0` placeholder, or inserted after the host
    /// when it names none; unchanged when it names another port. Textual, so the rest of the URI
    /// stays byte-for-byte what the person registered.
    public static func redirectURI(_ text: String, boundTo port: UInt16) -> String {
        guard let url = try? ConfiguredURL.parse(text) else { return text }
        if !url.hasExplicitPort { return insertingPort(port, into: Substring(text)) }
        guard url.hasPortPlaceholder, let withoutPort = ConfiguredURL.removingPortPlaceholder(Substring(text)) else {
            return text
        }
        return insertingPort(port, into: withoutPort)
    }

    private static func insertingPort(_ port: UInt16, into text: Substring) -> String {
        guard let authority = ConfiguredURL.authorityRange(in: text) else { return String(text) }
        return String(text[..<authority.upperBound]) + ":\(port)" + String(text[authority.upperBound...])
    }

    /// The path the listener should answer for a redirect URI ("/" when the URI has none).
    public static func redirectPath(_ text: String) -> String? {
        (try? ConfiguredURL.parse(text))?.url.path
    }
}
