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

/// One account's tokens, driven: every state and transition is in ``AccountState``; this class
/// feeds it events and performs the effects (grants at the token endpoint, timers, answers to
/// waiting clients, notifications, log lines). Lives on the event loop's thread; tokens never
/// leave memory and never reach a log line.
public final class Account {
    /// A classified grant result, with what the journal says about a failure.
    private struct Outcome {
        var result: AccountState.GrantResult
        var advice: String? = nil
        var fields: [String: String] = [:]
    }

    public let settings: AccountSettings
    /// `http://localhost:PORT/signin/NAME`: what the person opens. A reload that moves the
    /// listener to another port changes it.
    public internal(set) var signInURL: String
    let scheduler: any Scheduler
    /// Replaced by a reload that changes `request_timeout`; the grant in flight keeps its own.
    var endpoint: any TokenEndpoint
    let logger: Logger
    /// Called when the account needs the person (for the notification hook), with the event
    /// (`signin_needed`, `signin_due` ahead of a refresh token's end, or `refresh_failed` for a
    /// permanent error) and the journal's words.
    var onNeedsPerson: ((Account, _ event: String, _ message: String) -> Void)?
    /// Called when one extra token alone needs the person (its API wants MFA or consent), with
    /// the journal's words; the notification names the token and its own sign-in link.
    var onTokenNeedsPerson: ((Account, TokenSlot, _ message: String) -> Void)?
    /// Called after anything that may change the state `STATUS=` reports (signed in,
    /// refreshed, failing, needs sign-in).
    var onStateChange: (() -> Void)?
    /// Called after anything that may change what survives a restart (``SavedState``): a
    /// token installed, the refresh token rotated or dropped.
    var onSavedStateChange: (() -> Void)?
    private(set) var state: AccountState
    /// The account's own token first, then the extra ones in config order (as in `state.tokens`).
    let slots: [TokenSlot]
    /// Ends a session without a refresh token when its access token expires, or one whose
    /// refresh token has an end date at that date.
    private var expiryTimer: EventLoop.TimerID?
    /// Warns ahead of a refresh token's end, so that a sign-in replaces it before it runs out.
    private var signInDueTimer: EventLoop.TimerID?
    /// Fires when the account's own token stops being served, so that the state it reports
    /// turns without waiting for another event.
    private var staleTimer: EventLoop.TimerID?
    private var nextWaiterID = 0
    /// The device flow's poll timer (``AccountState/DeviceSignIn``).
    var devicePollTimer: EventLoop.TimerID?
    /// `signin` callers and sign-in pages waiting for a device flow's codes.
    var deviceWaiters: [(DeviceSignInReply) -> Void] = []

    public var name: String { settings.name }
    private var primary: TokenSlot { slots[0] }
    var retired: Bool { state.session == .retired }
    /// Counts the tokens installed; the notification hook's episode.
    var generation: Int { state.generation }
    var grantInFlight: Bool { state.inFlight != nil }

    init(settings: AccountSettings, signInURL: String, scheduler: any Scheduler, endpoint: any TokenEndpoint, logger: Logger) {
        self.settings = settings
        self.signInURL = signInURL
        self.scheduler = scheduler
        self.endpoint = endpoint
        self.logger = logger
        let extras = settings.tokens.enumerated().map { TokenSlot(index: $0.offset + 1, account: settings.name, extra: $0.element) }
        self.slots = [TokenSlot(index: 0, account: settings.name, extra: nil)] + extras
        self.state = AccountState(tokenCount: slots.count)
        for slot in slots { slot.owner = self }
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
    /// What STATUS= counts the account as.
    var standing: AccountState.Standing { state.standing(at: scheduler.now) }

    func nextRefresh(_ slot: TokenSlot) -> Instant? { state.tokens[slot.index].nextRefresh }

    /// The slot's access token if it can still be used, with a margin before its expiry.
    func usableToken(_ slot: TokenSlot) -> String? { state.tokens[slot.index].held?.usable(at: scheduler.now) }

    func requestToken(_ reply: @escaping (TokenReply) -> Void) { requestToken(primary, reply) }

    /// Replies at once with a valid token; if the token expired and a refresh can fix it,
    /// replies when the refresh ends (bounded by `RefreshPolicy.waitForRefresh`); otherwise
    /// replies with what the person should do.
    func requestToken(_ slot: TokenSlot, _ reply: @escaping (TokenReply) -> Void) {
        if let value = usableToken(slot) {
            reply(.token(value))
            return
        }
        perform(state.demand(slot.index))
        guard slot.refreshing else {
            reply(.error(unavailableMessage(slot)))
            return
        }
        wait(slot, reply)
    }

    /// Answers `reply` when the slot's grant in flight lands, or after `RefreshPolicy.waitForRefresh`.
    private func wait(_ slot: TokenSlot, _ reply: @escaping (TokenReply) -> Void) {
        let id = nextWaiterID
        nextWaiterID += 1
        let timer = scheduler.schedule(at: scheduler.now.adding(seconds: RefreshPolicy.waitForRefresh)) { [weak slot] in
            guard let slot, let waiter = slot.waiters.removeValue(forKey: id) else { return }
            waiter.reply(.error("timed out waiting for \(slot.label)'s token to be refreshed; the provider is slow or unreachable"))
        }
        slot.waiters[id] = TokenSlot.Waiter(timer: timer, reply: reply)
    }

    /// `rejected NAME[.TOKEN] TOKEN`: an API answered `invalid_token` to `reported`. Replies
    /// with a token that is not that one: the current one when the report is stale, a new one
    /// after a single forced refresh that every client reporting the same token waits for, or
    /// an `error:` sentence when the token is too fresh for a new one to fare better. The
    /// reported token is never logged, and never handed back.
    func rejected(_ slot: TokenSlot, reported: String, _ reply: @escaping (TokenReply) -> Void) {
        let other: (TokenReply) -> Void = { [weak self, weak slot] answer in
            guard case .token(let value) = answer, ConstantTime.equals(value, reported), let self, let slot else {
                reply(answer)
                return
            }
            reply(.error("\(slot.label)'s token was refused and there is no other yet: \(self.unavailableMessage(slot))"))
        }
        let fields = { (kind: String) in slot.fields.merging(["REJECTED": kind]) { a, _ in a } }
        switch state.rejected(slot.index, reported: reported, at: scheduler.now) {
        case .stale:
            logger.debug(
                "token_rejected", "account \(slot.label): an API refused a token that is no longer current; serving the current one",
                account: name, fields("stale"))
            requestToken(slot, other)
        case .fresh(let age):
            let claims = AccessTokenClaims(token: reported)?.summary.map { " The token is for \($0)." } ?? ""
            let message =
                "account \(slot.label): an API refused a token minted \(age) s ago; it refuses fresh tokens, so a new one would be refused too, and none was fetched.\(claims) Check the API's URL and the `resource` or `scopes` that \(slot.label) asks for."
            logger.warning("token_rejected", message, account: name, fields("fresh"))
            reply(.error(message))
        case .refresh(let effects):
            if effects.isEmpty {
                logger.debug(
                    "token_rejected", "account \(slot.label): an API refused the current token; waiting for the grant already on its way",
                    account: name, fields("current"))
            } else {
                logger.info(
                    "token_rejected", "account \(slot.label): an API refused the current token; fetching a new one", account: name,
                    fields("current"))
            }
            perform(effects)
            if slot.refreshing {
                wait(slot, other)
            } else {
                other(resolve(.current, slot))
            }
        }
    }

    /// Why there is no token, as one sentence a person can act on.
    func unavailableMessage(_ slot: TokenSlot) -> String {
        // A device_code account with no code out: the person most likely has no browser here.
        if settings.signInFlow == .deviceCode, state.condition(slot.index) == .needsSignIn, state.pendingDeviceAuthorization == nil {
            return "account \(name) needs sign-in: run \(deviceRestartCommand) for a code to enter on any device, or open \(signInURL)"
        }
        return state.message(slot.index, label: slot.label, account: name, signInURL: signInURL, tokenSignInURL: signInURL(slot), at: scheduler.now)
    }

    /// `/signin/ACCOUNT.TOKEN` for an extra token: a sign-in that asks for that token's scopes
    /// (or resource), so the person meets what its API demands. `signInURL` ends in the account's name.
    func signInURL(_ slot: TokenSlot) -> String {
        slot.extra.map { signInURL + "." + $0.name } ?? signInURL
    }

    // MARK: Effects

    /// Runs one transition of the state and performs its effects: the way the device flow's
    /// driver (`Account+Device.swift`) moves the state, which only this file may set.
    func transition(_ change: (inout AccountState) -> [AccountState.Effect]) {
        perform(change(&state))
    }

    private func perform(_ effects: [AccountState.Effect]) {
        for effect in effects {
            switch effect {
            case .sendGrant(let index, let refreshToken, let reason):
                let request = TokenRequest.refresh(account: settings, refreshToken: refreshToken, token: slots[index].extra)
                sendGrant(slots[index], request, reason: reason)
            case .sendApplicationGrant(let index, let reason):
                sendGrant(slots[index], TokenRequest.clientCredentials(account: settings, token: slots[index].extra), reason: reason)
            case .armRefresh(let index, let deadline):
                let slot = slots[index]
                if let timer = slot.refreshTimer { scheduler.cancel(timer) }
                slot.refreshTimer = scheduler.schedule(at: deadline) { [weak self, weak slot] in
                    guard let self, let slot else { return }
                    slot.refreshTimer = nil
                    self.perform(self.state.refreshDue(slot.index))
                }
            case .cancelRefresh(let index):
                if let timer = slots[index].refreshTimer { scheduler.cancel(timer) }
                slots[index].refreshTimer = nil
            case .armExpiry(let deadline):
                if let expiryTimer { scheduler.cancel(expiryTimer) }
                expiryTimer = scheduler.schedule(at: deadline) { [weak self] in
                    guard let self else { return }
                    self.expiryTimer = nil
                    self.perform(self.state.sessionExpired())
                }
            case .cancelExpiry:
                if let expiryTimer { scheduler.cancel(expiryTimer) }
                expiryTimer = nil
            case .armSignInDue(let deadline):
                if let signInDueTimer { scheduler.cancel(signInDueTimer) }
                signInDueTimer = scheduler.schedule(at: deadline) { [weak self] in
                    guard let self else { return }
                    self.signInDueTimer = nil
                    self.perform(self.state.signInDue())
                }
            case .cancelSignInDue:
                if let signInDueTimer { scheduler.cancel(signInDueTimer) }
                signInDueTimer = nil
            case .signInDue(let expiry):
                let left = max(0, Int64(expiry.at.seconds(since: scheduler.now).rounded(.up)))
                let at = HTTPDate.formatRFC3339(expiry.wallSeconds)
                let message = "account \(name): the refresh token ends in \(left) s (\(at)); sign in again before then at \(signInURL)"
                logger.notice(
                    "signin_due", message, account: name,
                    ["SIGNIN_URL": signInURL, "REFRESH_TOKEN_EXPIRES_AT": at, "EXPIRES_IN": String(left)])
                onNeedsPerson?(self, "signin_due", message)
            case .installed(let index):
                if index == 0 { watchForStaleness() }
                onSavedStateChange?()
            case .answerWaiters(let index, let answer):
                answerWaiters(slots[index], resolve(answer, slots[index]))
            case .answerRefreshes(let index, let answer):
                let slot = slots[index]
                let completions = slot.refreshCompletions
                slot.refreshCompletions.removeAll()
                let reply = resolve(answer, slot)
                for completion in completions { completion(reply) }
            case .signInNeeded(let reason, let notify) where settings.signInFlow == .deviceCode:
                // The person gets a code to enter on any device once the provider has issued one.
                perform(state.startDeviceSignIn(because: reason, notify: notify))
            case .requestDeviceCode, .sendDevicePoll, .armDevicePoll, .cancelDevicePoll, .deviceSignInNeeded, .deviceSignInEnded:
                performDevice(effect)
            case .signInNeeded(let reason, let notify):
                logger.notice(
                    "signin_needed", "account \(name) needs sign-in: open \(signInURL)", account: name,
                    ["REASON": reason, "SIGNIN_URL": signInURL])
                if notify { onNeedsPerson?(self, "signin_needed", "account \(name) needs sign-in (\(reason)): open \(signInURL)") }
            case .tokenSignInNeeded(let index, let reason):
                let slot = slots[index]
                let url = signInURL(slot)
                logger.notice(
                    "signin_needed", "token \(slot.label) needs sign-in: open \(url)", account: name,
                    slot.fields.merging(["REASON": reason, "SIGNIN_URL": url]) { a, _ in a })
                onTokenNeedsPerson?(self, slot, "token \(slot.label) needs sign-in (\(reason)): open \(url)")
            case .stateChanged:
                onStateChange?()
                onSavedStateChange?()
            }
        }
    }

    private func resolve(_ answer: AccountState.Answer, _ slot: TokenSlot) -> TokenReply {
        switch answer {
        case .current:
            return usableToken(slot).map(TokenReply.token) ?? .error(unavailableMessage(slot))
        case .refreshFailed(let summary?, let retrying):
            // `refresh NAME` asked for a new token and did not get one: say so, whatever
            // the still-valid old token; socket clients get that old token if it is usable.
            let next =
                !retrying ? unavailableMessage(slot) : isApplication ? "the grant is retried" : "the refresh token is kept and the refresh retried"
            return .error("refresh of \(slot.label) failed: \(summary); \(next)")
        case .refreshFailed(nil, _):
            return .error("refresh of \(slot.label) failed: \(unavailableMessage(slot))")
        case .error(let message):
            return .error(message)
        }
    }

    private func answerWaiters(_ slot: TokenSlot, _ reply: TokenReply) {
        let pending = slot.waiters
        slot.waiters.removeAll()
        for (_, waiter) in pending.sorted(by: { $0.key < $1.key }) {
            scheduler.cancel(waiter.timer)
            waiter.reply(reply)
        }
    }

    private func watchForStaleness() {
        if let staleTimer { scheduler.cancel(staleTimer) }
        staleTimer = nil
        // Only for someone listening (STATUS= under systemd): otherwise no timer at all.
        guard onStateChange != nil, let token = state.tokens[0].held else { return }
        let margin = RefreshPolicy.serveMargin(lifetime: token.lifetime)
        staleTimer = scheduler.schedule(at: token.expiresAt.adding(seconds: -margin)) { [weak self] in
            self?.staleTimer = nil
            self?.onStateChange?()
        }
    }

    var moment: AccountState.Moment {
        AccountState.Moment(
            now: scheduler.now, wallSeconds: Instant.now(.wall).nanoseconds / 1_000_000_000, jitter: Double.random(in: 0...1))
    }

    /// Now, for the answer to a request sent at `sentAt`: its lifetimes count from then.
    func moment(sentAt: Instant) -> AccountState.Moment {
        var moment = self.moment
        moment.sentAt = sentAt
        return moment
    }

    // MARK: Restart

    /// The account's tokens by name: nil for its own, then each extra token's.
    var tokenNames: [String?] { slots.map { $0.extra?.name } }

    /// Takes up the state a restart left, whose fingerprint matched these settings, and arms
    /// its timers.
    func restore(_ saved: SavedState.Account) {
        state = AccountState(restoring: saved, tokenNames: tokenNames, at: moment)
        perform(state.restoredTimers())
    }

    /// What of this account survives a restart, if anything.
    func saved(wallNow: Int64) -> SavedState.Account? {
        state.saved(name: name, fingerprint: SavedState.fingerprint(settings), tokenNames: tokenNames, wallNow: wallNow)
    }

    // MARK: Sign-in

    /// Logs the line that tells the person what to open, and runs the notification hook. An
    /// account with `grant: client_credentials` has no person: its tokens are requested instead.
    func announceSignInNeeded(because reason: String) {
        if isApplication {
            perform(state.startApplication(reason: reason))
            return
        }
        perform(state.signInNeeded(because: reason))
    }

    /// Redeems an authorization code (off the loop) and installs the tokens. With `token` (the
    /// sign-in at `/signin/ACCOUNT.TOKEN`), the code was issued for that extra token's scopes:
    /// it mints that token, and its refresh token becomes the account's.
    func completeSignIn(code: String, verifier: String, nonce: String?, token: TokenSlot? = nil, reply: @escaping (SignInResult) -> Void) {
        let slot = token ?? primary
        let request = TokenRequest.authorizationCode(account: settings, code: code, verifier: verifier, token: slot.extra)
        let endpoint = self.endpoint
        let settings = self.settings
        logger.info("code_exchange", "account \(name): redeeming the authorization code", account: name)
        let sentAt = scheduler.now
        scheduler.offload({ endpoint.send(request, for: settings) }) { [weak self] result in
            guard let self, !self.retired else {
                // A reload removed or replaced the account while its code was at the provider.
                reply(.failed(summary: "the account's configuration changed while signing in", advice: "Sign in again from the daemon's sign-in link."))
                return
            }
            let outcome = self.naming(self.interpret(result, request: request), slot)
            switch outcome.result {
            case .granted(let grant):
                if let nonce, let problem = Self.nonceProblem(idToken: grant.idToken, expected: nonce) {
                    self.logger.error("signin_failed", "account \(self.name): sign-in rejected: \(problem)", account: self.name)
                    reply(.failed(summary: problem, advice: "Start again from \(self.signInURL)."))
                    return
                }
                let lifetime = Int(grant.lifetimeSeconds)
                self.logger.notice(
                    "signed_in", "account \(slot.label) signed in: access token valid for \(lifetime) s", account: self.name,
                    slot.fields.merging(["EXPIRES_IN": String(lifetime)]) { a, _ in a })
                if grant.refreshToken == nil {
                    self.logger.warning(
                        "no_refresh_token",
                        "account \(self.name): the provider returned no refresh token, so the person must sign in again in \(lifetime) s; add offline_access (or the provider's equivalent) to scopes",
                        account: self.name)
                }
                let moment = self.moment(sentAt: sentAt)
                self.perform(slot.extra == nil ? self.state.signIn(grant, at: moment) : self.state.tokenSignedIn(slot.index, grant, at: moment))
                reply(.signedIn)
            case .failed(_, let summary, _):
                self.logger.error(
                    "signin_failed", "account \(slot.label): the code exchange failed: \(summary)\(outcome.advice.map { " — " + $0 } ?? "")",
                    account: self.name, outcome.fields.merging(slot.fields) { a, _ in a })
                reply(.failed(summary: summary, advice: outcome.advice))
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
        guard let effects = state.forceRefresh(slot.index) else {
            reply(.error(unavailableMessage(slot)))
            return
        }
        slot.refreshCompletions.append(reply)
        perform(effects)
    }

    private func sendGrant(_ slot: TokenSlot, _ request: TokenRequest, reason: String) {
        let endpoint = self.endpoint
        let settings = self.settings
        let verb =
            isApplication
            ? "requesting \(slot.extra == nil ? "the access token" : "token \(slot.label)") with the client credentials"
            : slot.extra == nil ? "refreshing the access token" : "minting token \(slot.label)"
        logger.info("refresh_started", "account \(name): \(verb) (\(reason))", account: name, slot.fields.merging(grantFields) { a, _ in a })
        let sentAt = scheduler.now
        scheduler.offload({ endpoint.send(request, for: settings) }) { [weak self] result in
            guard let self, !self.retired else { return }
            self.grantLanded(slot, self.naming(self.interpret(result, request: request), slot), sentAt: sentAt)
        }
    }

    /// Moves the state on, then tells the journal (and, for what only a person can fix, the
    /// notification hook) what happened, then performs the effects.
    private func grantLanded(_ slot: TokenSlot, _ outcome: Outcome, sentAt: Instant) {
        var outcome = outcome
        // A refused client credentials grant is the configuration's to fix: the log says so.
        if isApplication { outcome.result = AccountState.applicationResult(outcome.result) }
        let current = state.inFlight?.generation == state.generation
        let effects = state.grantLanded(outcome.result, at: moment(sentAt: sentAt))
        if current { logOutcome(slot, outcome) }
        perform(effects)
    }

    private func logOutcome(_ slot: TokenSlot, _ outcome: Outcome) {
        let fields = outcome.fields.merging(slot.fields) { a, _ in a }.merging(grantFields) { a, _ in a }
        let adviceText = outcome.advice.map { " — " + $0 } ?? ""
        switch outcome.result {
        case .granted(let grant):
            let what = isApplication ? "got a token with its client credentials" : "refreshed"
            logger.info(
                "refreshed", "account \(slot.label) \(what): access token valid for \(grant.lifetimeSeconds) s", account: name,
                fields.merging(["EXPIRES_IN": String(grant.lifetimeSeconds)]) { a, _ in a })
        case .failed(.transient, let summary, _), .failed(.unrecognized, let summary, _):
            guard case .retrying(let at, let failure) = state.tokens[slot.index].phase else { return }
            let delay = String(Int(at.seconds(since: scheduler.now).rounded(.up)))
            // An error code nobody here knows is no reason to drop the refresh token; say so.
            let unknown = if case .failed(.unrecognized, _, _) = outcome.result { " (an error this daemon does not know)" } else { "" }
            logger.warning(
                "refresh_failed",
                "account \(slot.label): \(isApplication ? "client credentials grant" : "refresh") failed (attempt \(failure.attempts)): \(summary)\(unknown); \(isApplication ? "" : "keeping the refresh token, ")retrying in \(delay) s",
                account: name, fields.merging(["RETRY_IN": delay]) { a, _ in a })
        case .failed(_, let summary, _) where state.tokens[slot.index].refused:
            logger.error(
                "refresh_failed",
                "account \(slot.label): the provider refused this token's grant: \(summary)\(adviceText); checking the refresh token with the account's own grant before anything is dropped",
                account: name, fields)
        case .failed(.configuration, let summary, _):
            let message =
                isApplication
                ? "account \(slot.label): the provider refused the client credentials grant: \(summary)\(adviceText); not retrying until the configuration or the app registration is fixed (then reload, or run `redirect-catcher refresh \(slot.label)`)"
                : "account \(slot.label): refresh rejected as misconfigured: \(summary)\(adviceText); not retrying until the configuration is fixed"
            logger.error("refresh_failed", message, account: name, fields)
            onNeedsPerson?(self, "refresh_failed", message)
        case .failed(let kind, let summary, _):
            // The one line a person reads in the journal: why, and where to go next.
            let message = "account \(slot.label): the provider refused the refresh token (sign in at \(signInURL)): \(summary)\(adviceText)"
            logger.error("refresh_failed", message, account: name, fields)
            // Device compliance is not fixed by a sign-in alone: the notice carries the advice.
            if kind == .deviceCompliance { onNeedsPerson?(self, "refresh_failed", message) }
        }
    }

    // MARK: Reload

    /// A reload removed the account or changed its settings: every timer stops, every waiting
    /// client and `refresh` caller gets `message`, and whatever is in flight is dropped when
    /// it lands. The tokens go with the object.
    func retire(because message: String) {
        onNeedsPerson = nil
        onTokenNeedsPerson = nil
        onStateChange = nil
        onSavedStateChange = nil
        if let staleTimer { scheduler.cancel(staleTimer) }
        staleTimer = nil
        perform(state.retire(because: message))
        answerDeviceWaiters(.failed(message))
    }

    /// Turns a transport result into a grant or a classified failure. A request that could not
    /// be built (the client assertion could not be signed) is a local configuration error that
    /// names the key file, not a network failure to retry with backoff.
    private func interpret(_ result: Result<HTTPResponseMessage, TransportFailure>, request: TokenRequest) -> Outcome {
        if let failure = request.failure {
            return Outcome(result: .failed(.configuration, summary: failure, retryAfter: nil))
        }
        let message: HTTPResponseMessage
        switch result {
        case .failure(let failure):
            return Outcome(result: .failed(.transient, summary: failure.description, retryAfter: nil))
        case .success(let response):
            message = response
        }
        let wallNow = Instant.now(.wall).nanoseconds / 1_000_000_000
        switch TokenResponse.parse(
            status: message.status, contentType: message.headers["Content-Type"], body: message.body, now: wallNow)
        {
        case .success(let grant):
            return Outcome(result: .granted(grant))
        case .failure(let error):
            var fields: [String: String] = ["HTTP_STATUS": String(message.status)]
            if let code = error.code { fields["ERROR_CODE"] = code }
            if !error.providerCodes.isEmpty {
                fields["PROVIDER_CODES"] = error.providerCodes.map(String.init).joined(separator: ",")
            }
            if let correlation = error.correlationID { fields["CORRELATION_ID"] = correlation }
            let advice =
                isApplication
                ? ProviderErrorAdvice.clientCredentialsAdvice(for: error.providerCodes, error: error.code)
                : ProviderErrorAdvice.advice(for: error.providerCodes, error: error.code)
            let retryAfter = message.headers["Retry-After"].flatMap { Self.retryAfterSeconds($0, wallNow: wallNow) }
            return Outcome(result: .failed(error.kind, summary: error.summary, retryAfter: retryAfter), advice: advice, fields: fields)
        }
    }

    /// `invalid_resource` is about one key of the config, so the error line says which: the
    /// account's `resource`, or that of the token under `tokens`.
    private func naming(_ outcome: Outcome, _ slot: TokenSlot) -> Outcome {
        guard outcome.fields["ERROR_CODE"] == "invalid_resource", case .failed(let kind, let summary, let retryAfter) = outcome.result else {
            return outcome
        }
        let key = slot.extra.map { "resource of token \($0.name) under tokens" } ?? "resource"
        let value = (slot.extra?.resource ?? settings.resource).map { " (\"\($0)\")" } ?? ""
        var named = outcome
        named.result = .failed(kind, summary: "\(summary); the provider does not know the \(key)\(value)", retryAfter: retryAfter)
        return named
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
        if case .signedIn(_, let expiry?) = state.session {
            members.append(("refresh_token_expires_at", .string(HTTPDate.formatRFC3339(expiry.wallSeconds))))
        }
        let needsPerson = if case .needsSignIn = state.session { true } else { false }
        // An application has no sign-in to link to.
        if !isApplication, needsPerson || usableToken == nil { members.append(("signin_url", .string(signInURL))) }
        members.append(("grant", .string(settings.grant.rawValue)))
        if let device = deviceStatus() { members.append(("device_signin", device)) }
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
        let token = state.tokens[slot.index]
        var members: [(String, JSONValue)] = [("state", .string(state.statusName(slot.index, at: now)))]
        if let held = token.held {
            members.append(("expires_at", .number(JSONNumber(held.wallExpiry))))
            members.append(("expires_in", .number(JSONNumber(Int64(held.expiresAt.seconds(since: now).rounded(.down))))))
        }
        if let nextRefresh = token.nextRefresh {
            members.append(("next_refresh_in", .number(JSONNumber(Int64(max(0, nextRefresh.seconds(since: now)).rounded(.up))))))
        }
        if let lastError = token.failure?.message { members.append(("last_error", .string(lastError))) }
        // A token that alone needs the person links to its own sign-in.
        if state.condition(slot.index) == .tokenNeedsSignIn(token.failure?.message ?? "") {
            members.append(("signin_url", .string(signInURL(slot))))
        }
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
