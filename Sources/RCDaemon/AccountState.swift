import RCOAuth
import RCSystem

/// Every state an account and each of its tokens can be in, and the transitions between them:
/// pure functions from (state, event) to (state, effects). ``Account`` feeds in the events (a
/// client asks, a timer fires, a grant lands, a sign-in completes) and performs the effects
/// (send a grant, arm or cancel a timer, answer clients, tell the person). Nothing here reads a
/// clock or touches a socket or a log, so every transition is tested on a manual clock.
///
/// Invariants:
/// - One grant in flight per account: `inFlight` is one optional, the rest wait in `queue`.
///   Every grant presents the one refresh token; with rotation, two in flight would present
///   the same one twice and the provider would take that for theft and revoke both.
/// - A rotated refresh token is never sent twice: a grant reads `session`'s refresh token when
///   it goes out, after the previous grant landed and installed its successor.
/// - An expired token is never served: ``HeldToken/usable(at:)`` is the only way to a token's
///   value, and it refuses one within its serve margin of expiry (RFC 6749 §5.1 `expires_in`).
///   A lifetime counts from when its request was sent (``Moment/issuedAt``), never from when
///   the answer arrived, so a slow provider cannot make the daemon's expiry later than its own.
/// - A sign-in wins over the grant that was out when it landed: that grant started in an older
///   `generation`, and its answer is dropped.
/// - A token's failure and timing live in its phase: a retrying token has a retry time, a
///   halted one its error, and a token is refreshing exactly while it is queued or in flight.
/// - An application session (`grant: client_credentials`) has no refresh token and no person:
///   each token comes from a grant of its own, a refusal halts that token as a configuration
///   error (nothing a sign-in could fix), and no transition leads it to `needsSignIn`.
/// - A restored state (``init(restoring:tokenNames:at:)``, after a restart) obeys the same
///   rules: its access tokens are served only within their serve margin, as converted from the
///   wall clock at restore time, and its refresh token is presented by the one grant in flight.
/// - Only a refusal of the account's own grant drops the refresh token. An extra token's
///   refusal may concern its API alone (MFA, Conditional Access or consent for that API), so
///   the account's own grant checks the refresh token first, and only one such check is out.
/// - One device code sign-in (RFC 8628) at a time, and at most one poll of it out. The first
///   sign-in to land wins: a browser sign-in ends a pending device flow, whose poll in flight is
///   then dropped when it lands; a device flow that lands first is an ordinary sign-in.
/// - A device flow stops at its `expires_in`, a denial or a refusal, and never polls closer
///   than its interval, which each `slow_down` lengthens by 5 seconds.
struct AccountState {
    /// The account's sign-in, which every one of its tokens shares.
    enum Session: Equatable {
        /// The person must sign in: not yet, the provider refused the refresh token, or a
        /// token without one expired. No grant goes out.
        case needsSignIn(reason: String)
        /// Every token is minted and refreshed with `refreshToken`; rotation replaces it. A
        /// refresh token with an end date (AD FS's `refresh_token_expires_in`) needs a sign-in
        /// before `expiresAt`: the person is told ahead, and the session ends then.
        case signedIn(refreshToken: String, expiresAt: RefreshTokenExpiry? = nil)
        /// The sign-in brought no refresh token: the account's own token is served until
        /// `expiresAt`, and extra tokens cannot be minted.
        case withoutRefreshToken(expiresAt: Instant)
        /// The application signs in as itself with its client secret or certificate
        /// (`grant: client_credentials`): every token is minted by a grant of its own, and there
        /// is no refresh token to keep or lose, and no person to ask.
        case application
        /// A reload removed or replaced the account: nothing in flight may land.
        case retired

        /// Whether grants may go out: a refresh token to present, or the application's credential.
        var mints: Bool {
            switch self {
            case .signedIn, .application: true
            case .needsSignIn, .withoutRefreshToken, .retired: false
            }
        }
    }

    /// When a refresh token stops working, on the boot clock (for its timers) and the wall
    /// clock (for status).
    struct RefreshTokenExpiry: Equatable {
        let at: Instant
        let wallSeconds: Int64
        let lifetime: Double

        /// When the person is asked to sign in again (`RefreshPolicy.signInDueBefore`).
        var dueAt: Instant { at.adding(seconds: -RefreshPolicy.signInDueBefore(lifetime: lifetime)) }
    }

    /// Why a token's last grant failed, and how many transient failures in a row led here
    /// (the backoff counts them; a success starts again from none).
    struct Failure: Equatable {
        let message: String
        let attempts: Int
    }

    /// What a token's refreshing is doing. The access token (``Token/held``) stands beside the
    /// phase rather than in it: the old one is served in every phase until it expires.
    enum Phase: Equatable {
        /// Nothing planned: not minted yet, no refresh token, or it was refused. A failure is
        /// the last grant's, kept for status until a sign-in.
        case idle(Failure?)
        /// The refresh timer runs.
        case scheduled(at: Instant)
        /// Queued or in flight, retrying `Failure` if there was one.
        case refreshing(after: Failure?)
        /// After a transient failure the retry timer owns the next attempt: clients arriving
        /// meanwhile must not turn the backoff into a hammering of a provider that is down.
        case retrying(at: Instant, Failure)
        /// The provider called the request misconfigured (a wrong scope or client secret):
        /// retrying cannot help until `refresh` is asked for or the configuration changes.
        case halted(Failure)
        /// An extra token's grant was refused. The refusal does not say whether the refresh token
        /// or only this API is at fault, so a grant for the account's own token decides.
        case refused(Failure)
        /// An extra token's grant was refused while the refresh token still works: its API wants
        /// the person (MFA, Conditional Access, consent). Only a sign-in for this token's scopes
        /// helps; the account's other tokens go on as before.
        case needsSignIn(Failure)
    }

    /// One access token the account serves: its own (index 0), then the extra ones in config order.
    struct Token: Equatable {
        var held: HeldToken?
        var phase = Phase.idle(nil)

        var refreshing: Bool { if case .refreshing = phase { true } else { false } }
        /// Refused, waiting for the account's own grant to say whether the refresh token works.
        var refused: Bool { if case .refused = phase { true } else { false } }

        var failure: Failure? {
            switch phase {
            case .idle(let failure), .refreshing(let failure): failure
            case .retrying(_, let failure), .halted(let failure), .refused(let failure), .needsSignIn(let failure): failure
            case .scheduled: nil
            }
        }

        var nextRefresh: Instant? {
            switch phase {
            case .scheduled(let at), .retrying(let at, _): at
            case .idle, .refreshing, .halted, .refused, .needsSignIn: nil
            }
        }
    }

    /// The time a transition happens: the boot clock, the wall clock (for `expires_at`), and
    /// the jitter that keeps many accounts from refreshing in lockstep.
    struct Moment {
        let now: Instant
        var wallSeconds: Int64 = 0
        var jitter: Double = 0
        /// When the request whose answer lands now was sent. The provider issued the token at
        /// some time between then and now, so its `expires_in` counts from no earlier than this:
        /// counting from `now` would stretch every lifetime by the request's own duration.
        var sentAt: Instant? = nil

        /// Where a lifetime the answer names begins: the request's send time, or now.
        var issuedAt: Instant { sentAt.map { min($0, now) } ?? now }

        /// The wall-clock second matching `issuedAt`.
        var issuedWallSeconds: Int64 { wallSeconds - Int64(now.seconds(since: issuedAt).rounded(.up)) }
    }

    /// How a grant ended, as far as the state cares.
    enum GrantResult: Equatable {
        case granted(TokenGrant)
        case failed(TokenErrorKind, summary: String, retryAfter: Double?)
    }

    /// What a waiting client or `refresh` caller is told: the token if usable, else the
    /// ``Condition``'s sentence (`current`); that a refresh failed; or a fixed sentence.
    enum Answer: Equatable {
        case current
        case refreshFailed(summary: String?, retrying: Bool)
        case error(String)
    }

    /// What ``Account`` does after a transition, in order.
    enum Effect: Equatable {
        /// Present `refreshToken` for token `token` at the token endpoint (now ``inFlight``).
        case sendGrant(token: Int, refreshToken: String, reason: String)
        /// Ask for token `token` with the application's own credential (now ``inFlight``).
        case sendApplicationGrant(token: Int, reason: String)
        /// Arms the token's refresh (or retry) timer, replacing the one it had.
        case armRefresh(token: Int, at: Instant)
        case cancelRefresh(token: Int)
        /// Arms the timer that ends the session (a token without a refresh token, or a refresh
        /// token with an end date), replacing the old one.
        case armExpiry(at: Instant)
        case cancelExpiry
        /// Arms the timer that warns ahead of the refresh token's end, replacing the old one.
        case armSignInDue(at: Instant)
        case cancelSignInDue
        /// Log that the refresh token ends soon and run the notification hook: a sign-in before
        /// then keeps the tokens coming without a gap.
        case signInDue(RefreshTokenExpiry)
        /// A token was installed (the account's own is watched for going stale).
        case installed(token: Int)
        case answerWaiters(token: Int, Answer)
        case answerRefreshes(token: Int, Answer)
        /// Log that the person must sign in and, with `notify`, run the notification hook.
        case signInNeeded(reason: String, notify: Bool)
        /// Log that extra token `token` alone needs the person, and run the notification hook.
        case tokenSignInNeeded(token: Int, reason: String)
        /// Ask the device authorization endpoint for codes for device flow `flow`.
        case requestDeviceCode(flow: Int)
        /// Poll the token endpoint with the device code of flow `flow` (now ``DeviceSignIn/polling``).
        case sendDevicePoll(flow: Int, deviceCode: String)
        /// Arms the device flow's poll timer, replacing the one it had.
        case armDevicePoll(at: Instant)
        case cancelDevicePoll
        /// Tell the person what to open and which code to enter (journal, notification, the
        /// `signin` callers waiting for the codes); `notify` as for ``signInNeeded(reason:notify:)``.
        case deviceSignInNeeded(DeviceAuthorization, reason: String, notify: Bool)
        /// The device flow is over without tokens: say why and how to start again.
        case deviceSignInEnded(DeviceEnd)
        /// Something STATUS= reports may have changed.
        case stateChanged
    }

    /// A device code sign-in (RFC 8628): at most one per account.
    enum DeviceSignIn: Equatable {
        case none
        /// The device authorization request of flow `flow` is at the provider.
        case authorizing(flow: Int, reason: String, notify: Bool)
        /// The person has the code; the next poll goes out at `pollAt` (never after the expiry).
        case waiting(DeviceFlow, pollAt: Instant)
        /// A poll is at the token endpoint.
        case polling(DeviceFlow)
        /// The last device flow ended without tokens; kept for status until another starts.
        case ended(DeviceEnd)
    }

    /// One device flow's codes and timing.
    struct DeviceFlow: Equatable {
        let id: Int
        let authorization: DeviceAuthorization
        /// Seconds between polls: the provider's `interval`, plus 5 for each `slow_down`.
        var interval: Double
        let expiresAt: Instant
    }

    /// Why a device flow ended without tokens.
    enum DeviceEnd: Equatable {
        /// The person declined (`access_denied`, Entra's `authorization_declined`).
        case declined
        /// `expires_in` passed, or the provider said `expired_token`.
        case expired
        /// The provider refused the flow (the device authorization request or a poll).
        case refused(TokenError)
        /// The device authorization endpoint could not be reached or gave no codes.
        case failedToStart(String)
        /// A browser sign-in landed first.
        case superseded
    }

    private(set) var session = Session.needsSignIn(reason: "not signed in yet")
    private(set) var tokens: [Token]
    /// Tokens waiting for the grant in flight to land, and why they refresh (for the log).
    private(set) var queue: [(token: Int, reason: String)] = []
    /// The one grant at the provider: which token, and the generation it started in.
    private(set) var inFlight: (token: Int, generation: Int)?
    /// Counts the tokens installed: a grant that lands in a later generation lost to a sign-in.
    private(set) var generation = 0
    private(set) var device = DeviceSignIn.none
    /// Names device flows, so a poll or authorization that lands after its flow ended is dropped.
    private var lastDeviceFlow = 0

    init(tokenCount: Int) { tokens = Array(repeating: Token(), count: tokenCount) }

    /// The state a restart left (``SavedState``), for an account whose settings fingerprint
    /// matched; `tokenNames` are the account's tokens now (nil for its own, then each extra's
    /// name). Wall-clock expiries become boot-clock instants at `moment`: an access token is
    /// restored only while it may still be served, a refresh token only before its end. Each
    /// restored access token is refreshed when it would have been (``RefreshPolicy``, from
    /// its issue time); every other token of a signed-in account is due now. Nothing is armed
    /// here: ``restoredTimers()`` says what to arm.
    init(restoring saved: SavedState.Account, tokenNames: [String?], at moment: Moment) {
        self.init(tokenCount: tokenNames.count)
        let boot = { (wall: Int64) in moment.now.adding(seconds: Double(wall - moment.wallSeconds)) }
        for (i, name) in tokenNames.enumerated() {
            guard let token = saved.tokens.first(where: { $0.name == name }) else { continue }
            let held = HeldToken(value: token.value, expiresAt: boot(token.expiresAt), lifetime: token.lifetime, wallExpiry: token.expiresAt)
            if held.usable(at: moment.now) != nil { tokens[i].held = held }
        }
        if let refreshToken = saved.refreshToken {
            var expiry: RefreshTokenExpiry?
            if let wall = saved.refreshTokenExpiresAt, let lifetime = saved.refreshTokenLifetime {
                expiry = RefreshTokenExpiry(at: boot(wall), wallSeconds: wall, lifetime: lifetime)
            }
            if let expiry, expiry.at <= moment.now {
                session = .needsSignIn(reason: "the saved refresh token has expired")
                return
            }
            session = .signedIn(refreshToken: refreshToken, expiresAt: expiry)
            for i in tokens.indices {
                var at = moment.now
                if let held = tokens[i].held {
                    let planned = held.issuedAt.adding(
                        seconds: RefreshPolicy.refreshAfter(lifetime: held.lifetime, refreshIn: nil, jitter: moment.jitter))
                    if planned > at { at = planned }
                }
                tokens[i].phase = .scheduled(at: at)
            }
        } else if let held = tokens[0].held {
            session = .withoutRefreshToken(expiresAt: held.expiresAt)
        } else {
            session = .needsSignIn(reason: "the saved access token has expired and there is no refresh token")
        }
    }

    /// What ``Account`` arms after ``init(restoring:tokenNames:at:)``: the session's timers
    /// and each scheduled refresh.
    func restoredTimers() -> [Effect] {
        var effects: [Effect] = []
        if case .needsSignIn = session { return effects }
        effects += sessionTimers()
        for i in tokens.indices {
            if case .scheduled(let at) = tokens[i].phase { effects.append(.armRefresh(token: i, at: at)) }
        }
        if tokens[0].held != nil { effects.append(.installed(token: 0)) }
        return effects + [.stateChanged]
    }

    /// What of this state survives a restart, at wall-clock `wallNow`: nil when the account has
    /// nothing worth keeping (no sign-in, or only tokens that have expired).
    func saved(name: String, fingerprint: String, tokenNames: [String?], wallNow: Int64) -> SavedState.Account? {
        var kept: [SavedState.Token] = []
        for (i, name) in tokenNames.enumerated() where i < tokens.count {
            guard let held = tokens[i].held, held.wallExpiry > wallNow else { continue }
            kept.append(SavedState.Token(name: name, value: held.value, expiresAt: held.wallExpiry, lifetime: held.lifetime))
        }
        switch session {
        case .signedIn(let refreshToken, let expiry):
            return SavedState.Account(
                name: name, fingerprint: fingerprint, refreshToken: refreshToken, refreshTokenExpiresAt: expiry?.wallSeconds,
                refreshTokenLifetime: expiry?.lifetime, tokens: kept)
        case .withoutRefreshToken:
            guard kept.contains(where: { $0.name == nil }) else { return nil }
            return SavedState.Account(
                name: name, fingerprint: fingerprint, refreshToken: nil, refreshTokenExpiresAt: nil, refreshTokenLifetime: nil,
                tokens: kept.filter { $0.name == nil })
        case .needsSignIn, .retired:
            return nil
        case .application:
            // The application needs no person: after a restart it asks for new tokens with its
            // credential, so there is nothing a restart could lose.
            return nil
        }
    }

    // MARK: Events

    /// A client asks for token `i` and it is not usable: fetch one, unless the retry timer or
    /// the configuration says not now, or one is on its way.
    mutating func demand(_ i: Int) -> [Effect] {
        switch tokens[i].phase {
        case .idle, .scheduled: refresh(i, reason: tokens[i].held == nil ? "first request" : "the access token expired")
        case .refreshing, .retrying, .halted, .refused, .needsSignIn: []
        }
    }

    /// What a report that an API refused a token calls for.
    enum Rejection: Equatable {
        /// The reported token is not the one held: the client gets the current one (or waits
        /// for it as a token request does), and no grant goes out for it.
        case stale
        /// The reported token is the current one but was minted moments ago: a new one would
        /// be refused just the same (a wrong audience or scope), so none is fetched.
        case fresh(ageSeconds: Int)
        /// The current token was refused: a refresh, or nothing when one is already on its way
        /// (every client reporting it waits for that one grant), or when the retry timer or a
        /// configuration error owns the next attempt.
        case refresh([Effect])
    }

    /// `rejected NAME[.TOKEN] TOKEN`: a client says an API refused `reported`. Compared in
    /// constant time, since any process of the person's may send reports.
    mutating func rejected(_ i: Int, reported: String, at now: Instant) -> Rejection {
        guard let held = tokens[i].held, ConstantTime.equals(held.value, reported) else { return .stale }
        let age = now.seconds(since: held.issuedAt)
        if age < RefreshPolicy.freshWindow(lifetime: held.lifetime) { return .fresh(ageSeconds: max(0, Int(age))) }
        switch tokens[i].phase {
        case .idle, .scheduled: return .refresh(refresh(i, reason: "an API refused the token"))
        // A token that needs its own sign-in, or whose refusal is being checked, gets no grant
        // from a report: the client hears why there is no other token.
        case .refreshing, .retrying, .halted, .refused, .needsSignIn: return .refresh([])
        }
    }

    /// `refresh NAME[.TOKEN]`: nil when there is no refresh token to present. Lifts a halt, and
    /// tries a token that needs its own sign-in once more (the person may have met the API's
    /// demand elsewhere); a refused token's caller hears the check's verdict.
    mutating func forceRefresh(_ i: Int) -> [Effect]? {
        guard session.mints else { return nil }
        switch tokens[i].phase {
        case .halted(let failure), .needsSignIn(let failure): tokens[i].phase = .idle(failure)
        case .refused: return []
        case .idle, .scheduled, .refreshing, .retrying: break
        }
        return refresh(i, reason: "requested")
    }

    /// `grant: client_credentials`: the daemon started, or a reload added or changed the
    /// account. The application signs in as itself, and every token's first grant goes out
    /// (one at a time, as every grant does).
    mutating func startApplication(reason: String) -> [Effect] {
        session = .application
        var effects: [Effect] = [.stateChanged]
        for i in tokens.indices { effects += refresh(i, reason: reason) }
        return effects
    }

    /// The refresh or retry timer of token `i` fired.
    mutating func refreshDue(_ i: Int) -> [Effect] { refresh(i, reason: "scheduled") }

    /// A code exchange succeeded: the account's own token is installed, and every extra token
    /// is minted afresh from the new refresh token, since the ones from before belong to the
    /// previous session, perhaps another person's. One whose grant is out is minted again
    /// when that grant lands, after those queued now.
    mutating func signIn(_ grant: TokenGrant, at moment: Moment) -> [Effect] {
        // The application signs in with its credential, never through a person.
        if case .application = session { return [] }
        // The first sign-in to land wins: a device flow still waiting for the person is over.
        var effects = deviceWaitsForPerson ? endDevice(.superseded) : []
        effects += install(grant, in: 0, at: moment)
        for i in tokens.indices.dropFirst() {
            tokens[i] = Token(held: nil, phase: tokens[i].refreshing ? .refreshing(after: nil) : .idle(nil))
            effects.append(.cancelRefresh(token: i))
            if case .signedIn = session {
                effects += refresh(i, reason: "signed in")
            } else {
                effects.append(.answerWaiters(token: i, .current))
            }
        }
        return effects
    }

    /// A sign-in for extra token `i` alone (`/signin/ACCOUNT.TOKEN`, with that token's scopes)
    /// succeeded: its token is installed and its refresh token, which now carries what that
    /// API demanded, replaces the account's. The account's other tokens keep theirs; one refused
    /// meanwhile tries again with the new refresh token.
    mutating func tokenSignedIn(_ i: Int, _ grant: TokenGrant, at moment: Moment) -> [Effect] {
        if case .application = session { return [] }
        var effects = install(grant, in: i, at: moment) + [.answerRefreshes(token: i, .current)]
        for j in tokens.indices where j != i {
            guard case .refused(let failure) = tokens[j].phase else { continue }
            tokens[j].phase = .idle(failure)
            effects += refresh(j, reason: "signed in")
        }
        return effects
    }

    /// The grant in flight came back; the next queued one goes out.
    mutating func grantLanded(_ result: GrantResult, at moment: Moment) -> [Effect] {
        let result = session == .application ? Self.applicationResult(result) : result
        guard let (i, started) = inFlight else { return [] }
        inFlight = nil
        if started != generation {
            // A sign-in installed newer tokens meanwhile; they win. An extra token it cleared
            // is minted again from the new refresh token.
            if tokens[i].refreshing && !queue.contains(where: { $0.token == i }) { tokens[i].phase = .idle(tokens[i].failure) }
            // (It cannot be halted: a halted token has no grant out.)
            if session.mints, tokens[i].held?.usable(at: moment.now) == nil {
                return refresh(i, reason: "signed in") + sendNext()
            }
            return [.answerRefreshes(token: i, .current), .answerWaiters(token: i, .current)] + sendNext()
        }
        var effects: [Effect]
        switch result {
        case .granted(let grant):
            // The account's own grant succeeding is the verdict on any refused token: the
            // refresh token works, so their APIs want the person.
            let verdict = i == 0 ? settleRefused(refreshTokenWorks: true) : []
            return install(grant, in: i, at: moment) + [.answerRefreshes(token: i, .current)] + verdict + sendNext()
        case .failed(let kind, let summary, _) where i > 0 && (kind == .needsSignIn || kind == .deviceCompliance):
            // Not the refresh token's fault, perhaps: the account's own grant checks it first.
            tokens[i].phase = .refused(Failure(message: summary, attempts: tokens[i].failure?.attempts ?? 0))
            return checkRefreshToken() + [.stateChanged] + sendNext()
        case .failed(.transient, let summary, let retryAfter), .failed(.unrecognized, let summary, let retryAfter):
            let attempts = (tokens[i].failure?.attempts ?? 0) + 1
            let at = moment.now.adding(seconds: RefreshPolicy.retryDelay(attempt: attempts, retryAfter: retryAfter))
            tokens[i].phase = .retrying(at: at, Failure(message: summary, attempts: attempts))
            // No verdict yet on a refused token: the retry will give it; its callers hear so now.
            effects = [.armRefresh(token: i, at: at)] + (i == 0 ? settleRefused(refreshTokenWorks: false) : [])
        case .failed(.configuration, let summary, _):
            tokens[i].phase = .halted(Failure(message: summary, attempts: tokens[i].failure?.attempts ?? 0))
            // The provider did not refuse the refresh token itself.
            effects = i == 0 ? settleRefused(refreshTokenWorks: true) : []
        case .failed(let kind, let summary, _):
            tokens[i].phase = .idle(Failure(message: summary, attempts: tokens[i].failure?.attempts ?? 0))
            // Device compliance is not fixed by a sign-in alone: ``Account`` sends its own notice.
            effects = dropRefreshToken() + signInNeeded(because: summary, notify: kind == .needsSignIn)
        }
        let retrying = if case .retrying = tokens[i].phase { true } else { false }
        effects += [
            .answerRefreshes(token: i, .refreshFailed(summary: tokens[i].failure?.message, retrying: retrying)),
            .answerWaiters(token: i, .current), .stateChanged,
        ]
        return effects + sendNext()
    }

    /// The person must sign in (a reload added or changed the account, or a refresh token was
    /// refused): no grant goes out until they do.
    mutating func signInNeeded(because reason: String, notify: Bool = true) -> [Effect] {
        session = .needsSignIn(reason: reason)
        return [.stateChanged, .signInNeeded(reason: reason, notify: notify)]
    }

    /// The expiry timer fired: the access token of a session without a refresh token, or the
    /// refresh token itself, has run out.
    mutating func sessionExpired() -> [Effect] {
        switch session {
        case .withoutRefreshToken:
            return signInNeeded(because: "the access token expired and there is no refresh token")
        case .signedIn(_, _?):
            // Presenting it now would only be refused; the tokens already held are still served.
            return [.cancelSignInDue] + dropRefreshToken() + signInNeeded(because: "the refresh token expired")
        case .signedIn(_, nil), .needsSignIn, .application, .retired:
            return []
        }
    }

    /// The warning timer ahead of the refresh token's end fired.
    mutating func signInDue() -> [Effect] {
        guard case .signedIn(_, let expiry?) = session else { return [] }
        return [.signInDue(expiry)]
    }

    /// A reload removed the account or changed its settings: every client is told `message`,
    /// and the tokens are forgotten.
    mutating func retire(because message: String) -> [Effect] {
        session = .retired
        queue.removeAll()
        device = .none
        var effects: [Effect] = [.cancelExpiry, .cancelSignInDue, .cancelDevicePoll]
        for i in tokens.indices {
            tokens[i] = Token()
            effects += [.answerRefreshes(token: i, .error(message)), .answerWaiters(token: i, .error(message)), .cancelRefresh(token: i)]
        }
        return effects
    }

    // MARK: Device code sign-in

    /// True while a device flow is under way (asking for codes, or waiting for the person).
    var deviceWaitsForPerson: Bool {
        switch device {
        case .authorizing, .waiting, .polling: true
        case .none, .ended: false
        }
    }

    /// The codes the person is to use, while a device flow waits for them.
    var pendingDeviceAuthorization: DeviceAuthorization? {
        switch device {
        case .waiting(let flow, _), .polling(let flow): flow.authorization
        case .none, .authorizing, .ended: nil
        }
    }

    /// Starts a device flow, unless one is under way (its callers share it).
    mutating func startDeviceSignIn(because reason: String, notify: Bool) -> [Effect] {
        guard !deviceWaitsForPerson else { return [] }
        lastDeviceFlow += 1
        device = .authorizing(flow: lastDeviceFlow, reason: reason, notify: notify)
        return [.requestDeviceCode(flow: lastDeviceFlow), .stateChanged]
    }

    /// The device authorization endpoint gave flow `flow` its codes: tell the person, and poll
    /// after the interval.
    mutating func deviceAuthorized(_ flow: Int, _ authorization: DeviceAuthorization, at now: Instant) -> [Effect] {
        guard case .authorizing(flow, let reason, let notify) = device else { return [] }
        let pending = DeviceFlow(
            id: flow, authorization: authorization, interval: Double(authorization.intervalSeconds),
            expiresAt: now.adding(seconds: Double(authorization.expiresInSeconds)))
        return schedulePoll(pending, at: now) + [.deviceSignInNeeded(authorization, reason: reason, notify: notify), .stateChanged]
    }

    /// The device authorization request of flow `flow` failed: no codes, nothing to poll.
    mutating func deviceAuthorizationFailed(_ flow: Int, _ end: DeviceEnd) -> [Effect] {
        guard case .authorizing(flow, _, _) = device else { return [] }
        return endDevice(end)
    }

    /// The poll timer fired: poll, unless the codes have expired.
    mutating func devicePollDue(at now: Instant) -> [Effect] {
        guard case .waiting(let flow, _) = device else { return [] }
        guard now < flow.expiresAt else { return endDevice(.expired) }
        device = .polling(flow)
        return [.sendDevicePoll(flow: flow.id, deviceCode: flow.authorization.deviceCode)]
    }

    /// The poll of flow `flow` came back. One for a flow that ended meanwhile (a browser
    /// sign-in won, a reload) is dropped, tokens and all.
    mutating func devicePollLanded(_ flow: Int, _ poll: DevicePoll, at moment: Moment) -> [Effect] {
        guard case .polling(var current) = device, current.id == flow else { return [] }
        switch poll {
        case .granted(let grant):
            device = .none
            return [.cancelDevicePoll] + signIn(grant, at: moment)
        case .pending:
            return schedulePoll(current, at: moment.now)
        case .slowDown:
            current.interval += Double(DeviceAuthorization.slowDownIncrement)
            return schedulePoll(current, at: moment.now)
        case .denied:
            return endDevice(.declined)
        case .expired:
            return endDevice(.expired)
        case .refused(let error):
            return endDevice(.refused(error))
        }
    }

    /// The next poll after the interval, or the end at the codes' expiry if that comes first.
    private mutating func schedulePoll(_ flow: DeviceFlow, at now: Instant) -> [Effect] {
        guard now < flow.expiresAt else { return endDevice(.expired) }
        let at = min(now.adding(seconds: flow.interval), flow.expiresAt)
        device = .waiting(flow, pollAt: at)
        return [.armDevicePoll(at: at)]
    }

    private mutating func endDevice(_ end: DeviceEnd) -> [Effect] {
        device = end == .superseded ? .none : .ended(end)
        return [.cancelDevicePoll, .deviceSignInEnded(end), .stateChanged]
    }

    // MARK: Steps

    /// After an extra token's refusal: the account's own grant checks the refresh token, queued
    /// behind the grants already waiting so that one check settles every refusal among them.
    /// One already queued is that check; none is sent twice.
    private mutating func checkRefreshToken() -> [Effect] {
        guard case .signedIn = session, !queue.contains(where: { $0.token == 0 }) else { return [] }
        // A halted or retrying own token is checked all the same: this is one grant, not a loop.
        tokens[0].phase = .refreshing(after: tokens[0].failure)
        queue.append((0, "checking the refresh token after an extra token was refused"))
        return [.cancelRefresh(token: 0)]
    }

    /// The account's own grant answered: with the refresh token working, each refused token
    /// needs its own sign-in; otherwise they wait for the retry (their callers are told now).
    private mutating func settleRefused(refreshTokenWorks: Bool) -> [Effect] {
        var effects: [Effect] = []
        for j in tokens.indices {
            guard case .refused(let failure) = tokens[j].phase else { continue }
            if refreshTokenWorks {
                tokens[j].phase = .needsSignIn(failure)
                effects.append(.tokenSignInNeeded(token: j, reason: failure.message))
            }
            effects += [.answerRefreshes(token: j, .refreshFailed(summary: failure.message, retrying: false)), .answerWaiters(token: j, .current)]
        }
        return effects.isEmpty ? [] : effects + [.stateChanged]
    }

    private mutating func refresh(_ i: Int, reason: String) -> [Effect] {
        guard session.mints, !tokens[i].refreshing else { return [] }
        tokens[i].phase = .refreshing(after: tokens[i].failure)
        queue.append((i, reason))
        return [.cancelRefresh(token: i)] + sendNext()
    }

    private mutating func sendNext() -> [Effect] {
        guard inFlight == nil, !queue.isEmpty, session.mints else { return [] }
        let next = queue.removeFirst()
        inFlight = (next.token, generation)
        if case .signedIn(let refreshToken, _) = session {
            return [.sendGrant(token: next.token, refreshToken: refreshToken, reason: next.reason)]
        }
        return [.sendApplicationGrant(token: next.token, reason: next.reason)]
    }

    /// Stores a granted token. Rotation: a new refresh token replaces the old at once, for
    /// every token of the account, with its own end date if it has one; none returned keeps
    /// the old, and its end.
    private mutating func install(_ grant: TokenGrant, in i: Int, at moment: Moment) -> [Effect] {
        let lifetime = Double(grant.lifetimeSeconds)
        let held = HeldToken(
            value: grant.accessToken, expiresAt: moment.issuedAt.adding(seconds: lifetime), lifetime: lifetime,
            wallExpiry: moment.issuedWallSeconds + grant.lifetimeSeconds)
        tokens[i].held = held
        let before = session
        if case .application = session {
            // RFC 6749 §4.4.3: no refresh token should come; one that does is not kept, since
            // the credential mints the next token anyway.
        } else if let rotated = grant.refreshToken {
            let expiry = grant.refreshTokenLifetimeSeconds.map {
                RefreshTokenExpiry(at: moment.issuedAt.adding(seconds: Double($0)), wallSeconds: moment.issuedWallSeconds + $0, lifetime: Double($0))
            }
            session = .signedIn(refreshToken: rotated, expiresAt: expiry)
        } else if case .signedIn = session {
        } else {
            session = .withoutRefreshToken(expiresAt: held.expiresAt)
        }
        generation += 1
        // Only a new session moves its timers: the warning ahead of a refresh token's end is
        // given once for that end, however many tokens are installed meanwhile.
        var effects = session == before ? [] : sessionTimers()
        if session.mints {
            let at = moment.issuedAt.adding(
                seconds: RefreshPolicy.refreshAfter(lifetime: lifetime, refreshIn: grant.refreshInSeconds.map(Double.init), jitter: moment.jitter))
            // Queued behind another token's grant (not in flight): that grant still goes out.
            let queued = queue.contains { $0.token == i }
            tokens[i].phase = queued ? .refreshing(after: nil) : .scheduled(at: at)
            if !queued { effects.append(.armRefresh(token: i, at: at)) }
        } else {
            tokens[i].phase = .idle(nil)
            effects.append(.cancelRefresh(token: i))
        }
        return effects + [.installed(token: i), .stateChanged, .answerWaiters(token: i, .current)]
    }

    /// The timers that end the session, and warn ahead of it, as it now stands.
    private func sessionTimers() -> [Effect] {
        switch session {
        case .withoutRefreshToken(let at): [.cancelSignInDue, .armExpiry(at: at)]
        case .signedIn(_, let expiry?): [.armExpiry(at: expiry.at), .armSignInDue(at: expiry.dueAt)]
        case .signedIn(_, nil), .needsSignIn, .application, .retired: [.cancelExpiry, .cancelSignInDue]
        }
    }

    private mutating func dropRefreshToken() -> [Effect] {
        // Refused tokens waited for this verdict: their callers hear their own refusal.
        let refused = tokens.indices.compactMap { i in tokens[i].refused ? (i, tokens[i].failure?.message) : nil }
        let dropped = queue.map(\.token)
        queue.removeAll()
        var effects: [Effect] = []
        for i in tokens.indices {
            effects.append(.cancelRefresh(token: i))
            switch tokens[i].phase {
            case .scheduled: tokens[i].phase = .idle(nil)
            case .retrying(_, let failure), .refreshing(let failure?), .refused(let failure), .needsSignIn(let failure):
                tokens[i].phase = .idle(failure)
            case .refreshing(nil): tokens[i].phase = .idle(nil)
            case .idle, .halted: break
            }
        }
        // Grants queued behind the refused one are dropped, their callers answered.
        for i in dropped {
            effects += [.answerRefreshes(token: i, .refreshFailed(summary: nil, retrying: false)), .answerWaiters(token: i, .current)]
        }
        for (i, summary) in refused {
            effects += [.answerRefreshes(token: i, .refreshFailed(summary: summary, retrying: false)), .answerWaiters(token: i, .current)]
        }
        return effects
    }

    // MARK: What is said about it

    /// What stands between token `i` and a fresh one. The one switch that status, the
    /// `error:` line and STATUS= all render.
    enum Condition: Equatable {
        /// Nothing: a token is served or will be fetched when asked for.
        case fine
        case refreshing
        case failing(String, retryAt: Instant?)
        case misconfigured(String)
        /// An extra token of a sign-in that brought no refresh token.
        case cannotMint
        case needsSignIn
        /// An extra token was refused; the account's own grant is checking the refresh token.
        case checking(String)
        /// An extra token alone needs a sign-in with its scopes.
        case tokenNeedsSignIn(String)
    }

    func condition(_ i: Int) -> Condition {
        switch (tokens[i].phase, session) {
        case (.refreshing, _): .refreshing
        case (.halted(let failure), _): .misconfigured(failure.message)
        case (_, .withoutRefreshToken) where i > 0: .cannotMint
        case (_, .needsSignIn), (_, .withoutRefreshToken), (_, .retired): .needsSignIn
        // What is left: a session that mints (signed in, or the application).
        case (.refused(let failure), _): .checking(failure.message)
        case (.needsSignIn(let failure), _): .tokenNeedsSignIn(failure.message)
        case (.retrying(let at, let failure), _): .failing(failure.message, retryAt: at)
        case (.idle(let failure?), _): .failing(failure.message, retryAt: nil)
        case (.idle(nil), _), (.scheduled, _): .fine
        }
    }

    /// `state` in the status JSON: how serving goes now, so a token still served says so.
    func statusName(_ i: Int, at now: Instant) -> String {
        let serving = tokens[i].held?.usable(at: now) != nil
        switch condition(i) {
        case .refreshing, .checking: return "refreshing"
        case .misconfigured: return "misconfigured"
        // Even while its old token is served: the person has something to do.
        case .tokenNeedsSignIn: return "needs_signin"
        case .failing: return "failing"
        case .needsSignIn, .cannotMint, .fine:
            return !serving ? "needs_signin" : tokens[i].failure == nil ? "signed_in" : "failing"
        }
    }

    /// Why token `i` has no (new) token, as one sentence a person can act on. `tokenSignInURL`
    /// is the sign-in for token `i` alone (`/signin/ACCOUNT.TOKEN`).
    func message(_ i: Int, label: String, account: String, signInURL: String, tokenSignInURL: String? = nil, at now: Instant) -> String {
        switch condition(i) {
        case .checking(let error):
            return "token \(label) was refused: \(error); checking whether the account's refresh token still works"
        case .tokenNeedsSignIn:
            return "token \(label) needs sign-in: open \(tokenSignInURL ?? signInURL)"
        case .misconfigured(let error) where session == .application:
            return "account \(label) cannot get a token with its client credentials: \(error); fix the configuration or the app registration, then reload or run `redirect-catcher refresh \(label)`"
        case .misconfigured(let error):
            return "account \(label) cannot refresh: \(error); fix the configuration and restart or reload"
        case .cannotMint:
            return "account \(label) cannot be minted: the sign-in brought no refresh token (add offline_access or the provider's equivalent to scopes), then sign in at \(signInURL)"
        case .needsSignIn:
            if let pending = pendingDeviceAuthorization { return "account \(account) needs sign-in: \(pending.instructions)" }
            return "account \(account) needs sign-in: open \(signInURL)"
        case .failing(let error, let at):
            let wait = at.map { " in \(max(0, Int($0.seconds(since: now).rounded(.up)))) s" } ?? ""
            return "account \(label) has no valid token: \(error); retrying\(wait)"
        case .fine, .refreshing:
            return "account \(label) has no valid token yet"
        }
    }

    /// What STATUS= counts the account as, by its own token.
    enum Standing { case signedIn, failing, needsSignIn }

    func standing(at now: Instant) -> Standing {
        if tokens[0].held?.usable(at: now) != nil { return .signedIn }
        return condition(0) == .needsSignIn ? .needsSignIn : .failing
    }
}

/// An access token with its expiry on the boot clock (suspend counts as time passing).
struct HeldToken: Equatable {
    let value: String
    let expiresAt: Instant
    let lifetime: Double
    let wallExpiry: Int64

    /// When it was minted, on the boot clock: a token refused this young is refused for what
    /// it is, not for its age.
    var issuedAt: Instant { expiresAt.adding(seconds: -lifetime) }

    /// The value while a client still has a moment to use it (`RefreshPolicy.serveMargin`).
    func usable(at now: Instant) -> String? {
        now.adding(seconds: RefreshPolicy.serveMargin(lifetime: lifetime)) < expiresAt ? value : nil
    }
}
