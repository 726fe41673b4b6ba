/// Everything the provider has handed out: sign-in pages awaiting a decision, codes, token
/// families, and the queued faults. A plain value guarded by the provider's mutex, so each
/// grant decision is one critical section and two racing redemptions cannot both win.
///
/// Times are seconds on the monotonic clock; only the `exp` values shown to clients use the
/// wall clock.
struct GrantStore: Sendable {
    /// An authorization code and what it is bound to.
    struct IssuedCode: Sendable {
        var request: PendingSignIn
        var expiresAt: Double
        /// The family its redemption created; set once, so a replay can revoke it.
        var family: Int?
    }

    /// The tokens descending from one authorization code (RFC 9700 §4.14.2): a replayed code or
    /// a reused rotated-out refresh token revokes all of them together.
    struct Family: Sendable {
        var clientID: String
        var scope: String?
        var resource: String?
        var revoked = false
        var refreshExpiresAt: Double
    }

    enum RefreshState: Sendable, Equatable {
        /// The one live refresh token of its family.
        case current
        /// Replaced by rotation; presenting it again means it leaked.
        case rotatedOut
        /// Revoked by `revokeAllRefreshTokens()`, as an administrator or a password change would.
        case revoked
    }

    struct RefreshRecord: Sendable {
        var family: Int
        var state: RefreshState
    }

    struct AccessRecord: Sendable {
        var family: Int
        var clientID: String
        var expiresAt: Double
        /// Wall-clock epoch seconds, for `/validate`.
        var exp: Int
        /// What this token was minted for: the sign-in's, or what a refresh grant asked for.
        var scope: String?
        var resource: String?
        /// Issued to the application itself (client credentials): its subject is the client.
        var application = false
    }

    var pending: [String: PendingSignIn] = [:]
    var codes: [String: IssuedCode] = [:]
    var families: [Int: Family] = [:]
    var refreshTokens: [String: RefreshRecord] = [:]
    var accessTokens: [String: AccessRecord] = [:]
    /// `jti` of every client assertion accepted, with its `exp` (wall clock): an assertion
    /// presented twice is refused, as Entra does (RFC 7523 §3, item 7).
    var assertionIDs: [String: Int] = [:]
    var nextFamily = 1
    var faults: [TokenFault] = []
    /// Refusals of refresh grants for one API each; they last until cleared.
    var refusals: [AudienceRefusal] = []
    /// Device codes handed out (RFC 8628), by device code.
    var deviceGrants: [String: DeviceGrant] = [:]
    var stats = TestProviderStats()

    /// Revokes every token of `family`, access tokens included.
    mutating func revokeFamily(_ family: Int) {
        families[family]?.revoked = true
    }

    /// Whether `token` is a live access token.
    func isLive(accessToken token: String, now: Double) -> AccessRecord? {
        guard let record = accessTokens[token], record.expiresAt > now,
            let family = families[record.family], !family.revoked
        else { return nil }
        return record
    }

    /// The next fault to apply to a token request, consuming it; `.down` stays until cleared.
    mutating func takeFault() -> TokenFault? {
        guard let first = faults.first else { return nil }
        switch first {
        case .down:
            return first
        case .status(let code, let count):
            if count > 1 {
                faults[0] = .status(code, count: count - 1)
            } else {
                faults.removeFirst()
            }
            return first
        default:
            faults.removeFirst()
            return first
        }
    }

    /// Forgets what can no longer matter, so a long demo does not grow without bound. Used
    /// codes are kept until they expire, because a replay within their lifetime must still be
    /// recognised as one.
    mutating func prune(now: Double) {
        pending = pending.filter { $0.value.expiresAt > now }
        codes = codes.filter { $0.value.expiresAt > now }
        accessTokens = accessTokens.filter { $0.value.expiresAt > now }
    }
}
