import RCOAuth
import RCSystem

/// The sign-ins started from `/signin/<account>` and not yet finished, keyed by `state`.
///
/// A state is 256 random bits, used once, bound to one account and one PKCE verifier, and
/// expires after ten minutes. A callback whose state matches nothing changes nothing here, so
/// a forged or stale callback cannot cancel the real flow. Used states are remembered for a
/// while so that a reload of the result page reads "already complete" rather than "unknown".
final class SignInFlows {
    struct Flow {
        let account: String
        /// The extra token this sign-in is for (`/signin/ACCOUNT.TOKEN`); nil for the account's own.
        var token: String? = nil
        let state: String
        let pkce: PKCE
        let nonce: String?
        let startedAt: Instant
    }

    enum Match {
        case pending(Flow)
        case alreadyCompleted(account: String)
        case unknown
    }

    static let lifetimeSeconds: Double = 600
    /// Flows kept per account: a person may open the sign-in link several times; each works.
    static let maximumPerAccount = 8
    private static let maximumCompleted = 64

    private var pending: [Flow] = []
    private var completed: [(state: String, account: String, at: Instant)] = []

    /// Starts a flow with a fresh state, verifier and (when asked) nonce.
    func begin(account: String, token: String? = nil, wantsNonce: Bool, now: Instant) -> Flow {
        let flow = Flow(
            account: account, token: token, state: OAuthState.generate(), pkce: PKCE.generate(),
            nonce: wantsNonce ? OAuthState.generate() : nil, startedAt: now)
        let mine = pending.filter { $0.account == account }
        if mine.count >= Self.maximumPerAccount, let oldest = mine.first {
            pending.removeAll { $0.state == oldest.state }
        }
        pending.append(flow)
        return flow
    }

    /// Finds the flow a callback's state belongs to and, when pending, removes it (one use).
    /// Compares against every candidate in constant time per comparison.
    func take(state: String, now: Instant) -> Match {
        var found: Int?
        for (index, flow) in pending.enumerated() where ConstantTime.equals(flow.state, state) {
            found = index
        }
        if let found {
            let flow = pending.remove(at: found)
            guard now.seconds(since: flow.startedAt) < Self.lifetimeSeconds else { return .unknown }
            completed.append((state: flow.state, account: flow.account, at: now))
            if completed.count > Self.maximumCompleted { completed.removeFirst() }
            return .pending(flow)
        }
        for entry in completed where ConstantTime.equals(entry.state, state) {
            return .alreadyCompleted(account: entry.account)
        }
        return .unknown
    }

    /// Removes and returns the flows older than the lifetime.
    func expire(now: Instant) -> [Flow] {
        let expired = pending.filter { now.seconds(since: $0.startedAt) >= Self.lifetimeSeconds }
        if !expired.isEmpty {
            pending.removeAll { now.seconds(since: $0.startedAt) >= Self.lifetimeSeconds }
        }
        completed.removeAll { now.seconds(since: $0.at) >= Self.lifetimeSeconds }
        return expired
    }

    /// Forgets `account`'s pending flows: a reload removed or changed it, and a code from the
    /// old settings' provider must not reach the new settings' token endpoint.
    func discard(account: String) {
        pending.removeAll { $0.account == account }
    }

    /// Whether `account` has a flow the person may still finish.
    func hasPending(account: String) -> Bool {
        pending.contains { $0.account == account }
    }
}
