/// A successful token response, normalised across providers (RFC 6749 §5.1).
///
/// Holds tokens, so its description and mirror show only their presence and lengths.
public struct TokenGrant: Sendable, Equatable {
    public var accessToken: String
    /// Always "Bearer": other types are refused by ``TokenResponse``.
    public var tokenType: String
    /// Seconds from the response until the access token expires, clamped to 1...604800; 300 when
    /// the provider did not say, so an unknown lifetime is refreshed soon rather than served stale.
    public var lifetimeSeconds: Int64
    /// A new refresh token replaces the old one at once (rotation); nil means keep the old one.
    public var refreshToken: String?
    /// Entra's `refresh_in`: refresh by then.
    public var refreshInSeconds: Int64?
    /// AD FS's `refresh_token_expires_in`: warn ahead of it.
    public var refreshTokenLifetimeSeconds: Int64?
    public var idToken: String?
    /// The granted scope, when the provider says (it may differ from the one requested).
    public var scope: String?

    public init(
        accessToken: String, tokenType: String = "Bearer", lifetimeSeconds: Int64, refreshToken: String? = nil,
        refreshInSeconds: Int64? = nil, refreshTokenLifetimeSeconds: Int64? = nil, idToken: String? = nil,
        scope: String? = nil
    ) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.lifetimeSeconds = lifetimeSeconds
        self.refreshToken = refreshToken
        self.refreshInSeconds = refreshInSeconds
        self.refreshTokenLifetimeSeconds = refreshTokenLifetimeSeconds
        self.idToken = idToken
        self.scope = scope
    }
}

extension TokenGrant: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var parts = [
            "accessToken: <\(accessToken.utf8.count) bytes>", "tokenType: \(tokenType)",
            "lifetimeSeconds: \(lifetimeSeconds)",
            "refreshToken: " + (refreshToken == nil ? "none" : "<redacted>"),
        ]
        if let refreshInSeconds { parts.append("refreshInSeconds: \(refreshInSeconds)") }
        if let refreshTokenLifetimeSeconds { parts.append("refreshTokenLifetimeSeconds: \(refreshTokenLifetimeSeconds)") }
        if idToken != nil { parts.append("idToken: <redacted>") }
        if let scope { parts.append("scope: \(scope)") }
        return "TokenGrant(" + parts.joined(separator: ", ") + ")"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessToken": "<redacted>", "tokenType": tokenType, "lifetimeSeconds": lifetimeSeconds,
                "refreshToken": refreshToken == nil ? "nil" : "<redacted>", "refreshInSeconds": refreshInSeconds as Any,
                "refreshTokenLifetimeSeconds": refreshTokenLifetimeSeconds as Any,
                "idToken": idToken == nil ? "nil" : "<redacted>", "scope": scope as Any,
            ],
            displayStyle: .struct)
    }
}
