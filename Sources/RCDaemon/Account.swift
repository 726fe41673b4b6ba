import RCHTTP
import RCJSON
import RCOAuth
import RCSystem

/// What a socket client gets: a token, or a sentence that says what to do.
public enum TokenReply: Sendable, Equatable {
    case token(String)
    case error(String)
}

/// How a code exchange ended, for the page the browser shows.
public enum SignInResult: Sendable, Equatable {
    case signedIn
    case failed(summary: String, advice: String?)
}

/// One account's tokens and their lifecycle: sign-in, serving, refreshing, retrying, and
/// asking for the person. Lives on the event loop's thread; tokens never leave memory and
/// never reach a log line.
///
/// An account serves its own token and any extra ones (`tokens`), each a ``TokenSlot`` with
/// its own expiry and refresh timing. They share the one sign-in and the one refresh token,
/// so grants that present it go one at a time: with rotation, two in flight would present
/// the same refresh token twice, and the provider would take that for theft and revoke both.
public final class Account {
    private enum Outcome {
        case granted(TokenGrant)
        case failed(kind: TokenErrorKind, summary: String, advice: String?, retryAfter: Double?, fields: [String: String])
    }

    public let settings: AccountSettings
    /// `http://localhost:PORT/signin/NAME`: what the person opens. A reload that moves the
    /// listener to another port changes it.
    public internal(set) var signInURL: String
    private let scheduler: any Scheduler
    /// Replaced by a reload that changes `request_timeout`; the grant in flight keeps its own.
    var endpoint: any TokenEndpoint
    private let logger: Logger
    /// Called when the account needs the person (for the notification hook), with the event
    /// (`signin_needed`, or `refresh_failed` for a permanent error) and the journal's words.
    var onNeedsPerson: ((Account, _ event: String, _ message: String) -> Void)?
    /// Called after anything that may change the state `STATUS=` reports (signed in,
    /// refreshed, failing, needs sign-in).
    var onStateChange: (() -> Void)?
    /// A reload removed or replaced the account: nothing it had in flight may land.
    private(set) var retired = false
    /// Fires when the account's own token stops being served, so that the state it reports
    /// turns without waiting for another event.
    private var staleTimer: EventLoop.TimerID?

    /// The account's own token first, then the extra ones in config order.
    let slots: [TokenSlot]
    private var refreshToken: String?
    private var expiryTimer: EventLoop.TimerID?
    private(set) var needsSignIn = true
    /// Counts the tokens installed: a refresh or sign-in that finds it changed lost a race.
    private(set) var generation = 0
    private var nextWaiterID = 0
    /// A refresh-token grant is at the provider; the others wait in `queue`.
    private(set) var grantInFlight = false
    private var queue: [(slot: TokenSlot, reason: String)] = []

    public var name: String { settings.name }
    private var primary: TokenSlot { slots[0] }

    init(settings: AccountSettings, signInURL: String, scheduler: any Scheduler, endpoint: any TokenEndpoint, logger: Logger) {
        self.settings = settings
        self.signInURL = signInURL
        self.scheduler = scheduler
        self.endpoint = endpoint
        self.logger = logger
        self.slots = [TokenSlot(account: settings.name, extra: nil)] + settings.tokens.map { TokenSlot(account: settings.name, extra: $0) }
    }

    /// The slot for `token` (nil: the account's own), if the account has one by that name.
    func slot(named token: String?) -> TokenSlot? {
        guard let token else { return primary }
        return slots.first { $0.extra?.name == token }
    }

    // MARK: Serving

    /// The account's own access token if it can still be used.
    var usableToken: String? { usableToken(primary) }
    var refreshing: Bool { primary.refreshing }
    var nextRefresh: Instant? { nextRefresh(primary) }
    var lastError: String? { primary.lastError }
    var unavailableMessage: String { unavailableMessage(primary) }

    func nextRefresh(_ slot: TokenSlot) -> Instant? { slot.nextRefresh }

    /// The slot's access token if it can still be used, with a margin before its expiry.
    func usableToken(_ slot: TokenSlot) -> String? {
        guard let token = slot.token else { return nil }
        let margin = RefreshPolicy.serveMargin(lifetime: token.lifetime)
        return scheduler.now.adding(seconds: margin) < token.expiresAt ? token.value : nil
    }

    func requestToken(_ reply: @escaping (TokenReply) -> Void) { requestToken(primary, reply) }

    /// Replies at once with a valid token; if the token expired and a refresh can fix it,
    /// replies when the refresh ends (bounded by `RefreshPolicy.waitForRefresh`); otherwise
    /// replies with what the person should do.
    func requestToken(_ slot: TokenSlot, _ reply: @escaping (TokenReply) -> Void) {
        if let value = usableToken(slot) {
            reply(.token(value))
            return
        }
        // After a failure the retry timer owns the next attempt: clients arriving meanwhile
        // must not turn the backoff into a hammering of a provider that is down.
        if refreshToken != nil && !slot.haltedByConfiguration && slot.consecutiveFailures == 0 {
            startRefresh(slot, reason: slot.token == nil ? "first request" : "the access token expired")
        }
        guard slot.refreshing else {
            reply(.error(unavailableMessage(slot)))
            return
        }
        let id = nextWaiterID
        nextWaiterID += 1
        let timer = scheduler.schedule(at: scheduler.now.adding(seconds: RefreshPolicy.waitForRefresh)) { [weak slot] in
            guard let slot, let waiter = slot.waiters.removeValue(forKey: id) else { return }
            waiter.reply(.error("timed out waiting for \(slot.label)'s token to be refreshed; the provider is slow or unreachable"))
        }
        slot.waiters[id] = TokenSlot.Waiter(timer: timer, reply: reply)
    }

    /// Why there is no token, as one sentence a person can act on.
    func unavailableMessage(_ slot: TokenSlot) -> String {
        if slot.haltedByConfiguration, let lastError = slot.lastError {
            return "account \(slot.label) cannot refresh: \(lastError); fix the configuration and restart or reload"
        }
        if !needsSignIn, refreshToken == nil, slot.extra != nil {
            return "account \(slot.label) cannot be minted: the sign-in brought no refresh token (add offline_access or the provider's equivalent to scopes), then sign in at \(signInURL)"
        }
        if needsSignIn || refreshToken == nil {
            return "account \(name) needs sign-in: open \(signInURL)"
        }
        if let lastError = slot.lastError {
            return "account \(slot.label) has no valid token: \(lastError); retrying\(retryText(slot))"
        }
        return "account \(slot.label) has no valid token yet"
    }

    private func retryText(_ slot: TokenSlot) -> String {
        guard let nextRefresh = slot.nextRefresh else { return "" }
        return " in \(max(0, Int(nextRefresh.seconds(since: scheduler.now).rounded(.up)))) s"
    }

    private func answerWaiters(_ slot: TokenSlot, _ reply: TokenReply) {
        let pending = slot.waiters
        slot.waiters.removeAll()
        for (_, waiter) in pending.sorted(by: { $0.key < $1.key }) {
            scheduler.cancel(waiter.timer)
            waiter.reply(reply)
        }
    }

    /// The slot's waiters get its token if it is still good, else what to do.
    private func answerWaitersWithCurrent(_ slot: TokenSlot) {
        answerWaiters(slot, usableToken(slot).map(TokenReply.token) ?? .error(unavailableMessage(slot)))
    }

    // MARK: Sign-in

    /// Logs the line that tells the person what to open, and runs the notification hook
    /// (unless the caller already did, for an error that says more than "sign in").
    func announceSignInNeeded(because reason: String, notify: Bool = true) {
        needsSignIn = true
        onStateChange?()
        logger.notice(
            "signin_needed", "account \(name) needs sign-in: open \(signInURL)", account: name,
            ["REASON": reason, "SIGNIN_URL": signInURL])
        if notify { onNeedsPerson?(self, "signin_needed", "account \(name) needs sign-in (\(reason)): open \(signInURL)") }
    }

    /// Redeems an authorization code (off the loop) and installs the tokens.
    func completeSignIn(code: String, verifier: String, nonce: String?, reply: @escaping (SignInResult) -> Void) {
        let request = TokenRequest.authorizationCode(account: settings, code: code, verifier: verifier)
        let endpoint = self.endpoint
        let settings = self.settings
        logger.info("code_exchange", "account \(name): redeeming the authorization code", account: name)
        scheduler.offload({ endpoint.send(request, for: settings) }) { [weak self] result in
            guard let self, !self.retired else {
                // A reload removed or replaced the account while its code was at the provider.
                reply(.failed(summary: "the account's configuration changed while signing in", advice: "Sign in again from the daemon's sign-in link."))
                return
            }
            switch self.interpret(result) {
            case .granted(let grant):
                if let nonce, let problem = Self.nonceProblem(idToken: grant.idToken, expected: nonce) {
                    self.logger.error("signin_failed", "account \(self.name): sign-in rejected: \(problem)", account: self.name)
                    reply(.failed(summary: problem, advice: "Start again from \(self.signInURL)."))
                    return
                }
                self.install(grant, in: self.primary)
                let lifetime = Int(grant.lifetimeSeconds)
                self.logger.notice(
                    "signed_in", "account \(self.name) signed in: access token valid for \(lifetime) s", account: self.name,
                    ["EXPIRES_IN": String(lifetime)])
                if grant.refreshToken == nil {
                    self.logger.warning(
                        "no_refresh_token",
                        "account \(self.name): the provider returned no refresh token, so the person must sign in again in \(lifetime) s; add offline_access (or the provider's equivalent) to scopes",
                        account: self.name)
                }
                self.mintExtraTokens()
                reply(.signedIn)
            case .failed(_, let summary, let advice, _, let fields):
                self.logger.error(
                    "signin_failed", "account \(self.name): the code exchange failed: \(summary)\(advice.map { " — " + $0 } ?? "")",
                    account: self.name, fields)
                reply(.failed(summary: summary, advice: advice))
            }
        }
    }

    /// After a sign-in, every extra token is minted afresh from the new refresh token: the
    /// ones from before belong to the previous session, perhaps another person's.
    private func mintExtraTokens() {
        for slot in slots.dropFirst() {
            slot.reset(cancelling: scheduler)
            if refreshToken != nil {
                startRefresh(slot, reason: "signed in")
            } else {
                answerWaitersWithCurrent(slot)
            }
        }
    }

    /// The id_token's `nonce` must be the one this sign-in sent (OpenID Connect Core §3.1.3.7).
    /// The token came straight from the token endpoint over TLS, so its signature is not
    /// what protects us here; the nonce binds it to this browser flow.
    static func nonceProblem(idToken: String?, expected: String) -> String? {
        guard let idToken else { return nil }
        let parts = idToken.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, let payload = Base64.decodeURL(String(parts[1])),
            case .object(let claims) = try? JSONParser.parse(payload)
        else { return "the id_token returned by the provider is malformed" }
        guard case .string(let nonce) = claims["nonce"] else {
            return "the id_token has no nonce, but this sign-in sent one"
        }
        return ConstantTime.equals(nonce, expected) ? nil : "the id_token's nonce does not match this sign-in"
    }

    // MARK: Refreshing

    func forceRefresh(_ reply: @escaping (TokenReply) -> Void) { forceRefresh(primary, reply) }

    /// `refresh NAME[.TOKEN]`: refresh now and reply when it ends.
    func forceRefresh(_ slot: TokenSlot, _ reply: @escaping (TokenReply) -> Void) {
        guard refreshToken != nil else {
            reply(.error(unavailableMessage(slot)))
            return
        }
        slot.haltedByConfiguration = false
        slot.refreshCompletions.append(reply)
        startRefresh(slot, reason: "requested")
    }

    /// Queues a grant for `slot`; it goes out when no other grant of this account is in flight.
    private func startRefresh(_ slot: TokenSlot, reason: String) {
        guard !slot.refreshing, refreshToken != nil else { return }
        slot.refreshing = true
        if let timer = slot.refreshTimer { scheduler.cancel(timer) }
        slot.refreshTimer = nil
        slot.nextRefresh = nil
        queue.append((slot, reason))
        sendNextGrant()
    }

    private func sendNextGrant() {
        guard !grantInFlight, !queue.isEmpty, let refreshToken else { return }
        let (slot, reason) = queue.removeFirst()
        grantInFlight = true
        let request = TokenRequest.refresh(account: settings, refreshToken: refreshToken, token: slot.extra)
        let endpoint = self.endpoint
        let settings = self.settings
        let startedGeneration = generation
        let verb = slot.extra == nil ? "refreshing the access token" : "minting token \(slot.label)"
        logger.info("refresh_started", "account \(name): \(verb) (\(reason))", account: name, slot.fields)
        scheduler.offload({ endpoint.send(request, for: settings) }) { [weak self] result in
            guard let self, !self.retired else { return }
            self.finishRefresh(slot, self.interpret(result), startedGeneration: startedGeneration)
            self.sendNextGrant()
        }
    }

    private func finishRefresh(_ slot: TokenSlot, _ outcome: Outcome, startedGeneration: Int) {
        grantInFlight = false
        slot.refreshing = false
        if generation != startedGeneration {
            // A sign-in installed newer tokens while this refresh was in flight; they win. An
            // extra token it cleared is minted again from the new refresh token.
            if usableToken(slot) == nil, refreshToken != nil, !slot.haltedByConfiguration {
                startRefresh(slot, reason: "signed in")
                return
            }
            finishRefreshCompletions(slot, usableToken(slot).map(TokenReply.token) ?? .error(unavailableMessage(slot)))
            answerWaitersWithCurrent(slot)
            return
        }
        switch outcome {
        case .granted(let grant):
            install(grant, in: slot)
            logger.info(
                "refreshed", "account \(slot.label) refreshed: access token valid for \(grant.lifetimeSeconds) s", account: name,
                slot.fields.merging(["EXPIRES_IN": String(grant.lifetimeSeconds)]) { a, _ in a })
            finishRefreshCompletions(slot, usableToken(slot).map(TokenReply.token) ?? .error(unavailableMessage(slot)))
        case .failed(let kind, let summary, let advice, let retryAfter, let failureFields):
            let fields = failureFields.merging(slot.fields) { a, _ in a }
            slot.lastError = summary
            let adviceText = advice.map { " — " + $0 } ?? ""
            switch kind {
            case .transient:
                slot.consecutiveFailures += 1
                let delay = RefreshPolicy.retryDelay(attempt: slot.consecutiveFailures, retryAfter: retryAfter)
                scheduleRefresh(slot, at: scheduler.now.adding(seconds: delay))
                logger.warning(
                    "refresh_failed",
                    "account \(slot.label): refresh failed (attempt \(slot.consecutiveFailures)): \(summary); keeping the refresh token, retrying in \(Int(delay.rounded(.up))) s",
                    account: name, fields.merging(["RETRY_IN": String(Int(delay.rounded(.up)))]) { a, _ in a })
            case .needsSignIn, .deviceCompliance:
                dropRefreshToken()
                // The one line a person reads in the journal: why, and where to go next.
                let message = "account \(slot.label): the provider refused the refresh token (sign in at \(signInURL)): \(summary)\(adviceText)"
                logger.error("refresh_failed", message, account: name, fields)
                // Device compliance is not fixed by a sign-in alone: the notice carries the advice.
                announceSignInNeeded(because: summary, notify: kind == .needsSignIn)
                if kind == .deviceCompliance { onNeedsPerson?(self, "refresh_failed", message) }
            case .configuration:
                slot.haltedByConfiguration = true
                let message =
                    "account \(slot.label): refresh rejected as misconfigured: \(summary)\(adviceText); not retrying until the configuration is fixed"
                logger.error("refresh_failed", message, account: name, fields)
                onNeedsPerson?(self, "refresh_failed", message)
            }
            // `refresh NAME` asked for a new token and did not get one: say so, whatever
            // the still-valid old token; socket clients get that old token if it is usable.
            let next = kind == .transient ? "the refresh token is kept and the refresh retried" : unavailableMessage(slot)
            finishRefreshCompletions(slot, .error("refresh of \(slot.label) failed: \(summary); \(next)"))
            answerWaitersWithCurrent(slot)
            onStateChange?()
        }
    }

    /// The provider refused the refresh token: every token of the account now needs the
    /// person. Grants queued behind the refused one are dropped, their callers answered.
    private func dropRefreshToken() {
        refreshToken = nil
        needsSignIn = true
        let dropped = queue.map(\.slot)
        queue.removeAll()
        for slot in slots {
            if let timer = slot.refreshTimer { scheduler.cancel(timer) }
            slot.refreshTimer = nil
            slot.nextRefresh = nil
        }
        for slot in dropped {
            slot.refreshing = false
            finishRefreshCompletions(slot, .error("refresh of \(slot.label) failed: \(unavailableMessage(slot))"))
            answerWaitersWithCurrent(slot)
        }
    }

    private func finishRefreshCompletions(_ slot: TokenSlot, _ reply: TokenReply) {
        let completions = slot.refreshCompletions
        slot.refreshCompletions.removeAll()
        for completion in completions { completion(reply) }
    }

    private func install(_ grant: TokenGrant, in slot: TokenSlot) {
        let now = scheduler.now
        let lifetime = Double(grant.lifetimeSeconds)
        slot.token = TokenSlot.HeldToken(
            value: grant.accessToken, expiresAt: now.adding(seconds: lifetime), lifetime: lifetime,
            wallExpiry: Instant.now(.wall).nanoseconds / 1_000_000_000 + grant.lifetimeSeconds)
        // Rotation: a new refresh token replaces the old at once, for every token of the
        // account; none returned keeps the old.
        if let rotated = grant.refreshToken { refreshToken = rotated }
        needsSignIn = false
        slot.haltedByConfiguration = false
        slot.consecutiveFailures = 0
        slot.lastError = nil
        generation += 1
        if let expiryTimer { scheduler.cancel(expiryTimer) }
        expiryTimer = nil
        if refreshToken != nil {
            let after = RefreshPolicy.refreshAfter(
                lifetime: lifetime, refreshIn: grant.refreshInSeconds.map(Double.init), jitter: Double.random(in: 0...1))
            scheduleRefresh(slot, at: now.adding(seconds: after))
        } else {
            if let timer = slot.refreshTimer { scheduler.cancel(timer) }
            slot.refreshTimer = nil
            slot.nextRefresh = nil
            expiryTimer = scheduler.schedule(at: now.adding(seconds: lifetime)) { [weak self] in
                guard let self, self.refreshToken == nil else { return }
                self.announceSignInNeeded(because: "the access token expired and there is no refresh token")
            }
        }
        if slot === primary { watchForStaleness(slot) }
        onStateChange?()
        if let value = usableToken(slot) { answerWaiters(slot, .token(value)) }
    }

    private func watchForStaleness(_ slot: TokenSlot) {
        if let staleTimer { scheduler.cancel(staleTimer) }
        staleTimer = nil
        // Only for someone listening (STATUS= under systemd): otherwise no timer at all.
        guard onStateChange != nil, let token = slot.token else { return }
        let margin = RefreshPolicy.serveMargin(lifetime: token.lifetime)
        staleTimer = scheduler.schedule(at: token.expiresAt.adding(seconds: -margin)) { [weak self] in
            self?.staleTimer = nil
            self?.onStateChange?()
        }
    }

    // MARK: Reload

    /// A reload removed the account or changed its settings: every timer stops, every waiting
    /// client and `refresh` caller gets `message`, and whatever is in flight is dropped when
    /// it lands. The tokens go with the object.
    func retire(because message: String) {
        retired = true
        onNeedsPerson = nil
        onStateChange = nil
        queue.removeAll()
        for timer in [expiryTimer, staleTimer].compactMap({ $0 }) { scheduler.cancel(timer) }
        expiryTimer = nil
        staleTimer = nil
        refreshToken = nil
        for slot in slots {
            slot.refreshing = false
            finishRefreshCompletions(slot, .error(message))
            answerWaiters(slot, .error(message))
            slot.reset(cancelling: scheduler)
        }
    }

    private func scheduleRefresh(_ slot: TokenSlot, at deadline: Instant) {
        if let timer = slot.refreshTimer { scheduler.cancel(timer) }
        slot.nextRefresh = deadline
        slot.refreshTimer = scheduler.schedule(at: deadline) { [weak self, weak slot] in
            guard let self, let slot else { return }
            slot.refreshTimer = nil
            self.startRefresh(slot, reason: "scheduled")
        }
    }

    /// Turns a transport result into a grant or a classified failure.
    private func interpret(_ result: Result<HTTPResponseMessage, TransportFailure>) -> Outcome {
        let message: HTTPResponseMessage
        switch result {
        case .failure(let failure):
            return .failed(kind: .transient, summary: failure.description, advice: nil, retryAfter: nil, fields: [:])
        case .success(let response):
            message = response
        }
        let wallNow = Instant.now(.wall).nanoseconds / 1_000_000_000
        switch TokenResponse.parse(
            status: message.status, contentType: message.headers["Content-Type"], body: message.body, now: wallNow)
        {
        case .success(let grant):
            return .granted(grant)
        case .failure(let error):
            var fields: [String: String] = ["HTTP_STATUS": String(message.status)]
            if let code = error.code { fields["ERROR_CODE"] = code }
            if !error.providerCodes.isEmpty {
                fields["PROVIDER_CODES"] = error.providerCodes.map(String.init).joined(separator: ",")
            }
            if let correlation = error.correlationID { fields["CORRELATION_ID"] = correlation }
            let advice = ProviderErrorAdvice.advice(for: error.providerCodes, error: error.code)
            let retryAfter = message.headers["Retry-After"].flatMap { Self.retryAfterSeconds($0, wallNow: wallNow) }
            return .failed(kind: error.kind, summary: error.summary, advice: advice, retryAfter: retryAfter, fields: fields)
        }
    }

    /// Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
    static func retryAfterSeconds(_ value: String, wallNow: Int64) -> Double? {
        let trimmed = value.trimmingWhitespace
        if let seconds = Int64(trimmed), seconds >= 0 { return Double(seconds) }
        guard let date = HTTPDate.parse(trimmed) else { return nil }
        return Double(max(0, date - wallNow))
    }

    // MARK: Status

    /// One account as `status` shows it: its own token's state, and each extra token's under `tokens`.
    func status() -> JSONValue {
        var members: [(String, JSONValue)] = [("name", .string(name))] + status(primary)
        if needsSignIn || usableToken == nil { members.append(("signin_url", .string(signInURL))) }
        if slots.count > 1 {
            let tokens = slots.dropFirst().map { slot -> JSONValue in
                .object(JSONObject([("name", .string(slot.label))] + status(slot)))
            }
            members.append(("tokens", .array(Array(tokens))))
        }
        return .object(JSONObject(members))
    }

    private func status(_ slot: TokenSlot) -> [(String, JSONValue)] {
        let now = scheduler.now
        var members: [(String, JSONValue)] = []
        let state: String
        if slot.refreshing {
            state = "refreshing"
        } else if slot.haltedByConfiguration {
            state = "misconfigured"
        } else if needsSignIn && usableToken(slot) == nil {
            state = "needs_signin"
        } else if slot.lastError != nil {
            state = "failing"
        } else if usableToken(slot) != nil {
            state = "signed_in"
        } else {
            state = "needs_signin"
        }
        members.append(("state", .string(state)))
        if let token = slot.token {
            members.append(("expires_at", .number(JSONNumber(token.wallExpiry))))
            members.append(("expires_in", .number(JSONNumber(Int64(token.expiresAt.seconds(since: now).rounded(.down))))))
        }
        if let nextRefresh = slot.nextRefresh {
            members.append(("next_refresh_in", .number(JSONNumber(Int64(max(0, nextRefresh.seconds(since: now)).rounded(.up))))))
        }
        if let lastError = slot.lastError { members.append(("last_error", .string(lastError))) }
        return members
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
