/// When to refresh a token and when to stop serving it (the rules ARCHITECTURE.md's "Tokens"
/// section lists), as pure functions of seconds, so that every rule is tested without a clock.
public enum RefreshPolicy {
    /// Seconds after issue at which to refresh a token that lives `lifetime` seconds: the
    /// earliest of the provider's `refresh_in`, half the lifetime for tokens of 2 h or more,
    /// and expiry minus min(5 min, a quarter of the lifetime); then up to 2% of the lifetime
    /// (at most 30 s) earlier by `jitter` in 0...1, so that many accounts do not refresh in
    /// lockstep.
    public static func refreshAfter(lifetime: Double, refreshIn: Double?, jitter: Double) -> Double {
        var after = lifetime - min(300, lifetime / 4)
        if lifetime >= 7200 { after = min(after, lifetime / 2) }
        if let refreshIn, refreshIn > 0 { after = min(after, refreshIn) }
        after -= min(30, lifetime * 0.02) * min(max(jitter, 0), 1)
        return max(after, 0)
    }

    /// How close to its expiry a token may still be handed out: a client needs a moment to
    /// use it. One second, or an eighth of very short lifetimes.
    public static func serveMargin(lifetime: Double) -> Double {
        min(1, lifetime / 8)
    }

    /// The wait before retry number `attempt` (1-based) after a transient failure: 2 s
    /// doubling to a cap of 5 minutes; a provider's Retry-After, capped at an hour, wins when
    /// it asks for longer.
    public static func retryDelay(attempt: Int, retryAfter: Double?) -> Double {
        let exponent = min(max(attempt - 1, 0), 16)
        let backoff = min(300, 2 * Double(1 << exponent))
        guard let retryAfter, retryAfter > 0 else { return backoff }
        return max(backoff, min(retryAfter, 3600))
    }

    /// How young a token may be and still be refused by an API without a new one being
    /// fetched: a minute, or a tenth of shorter-lived tokens' lifetimes (a minute would be all
    /// of their life). An API that refuses a token this fresh refuses it for its audience or
    /// scopes, and a new grant would only bring the same refusal.
    public static func freshWindow(lifetime: Double) -> Double {
        min(60, lifetime / 10)
    }

    /// How long before a refresh token's end the person is asked to sign in again: a tenth of
    /// its lifetime or an hour, whichever is less (48 minutes of AD FS's default 8 hours).
    public static func signInDueBefore(lifetime: Double) -> Double {
        min(lifetime / 10, 3600)
    }

    /// How long a socket client waits for a refresh when the token it must serve expired.
    public static let waitForRefresh: Double = 30
}
