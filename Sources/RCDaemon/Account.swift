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
public final class Account {
    /// An access token with its expiry on the boot clock (suspend counts as time passing).
    struct HeldToken {
        let value: String
        let expiresAt: Instant
        let lifetime: Double
        let wallExpiry: Int64
    }

    private struct Waiter {
        let timer: EventLoop.TimerID
        let reply: (TokenReply) -> Void
    }

    private enum Outcome {
        case granted(TokenGrant)
        case failed(kind: TokenErrorKind, summary: String, advice: String?, retryAfter: Double?, fields: [String: String])
    }

    public let settings: AccountSettings
    /// `http://localhost:PORT/signin/NAME`: what the person opens.
    public let signInURL: String
    private let scheduler: any Scheduler
    private let endpoint: any TokenEndpoint
    private let logger: Logger
    /// Called when the account needs the person (for the notification hook), with the event
    /// (`signin_needed`, or `refresh_failed` for a permanent error) and the journal's words.
    var onNeedsPerson: ((Account, _ event: String, _ message: String) -> Void)?

    private var token: HeldToken?
    private var refreshToken: String?
    private(set) var refreshing = false
    private var refreshTimer: EventLoop.TimerID?
    private var expiryTimer: EventLoop.TimerID?
    private(set) var nextRefresh: Instant?
    private var consecutiveFailures = 0
    private(set) var lastError: String?
    private(set) var needsSignIn = true
    private var haltedByConfiguration = false
    /// Counts the tokens installed: a refresh or sign-in that finds it changed lost a race.
    private(set) var generation = 0
    private var nextWaiterID = 0
    private var waiters: [Int: Waiter] = [:]
    private var refreshCompletions: [(TokenReply) -> Void] = []

    public var name: String { settings.name }

    init(settings: AccountSettings, signInURL: String, scheduler: any Scheduler, endpoint: any TokenEndpoint, logger: Logger) {
        self.settings = settings
        self.signInURL = signInURL
        self.scheduler = scheduler
        self.endpoint = endpoint
        self.logger = logger
    }

    // MARK: Serving

    /// The access token if it can still be used, with a margin before its expiry.
    var usableToken: String? {
        guard let token else { return nil }
        let margin = RefreshPolicy.serveMargin(lifetime: token.lifetime)
        return scheduler.now.adding(seconds: margin) < token.expiresAt ? token.value : nil
    }

    /// Replies at once with a valid token; if the token expired and a refresh can fix it,
    /// replies when the refresh ends (bounded by `RefreshPolicy.waitForRefresh`); otherwise
    /// replies with what the person should do.
    func requestToken(_ reply: @escaping (TokenReply) -> Void) {
        if let value = usableToken {
            reply(.token(value))
            return
        }
        // After a failure the retry timer owns the next attempt: clients arriving meanwhile
        // must not turn the backoff into a hammering of a provider that is down.
        if refreshToken != nil && !haltedByConfiguration && consecutiveFailures == 0 {
            startRefresh(reason: "the access token expired")
        }
        guard refreshing else {
            reply(.error(unavailableMessage))
            return
        }
        let id = nextWaiterID
        nextWaiterID += 1
        let timer = scheduler.schedule(at: scheduler.now.adding(seconds: RefreshPolicy.waitForRefresh)) { [weak self] in
            guard let self, let waiter = self.waiters.removeValue(forKey: id) else { return }
            waiter.reply(.error("timed out waiting for \(self.name)'s token to be refreshed; the provider is slow or unreachable"))
        }
        waiters[id] = Waiter(timer: timer, reply: reply)
    }

    /// Why there is no token, as one sentence a person can act on.
    var unavailableMessage: String {
        if haltedByConfiguration, let lastError {
            return "account \(name) cannot refresh: \(lastError); fix the configuration and restart or reload"
        }
        if needsSignIn || refreshToken == nil {
            return "account \(name) needs sign-in: open \(signInURL)"
        }
        if let lastError {
            return "account \(name) has no valid token: \(lastError); retrying\(retryText)"
        }
        return "account \(name) has no valid token yet"
    }

    private var retryText: String {
        guard let nextRefresh else { return "" }
        return " in \(max(0, Int(nextRefresh.seconds(since: scheduler.now).rounded(.up)))) s"
    }

    private func answerWaiters(_ reply: TokenReply) {
        let pending = waiters
        waiters.removeAll()
        for (_, waiter) in pending.sorted(by: { $0.key < $1.key }) {
            scheduler.cancel(waiter.timer)
            waiter.reply(reply)
        }
    }

    // MARK: Sign-in

    /// Logs the line that tells the person what to open, and runs the notification hook
    /// (unless the caller already did, for an error that says more than "sign in").
    func announceSignInNeeded(because reason: String, notify: Bool = true) {
        needsSignIn = true
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
            guard let self else { return }
            switch self.interpret(result) {
            case .granted(let grant):
                if let nonce, let problem = Self.nonceProblem(idToken: grant.idToken, expected: nonce) {
                    self.logger.error("signin_failed", "account \(self.name): sign-in rejected: \(problem)", account: self.name)
                    reply(.failed(summary: problem, advice: "Start again from \(self.signInURL)."))
                    return
                }
                self.install(grant)
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
                reply(.signedIn)
            case .failed(_, let summary, let advice, _, let fields):
                self.logger.error(
                    "signin_failed", "account \(self.name): the code exchange failed: \(summary)\(advice.map { " — " + $0 } ?? "")",
                    account: self.name, fields)
                reply(.failed(summary: summary, advice: advice))
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

    /// `refresh NAME`: refresh now and reply when it ends.
    func forceRefresh(_ reply: @escaping (TokenReply) -> Void) {
        guard refreshToken != nil else {
            reply(.error(unavailableMessage))
            return
        }
        haltedByConfiguration = false
        refreshCompletions.append(reply)
        startRefresh(reason: "requested")
    }

    private func startRefresh(reason: String) {
        guard !refreshing, let refreshToken else { return }
        refreshing = true
        if let refreshTimer { scheduler.cancel(refreshTimer) }
        refreshTimer = nil
        nextRefresh = nil
        let request = TokenRequest.refresh(account: settings, refreshToken: refreshToken)
        let endpoint = self.endpoint
        let settings = self.settings
        let startedGeneration = generation
        logger.info("refresh_started", "account \(name): refreshing the access token (\(reason))", account: name)
        scheduler.offload({ endpoint.send(request, for: settings) }) { [weak self] result in
            self?.finishRefresh(self?.interpret(result), startedGeneration: startedGeneration)
        }
    }

    private func finishRefresh(_ outcome: Outcome?, startedGeneration: Int) {
        guard let outcome else { return }
        refreshing = false
        if generation != startedGeneration {
            // A sign-in installed newer tokens while this refresh was in flight; they win.
            finishRefreshCompletions(usableToken.map(TokenReply.token) ?? .error(unavailableMessage))
            answerWaiters(usableToken.map(TokenReply.token) ?? .error(unavailableMessage))
            return
        }
        switch outcome {
        case .granted(let grant):
            install(grant)
            logger.info(
                "refreshed", "account \(name) refreshed: access token valid for \(grant.lifetimeSeconds) s", account: name,
                ["EXPIRES_IN": String(grant.lifetimeSeconds)])
            finishRefreshCompletions(usableToken.map(TokenReply.token) ?? .error(unavailableMessage))
        case .failed(let kind, let summary, let advice, let retryAfter, let fields):
            lastError = summary
            let adviceText = advice.map { " — " + $0 } ?? ""
            switch kind {
            case .transient:
                consecutiveFailures += 1
                let delay = RefreshPolicy.retryDelay(attempt: consecutiveFailures, retryAfter: retryAfter)
                scheduleRefresh(at: scheduler.now.adding(seconds: delay))
                logger.warning(
                    "refresh_failed",
                    "account \(name): refresh failed (attempt \(consecutiveFailures)): \(summary); keeping the refresh token, retrying in \(Int(delay.rounded(.up))) s",
                    account: name, fields.merging(["RETRY_IN": String(Int(delay.rounded(.up)))]) { a, _ in a })
            case .needsSignIn, .deviceCompliance:
                refreshToken = nil
                // The one line a person reads in the journal: why, and where to go next.
                let message = "account \(name): the provider refused the refresh token (sign in at \(signInURL)): \(summary)\(adviceText)"
                logger.error("refresh_failed", message, account: name, fields)
                // Device compliance is not fixed by a sign-in alone: the notice carries the advice.
                announceSignInNeeded(because: summary, notify: kind == .needsSignIn)
                if kind == .deviceCompliance { onNeedsPerson?(self, "refresh_failed", message) }
            case .configuration:
                haltedByConfiguration = true
                let message =
                    "account \(name): refresh rejected as misconfigured: \(summary)\(adviceText); not retrying until the configuration is fixed"
                logger.error("refresh_failed", message, account: name, fields)
                onNeedsPerson?(self, "refresh_failed", message)
            }
            // `refresh NAME` asked for a new token and did not get one: say so, whatever
            // the still-valid old token; socket clients get that old token if it is usable.
            let next = kind == .transient ? "the refresh token is kept and the refresh retried" : unavailableMessage
            finishRefreshCompletions(.error("refresh of \(name) failed: \(summary); \(next)"))
            answerWaiters(usableToken.map(TokenReply.token) ?? .error(unavailableMessage))
        }
    }

    private func finishRefreshCompletions(_ reply: TokenReply) {
        let completions = refreshCompletions
        refreshCompletions.removeAll()
        for completion in completions { completion(reply) }
    }

    private func install(_ grant: TokenGrant) {
        let now = scheduler.now
        let lifetime = Double(grant.lifetimeSeconds)
        token = HeldToken(
            value: grant.accessToken, expiresAt: now.adding(seconds: lifetime), lifetime: lifetime,
            wallExpiry: Instant.now(.wall).nanoseconds / 1_000_000_000 + grant.lifetimeSeconds)
        // Rotation: a new refresh token replaces the old at once; none returned keeps the old.
        if let rotated = grant.refreshToken { refreshToken = rotated }
        needsSignIn = false
        haltedByConfiguration = false
        consecutiveFailures = 0
        lastError = nil
        generation += 1
        if let expiryTimer { scheduler.cancel(expiryTimer) }
        expiryTimer = nil
        if refreshToken != nil {
            let after = RefreshPolicy.refreshAfter(
                lifetime: lifetime, refreshIn: grant.refreshInSeconds.map(Double.init), jitter: Double.random(in: 0...1))
            scheduleRefresh(at: now.adding(seconds: after))
        } else {
            if let refreshTimer { scheduler.cancel(refreshTimer) }
            refreshTimer = nil
            nextRefresh = nil
            expiryTimer = scheduler.schedule(at: now.adding(seconds: lifetime)) { [weak self] in
                guard let self, self.refreshToken == nil else { return }
                self.announceSignInNeeded(because: "the access token expired and there is no refresh token")
            }
        }
        if let value = usableToken { answerWaiters(.token(value)) }
    }

    private func scheduleRefresh(at deadline: Instant) {
        if let refreshTimer { scheduler.cancel(refreshTimer) }
        nextRefresh = deadline
        refreshTimer = scheduler.schedule(at: deadline) { [weak self] in
            guard let self else { return }
            self.refreshTimer = nil
            self.startRefresh(reason: "scheduled")
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

    /// One account as `status` shows it.
    func status() -> JSONValue {
        let now = scheduler.now
        var members: [(String, JSONValue)] = [("name", .string(name))]
        let state: String
        if refreshing {
            state = "refreshing"
        } else if haltedByConfiguration {
            state = "misconfigured"
        } else if needsSignIn && usableToken == nil {
            state = "needs_signin"
        } else if lastError != nil {
            state = "failing"
        } else if usableToken != nil {
            state = "signed_in"
        } else {
            state = "needs_signin"
        }
        members.append(("state", .string(state)))
        if let token {
            members.append(("expires_at", .number(JSONNumber(token.wallExpiry))))
            members.append(("expires_in", .number(JSONNumber(Int64(token.expiresAt.seconds(since: now).rounded(.down))))))
        }
        if let nextRefresh {
            members.append(("next_refresh_in", .number(JSONNumber(Int64(max(0, nextRefresh.seconds(since: now)).rounded(.up))))))
        }
        if let lastError { members.append(("last_error", .string(lastError))) }
        if needsSignIn || usableToken == nil { members.append(("signin_url", .string(signInURL))) }
        return .object(JSONObject(members))
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
