import RCOAuth
import RCSystem

/// One access token an account serves, and everything about it that is not shared: its value
/// and expiry, its refresh timing and failures, and the clients waiting for it. The account's
/// own token (the sign-in's scopes) is one; each entry of `tokens` is another. What is shared
/// (the refresh token, the need for a sign-in, the one grant in flight) stays in ``Account``.
final class TokenSlot {
    /// An access token with its expiry on the boot clock (suspend counts as time passing).
    struct HeldToken {
        let value: String
        let expiresAt: Instant
        let lifetime: Double
        let wallExpiry: Int64
    }

    struct Waiter {
        let timer: EventLoop.TimerID
        let reply: (TokenReply) -> Void
    }

    /// nil for the account's own token.
    let extra: ExtraToken?
    /// `work` or `work.graph`: the socket's name without `.sock`, and what log lines call it.
    let label: String

    var token: HeldToken?
    /// A grant for this token is in flight or queued behind another of the account's.
    var refreshing = false
    var refreshTimer: EventLoop.TimerID?
    var nextRefresh: Instant?
    var consecutiveFailures = 0
    var lastError: String?
    /// The provider called the request misconfigured (a wrong scope, a wrong client secret):
    /// retrying cannot help until someone changes something.
    var haltedByConfiguration = false
    var waiters: [Int: Waiter] = [:]
    /// `refresh NAME` callers, answered when the grant ends.
    var refreshCompletions: [(TokenReply) -> Void] = []

    init(account: String, extra: ExtraToken?) {
        self.extra = extra
        self.label = TokenLabel(account: account, token: extra?.name).description
    }

    /// Log fields that tell an extra token's events from the account's own.
    var fields: [String: String] { extra.map { ["TOKEN": $0.name] } ?? [:] }

    /// Forgets the token and its failures: a new sign-in starts a new session.
    func reset(cancelling scheduler: any Scheduler) {
        token = nil
        if let refreshTimer { scheduler.cancel(refreshTimer) }
        refreshTimer = nil
        nextRefresh = nil
        consecutiveFailures = 0
        lastError = nil
        haltedByConfiguration = false
    }
}
