import RCCrypto
import RCSystem

/// A strict OAuth 2.0 authorization server on loopback, for `redirect-catcher demo` and the
/// end-to-end tests.
///
/// It enforces what real providers enforce (PKCE S256, single-use short-lived codes, exact
/// redirect URIs, rotated refresh tokens with reuse detection, client authentication) so the
/// daemon is tested honestly, and it can inject token endpoint faults for the refresh
/// lifecycle tests. State lives behind mutexes; requests are served on plain threads.
public final class TestProvider: Sendable {
    public let options: TestProviderOptions
    /// Signs id_tokens; fresh per provider, never shown.
    let signingKey: [UInt8]
    let store: Locked<GrantStore>
    let server: Locked<ServerState>

    /// The listener's lifecycle, shared between the caller and the accept thread.
    struct ServerState: Sendable {
        var port: UInt16 = 0
        var tls = false
        var started = false
        var stopRequested = false
        var acceptLoopRunning = false
        var connections = 0
    }

    public init(options: TestProviderOptions = TestProviderOptions()) {
        self.options = options
        self.signingKey = SecureRandom.bytes(32)
        self.store = Locked(GrantStore())
        self.server = Locked(ServerState())
    }

    /// "https://127.0.0.1:PORT" (or http, or the configured host); valid after `start`.
    public var baseURL: String {
        let (port, tls) = server.withLock { ($0.port, $0.tls) }
        return "\(tls ? "https" : "http")://\(options.host):\(port)"
    }

    public var issuer: String { baseURL + options.issuerPath }
    public var authorizeURL: String { baseURL + authorizePath }
    public var tokenURL: String { baseURL + tokenPath }
    public var validateURL: String { baseURL + "/validate" }

    var authorizePath: String { options.endpointPrefix + "/authorize" }
    var decidePath: String { options.endpointPrefix + "/authorize/decide" }
    var tokenPath: String { options.endpointPrefix + "/token" }
    var deviceAuthorizationPath: String { options.endpointPrefix + "/devicecode" }
    var devicePath: String { options.endpointPrefix + "/device" }
    public var deviceAuthorizationURL: String { baseURL + deviceAuthorizationPath }
    /// Where the person enters the user code; `POST` here with `user_code` and `decision` decides.
    public var verificationURI: String { baseURL + devicePath }

    /// The person enters `userCode` and approves (or declines) the sign-in; false when no
    /// pending device code has it.
    @discardableResult
    public func decideDeviceCode(_ userCode: String, approve: Bool) -> Bool {
        store.withLock { $0.decideDeviceCode(userCode: userCode, approve: approve) }
    }

    // MARK: Observation

    /// What has been asked of the provider so far.
    public var stats: TestProviderStats { store.withLock { $0.stats } }

    /// Whether `accessToken` is live: issued here, unexpired, and its family not revoked.
    public func isValid(accessToken: String) -> Bool {
        let now = Instant.now(.monotonic).seconds
        return store.withLock { $0.isLive(accessToken: accessToken, now: now) != nil }
    }

    /// What a live access token was minted for; nil when it is not live.
    public func audience(ofAccessToken accessToken: String) -> AccessTokenAudience? {
        let now = Instant.now(.monotonic).seconds
        return store.withLock { store in
            store.isLive(accessToken: accessToken, now: now).map { AccessTokenAudience(scope: $0.scope, resource: $0.resource) }
        }
    }

    // MARK: Fault injection

    /// Queues faults for `POST /token`, after any already queued.
    public func injectFaults(_ faults: [TokenFault]) {
        store.withLock { $0.faults += faults }
    }

    /// Refuses refresh grants for one API from now on (until `clearFaults()`), while the same
    /// refresh token still redeems for every other.
    public func refuse(_ refusal: AudienceRefusal) {
        store.withLock { $0.refusals.append(refusal) }
    }

    /// Drops every queued fault, `.down` included.
    public func clearFaults() {
        store.withLock { store in
            store.faults.removeAll()
            store.refusals.removeAll()
        }
    }

    /// Revokes every current refresh token, as a password reset or an administrator would;
    /// access tokens stay valid until they expire, as with real providers.
    public func revokeAllRefreshTokens() {
        store.withLock { store in
            for (token, record) in store.refreshTokens where record.state == .current {
                store.refreshTokens[token]?.state = .revoked
            }
        }
    }

    /// The facts every grant decision needs, read once per request.
    func grantContext() -> GrantContext {
        GrantContext(
            options: options, issuer: issuer, tokenURL: tokenURL, signingKey: signingKey, now: Instant.now(.monotonic).seconds,
            wallNow: Int(Instant.now(.wall).nanoseconds / 1_000_000_000))
    }
}

extension Instant {
    var seconds: Double { Double(nanoseconds) / 1e9 }
}
