import RCHTTP
import RCOAuth

@testable import RCDaemon
@testable import RCSystem

/// A scheduler whose clock moves only when the test says so. Timers fire in (deadline,
/// scheduling order) as `advance` passes them; offloaded work runs at once (it is the fake
/// endpoint) but its completion waits in a queue until the test delivers it.
final class ManualScheduler: Scheduler {
    private struct Timer {
        let deadline: Instant
        let id: UInt64
        let body: () -> Void
    }

    private(set) var now = Instant(nanoseconds: 1_000_000 * 1_000_000_000)
    private var timers: [Timer] = []
    private var nextID: UInt64 = 1
    private var completions: [() -> Void] = []

    func schedule(at deadline: Instant, _ body: @escaping () -> Void) -> EventLoop.TimerID {
        let id = nextID
        nextID += 1
        timers.append(Timer(deadline: deadline, id: id, body: body))
        return EventLoop.TimerID(value: id)
    }

    func cancel(_ timer: EventLoop.TimerID) {
        timers.removeAll { $0.id == timer.value }
    }

    func offload<T: Sendable>(_ work: @escaping @Sendable () -> T, then completion: @escaping (T) -> Void) {
        let result = work()
        completions.append { completion(result) }
    }

    /// Deadlines of the timers still pending, earliest first.
    var timerDeadlines: [Instant] { timers.sorted { ($0.deadline, $0.id) < ($1.deadline, $1.id) }.map(\.deadline) }

    /// Offloaded work whose completion has not been delivered yet.
    var pendingCompletions: Int { completions.count }

    /// Delivers an offloaded result (the oldest by default) on "the loop thread" (this one).
    func completeOffloaded(at index: Int = 0) {
        precondition(completions.indices.contains(index), "nothing was offloaded")
        completions.remove(at: index)()
    }

    /// Moves the clock without running timers: the machine resumed from suspend and a
    /// client got in before the loop dispatched the timer.
    func jump(by seconds: Double) {
        now = now.adding(seconds: seconds)
    }

    func advance(by seconds: Double) { advance(to: now.adding(seconds: seconds)) }

    /// Moves the clock to `target`, running every timer due on the way, in order.
    func advance(to target: Instant) {
        while let next = timers.min(by: { ($0.deadline, $0.id) < ($1.deadline, $1.id) }), next.deadline <= target {
            timers.removeAll { $0.id == next.id }
            if next.deadline > now { now = next.deadline }
            next.body()
        }
        if target > now { now = target }
    }
}

/// The token endpoint, scripted: each `send` takes the next response and records the request.
final class ScriptedEndpoint: TokenEndpoint {
    private struct State {
        var script: [Result<HTTPResponseMessage, TransportFailure>] = []
        var requests: [TokenRequest] = []
    }

    private let state = Locked(State())

    func enqueue(_ response: Result<HTTPResponseMessage, TransportFailure>) {
        state.withLock { $0.script.append(response) }
    }

    func send(_ request: TokenRequest, for account: AccountSettings) -> Result<HTTPResponseMessage, TransportFailure> {
        state.withLock { state in
            state.requests.append(request)
            guard !state.script.isEmpty else { return .failure(TransportFailure(description: "nothing scripted")) }
            return state.script.removeFirst()
        }
    }

    var requests: [TokenRequest] { state.withLock { $0.requests } }
    var callCount: Int { requests.count }

    /// The value of `name` in the form body of request `index`.
    func field(_ name: String, of index: Int) -> String? {
        let requests = self.requests
        guard requests.indices.contains(index) else { return nil }
        return requests[index].formBody.first { $0.0 == name }?.1
    }
}

/// Token endpoint responses.
enum Reply {
    static func json(_ status: Int, _ body: String, headers: [(String, String)] = []) -> Result<HTTPResponseMessage, TransportFailure> {
        .success(
            HTTPResponseMessage(
                status: status, reason: "", headers: HTTPHeaders([("Content-Type", "application/json")] + headers),
                body: Array(body.utf8)))
    }

    static func grant(
        access: String, refresh: String? = nil, expiresIn: Int = 3600, refreshIn: Int? = nil, idToken: String? = nil
    ) -> Result<HTTPResponseMessage, TransportFailure> {
        var members = [#""access_token":"\#(access)""#, #""token_type":"Bearer""#, #""expires_in":\#(expiresIn)"#]
        if let refresh { members.append(#""refresh_token":"\#(refresh)""#) }
        if let refreshIn { members.append(#""refresh_in":\#(refreshIn)"#) }
        if let idToken { members.append(#""id_token":"\#(idToken)""#) }
        return json(200, "{" + members.joined(separator: ",") + "}")
    }

    static func html(_ status: Int) -> Result<HTTPResponseMessage, TransportFailure> {
        .success(
            HTTPResponseMessage(
                status: status, reason: "", headers: HTTPHeaders([("Content-Type", "text/html; charset=utf-8")]),
                body: Array("<html><body>Service Unavailable</body></html>".utf8)))
    }

    static func transport(_ text: String) -> Result<HTTPResponseMessage, TransportFailure> {
        .failure(TransportFailure(description: text))
    }
}

/// Collects what `requestToken` (or another callback) replied, in order.
final class Replies<T> {
    private(set) var values: [T] = []
    var callback: (T) -> Void { { self.values.append($0) } }
}

/// One account wired to a manual clock, a scripted endpoint and an in-memory log.
final class AccountHarness {
    static let signInURL = "http://localhost:8400/signin/work"

    let scheduler = ManualScheduler()
    let endpoint = ScriptedEndpoint()
    let sink = MemoryLogSink()
    let account: Account
    private(set) var needsPerson: [String] = []
    /// What `onTokenNeedsPerson` was told: "LABEL: message".
    private(set) var tokenNeedsPerson: [String] = []

    init(scopes: [String] = ["openid", "offline_access"], tokens: [ExtraToken] = [], clientAuth: ClientAuth = .none) {
        let settings = AccountSettings(
            name: "work", provider: .generic, authorizeURL: "https://sso.example.com/authorize",
            tokenURL: "https://sso.example.com/token", clientID: "cli", clientAuth: clientAuth, scopes: scopes,
            redirectURI: "http://localhost:8400/callback", tokens: tokens)
        account = Account(
            settings: settings, signInURL: Self.signInURL, scheduler: scheduler, endpoint: endpoint,
            logger: Logger(minimumLevel: .debug, sink: sink))
        account.onNeedsPerson = { [unowned self] _, event, message in self.needsPerson.append(event + ": " + message) }
        account.onTokenNeedsPerson = { [unowned self] _, slot, message in self.tokenNeedsPerson.append(slot.label + ": " + message) }
    }

    /// Redeems `code` against the scripted `response` and returns how the sign-in ended.
    @discardableResult
    func signIn(
        _ response: Result<HTTPResponseMessage, TransportFailure>, code: String = "code-SECRET-4711", nonce: String? = nil
    ) -> SignInResult? {
        endpoint.enqueue(response)
        let result = Replies<SignInResult>()
        account.completeSignIn(code: code, verifier: "verifier-SECRET-0815", nonce: nonce, reply: result.callback)
        scheduler.completeOffloaded()
        return result.values.first
    }

    /// What `requestToken` replies at once (nil when the reply waits).
    func requestNow() -> TokenReply? {
        let replies = Replies<TokenReply>()
        account.requestToken(replies.callback)
        return replies.values.first
    }

    /// What `requestToken` replies at once for the extra token `name` (nil when the reply waits).
    func requestNow(_ name: String) -> TokenReply? {
        guard let slot = account.slot(named: name) else { preconditionFailure("no token \(name)") }
        let replies = Replies<TokenReply>()
        account.requestToken(slot, replies.callback)
        return replies.values.first
    }

    /// Moves the clock to the scheduled refresh, which starts it.
    func advanceToRefresh() {
        guard let next = account.nextRefresh else {
            preconditionFailure("no refresh is scheduled")
        }
        scheduler.advance(to: next)
    }

    var events: [LogEvent] { sink.events }

    /// The status JSON's `state`.
    var state: String? {
        guard case .object(let object) = account.status(), case .string(let state)? = object["state"] else { return nil }
        return state
    }
}
