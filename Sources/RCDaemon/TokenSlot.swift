import RCOAuth
import RCSystem

/// One access token an account serves, as the driver holds it: its name, its refresh timer,
/// and the clients waiting for it. Its state is ``AccountState/Token``, at `index`.
final class TokenSlot {
    struct Waiter {
        let timer: EventLoop.TimerID
        let reply: (TokenReply) -> Void
    }

    /// The token's place in ``AccountState/tokens``: 0 for the account's own.
    let index: Int
    /// nil for the account's own token.
    let extra: ExtraToken?
    /// `work` or `work.graph`: the socket's name without `.sock`, and what log lines call it.
    let label: String
    /// The account whose state holds this token's (weak: the account owns its slots).
    weak var owner: Account?
    var refreshTimer: EventLoop.TimerID?
    var waiters: [Int: Waiter] = [:]
    /// `refresh NAME` callers, answered when the grant ends.
    var refreshCompletions: [(TokenReply) -> Void] = []

    init(index: Int, account: String, extra: ExtraToken?) {
        self.index = index
        self.extra = extra
        self.label = TokenLabel(account: account, token: extra?.name).description
    }

    /// Log fields that tell an extra token's events from the account's own.
    var fields: [String: String] { extra.map { ["TOKEN": $0.name] } ?? [:] }

    /// A grant for this token is in flight or queued behind another of the account's.
    var refreshing: Bool { owner?.state.tokens[index].refreshing ?? false }
    var lastError: String? { owner?.state.tokens[index].failure?.message }
}
