import RCOAuth
import Testing

@testable import RCDaemon
@testable import RCSystem

/// The application session (`grant: client_credentials`) on the manual clock: tokens requested
/// at start and before each expiry, one grant at a time, transient failures retried with the
/// refresh backoff, refusals halted as configuration errors, and never a person asked for.
@Suite struct AccountStateApplicationTests {
    typealias State = AccountState

    let clock = ManualScheduler()
    var moment: State.Moment { State.Moment(now: clock.now, wallSeconds: 1_000, jitter: 0) }

    static func grant(_ access: String, refresh: String? = nil, lifetime: Int64 = 3600) -> TokenGrant {
        TokenGrant(accessToken: access, tokenType: "Bearer", lifetimeSeconds: lifetime, refreshToken: refresh)
    }

    /// The tokens whose client credentials grants the effects send, in order.
    static func applicationGrants(_ effects: [State.Effect]) -> [Int] {
        effects.compactMap { if case .sendApplicationGrant(let token, _) = $0 { token } else { nil } }
    }

    static func personEffects(_ effects: [State.Effect]) -> [State.Effect] {
        effects.filter {
            switch $0 {
            case .signInNeeded, .tokenSignInNeeded, .signInDue, .sendGrant, .armExpiry, .armSignInDue: true
            default: false
            }
        }
    }

    func started(extras: Int = 0) -> State {
        var state = State(tokenCount: 1 + extras)
        _ = state.startApplication(reason: "no token yet")
        for i in 0...extras { _ = state.grantLanded(.granted(Self.grant("AT-\(i)")), at: moment) }
        return state
    }

    @Test func atStartEveryTokenIsRequestedOneGrantAtATime() {
        var state = State(tokenCount: 3)
        let effects = state.startApplication(reason: "no token yet")
        #expect(state.session == .application)
        #expect(Self.applicationGrants(effects) == [0])
        #expect(state.inFlight?.token == 0 && state.queue.map(\.token) == [1, 2])
        #expect(Self.personEffects(effects).isEmpty)
        #expect(state.condition(0) == .refreshing && state.statusName(0, at: clock.now) == "refreshing")
        // Each landing sends the next; each token is scheduled from its own lifetime.
        let first = state.grantLanded(.granted(Self.grant("AT-0", lifetime: 3600)), at: moment)
        #expect(Self.applicationGrants(first) == [1])
        #expect(state.tokens[0].phase == .scheduled(at: clock.now.adding(seconds: 3300)))
        #expect(state.tokens[0].held?.usable(at: clock.now) == "AT-0")
        let second = state.grantLanded(.granted(Self.grant("AT-1", lifetime: 600)), at: moment)
        #expect(Self.applicationGrants(second) == [2])
        #expect(state.tokens[1].phase == .scheduled(at: clock.now.adding(seconds: 450)))
        _ = state.grantLanded(.granted(Self.grant("AT-2")), at: moment)
        #expect(state.inFlight == nil && state.queue.isEmpty)
        #expect(state.statusName(0, at: clock.now) == "signed_in" && state.standing(at: clock.now) == .signedIn)
    }

    @Test func aRefreshTokenThatComesAnywayIsNotKept() {
        var state = State(tokenCount: 1)
        _ = state.startApplication(reason: "start")
        let effects = state.grantLanded(.granted(Self.grant("AT-0", refresh: "RT-unexpected")), at: moment)
        #expect(state.session == .application)
        #expect(Self.personEffects(effects).isEmpty)
        let next = state.refreshDue(0)
        #expect(Self.applicationGrants(next) == [0])
    }

    @Test func beforeExpiryTheTokenIsRequestedAgainAndServedMeanwhile() {
        var state = started()
        clock.jump(by: 3300)
        let effects = state.refreshDue(0)
        #expect(Self.applicationGrants(effects) == [0])
        #expect(state.tokens[0].held?.usable(at: clock.now) == "AT-0")
        _ = state.grantLanded(.granted(Self.grant("AT-new")), at: moment)
        #expect(state.tokens[0].held?.usable(at: clock.now) == "AT-new")
        #expect(state.tokens[0].nextRefresh == clock.now.adding(seconds: 3300))
    }

    @Test func aTransientFailureBacksOffAsARefreshDoes() {
        var state = started()
        clock.jump(by: 3300)
        _ = state.refreshDue(0)
        let effects = state.grantLanded(.failed(.transient, summary: "HTTP 503", retryAfter: nil), at: moment)
        #expect(state.tokens[0].phase == .retrying(at: clock.now.adding(seconds: 2), State.Failure(message: "HTTP 503", attempts: 1)))
        #expect(effects.contains(.armRefresh(token: 0, at: clock.now.adding(seconds: 2))))
        #expect(Self.personEffects(effects).isEmpty)
        // Clients do not hurry it; the old token is served until its margin.
        #expect(state.demand(0).isEmpty)
        #expect(state.statusName(0, at: clock.now) == "failing")
        clock.jump(by: 2)
        _ = state.refreshDue(0)
        _ = state.grantLanded(.failed(.transient, summary: "HTTP 503", retryAfter: nil), at: moment)
        #expect(state.tokens[0].nextRefresh == clock.now.adding(seconds: 4))
        // An unknown error is retried too; Retry-After wins when longer.
        clock.jump(by: 4)
        _ = state.refreshDue(0)
        _ = state.grantLanded(.failed(.unrecognized, summary: "odd", retryAfter: 60), at: moment)
        #expect(state.tokens[0].nextRefresh == clock.now.adding(seconds: 60))
        clock.jump(by: 60)
        _ = state.refreshDue(0)
        _ = state.grantLanded(.granted(Self.grant("AT-back")), at: moment)
        #expect(state.tokens[0].failure == nil && state.tokens[0].held?.value == "AT-back")
    }

    @Test func aTransientFailureAtStartRetriesWithNoTokenAndNoPerson() {
        var state = State(tokenCount: 1)
        _ = state.startApplication(reason: "start")
        let effects = state.grantLanded(.failed(.transient, summary: "no answer", retryAfter: nil), at: moment)
        #expect(Self.personEffects(effects).isEmpty)
        #expect(state.condition(0) == .failing("no answer", retryAt: clock.now.adding(seconds: 2)))
        #expect(state.standing(at: clock.now) == .failing)
        #expect(
            state.message(0, label: "svc", account: "svc", signInURL: "URL", at: clock.now)
                == "account svc has no valid token: no answer; retrying in 2 s")
    }

    @Test(arguments: [TokenErrorKind.configuration, .needsSignIn, .deviceCompliance])
    func aRefusalHaltsAsAConfigurationErrorUntilRefresh(kind: TokenErrorKind) {
        var state = State(tokenCount: 2)
        _ = state.startApplication(reason: "start")
        let effects = state.grantLanded(.failed(kind, summary: "invalid_client: AADSTS7000215", retryAfter: nil), at: moment)
        #expect(state.session == .application)
        #expect(state.tokens[0].phase == .halted(State.Failure(message: "invalid_client: AADSTS7000215", attempts: 0)))
        #expect(Self.personEffects(effects).isEmpty)
        #expect(!effects.contains { if case .armRefresh = $0 { true } else { false } })
        // The extra token's grant still goes out: it may be refused on its own account.
        #expect(Self.applicationGrants(effects) == [1])
        #expect(state.demand(0).isEmpty)
        #expect(state.condition(0) == .misconfigured("invalid_client: AADSTS7000215"))
        #expect(state.statusName(0, at: clock.now) == "misconfigured")
        #expect(
            state.message(0, label: "svc", account: "svc", signInURL: "URL", at: clock.now)
                == "account svc cannot get a token with its client credentials: invalid_client: AADSTS7000215; fix the configuration or the app registration, then reload or run `redirect-catcher refresh svc`"
        )
        // `refresh` lifts the halt: one grant, after the one in flight.
        _ = state.grantLanded(.granted(Self.grant("AT-1")), at: moment)
        #expect(Self.applicationGrants(state.forceRefresh(0) ?? []) == [0])
        _ = state.grantLanded(.granted(Self.grant("AT-0")), at: moment)
        #expect(state.condition(0) == .fine && state.tokens[0].held?.value == "AT-0")
    }

    @Test func anExtraTokensRefusalHaltsThatTokenAloneWithNoCheckOfARefreshToken() {
        var state = started(extras: 1)
        _ = state.forceRefresh(1)
        let effects = state.grantLanded(.failed(.needsSignIn, summary: "consent_required", retryAfter: nil), at: moment)
        #expect(state.tokens[1].phase == .halted(State.Failure(message: "consent_required", attempts: 0)))
        #expect(!state.tokens[0].refreshing && state.queue.isEmpty && state.inFlight == nil)
        #expect(Self.personEffects(effects).isEmpty)
        #expect(state.tokens[0].held?.usable(at: clock.now) == "AT-0")
        #expect(state.condition(0) == .fine)
    }

    @Test func noSignInReachesAnApplication() {
        var state = started()
        #expect(state.signIn(Self.grant("AT-person", refresh: "RT-person"), at: moment).isEmpty)
        #expect(state.tokenSignedIn(0, Self.grant("AT-person", refresh: "RT-person"), at: moment).isEmpty)
        #expect(state.session == .application && state.tokens[0].held?.value == "AT-0")
        #expect(state.sessionExpired().isEmpty && state.signInDue().isEmpty)
    }

    @Test func aClientWaitingAfterExpiryGetsTheNextGrant() {
        var state = started()
        clock.jump(by: 3600)
        #expect(state.tokens[0].held?.usable(at: clock.now) == nil)
        // The scheduled refresh was missed (a suspended laptop): a client's demand sends it.
        let effects = state.demand(0)
        #expect(Self.applicationGrants(effects) == [0])
        let landed = state.grantLanded(.granted(Self.grant("AT-1")), at: moment)
        #expect(landed.contains(.answerWaiters(token: 0, .current)))
    }

    @Test func retirementEndsIt() {
        var state = started()
        _ = state.refreshDue(0)
        _ = state.retire(because: "removed")
        #expect(state.session == .retired && !state.session.mints)
        // (What was in flight is dropped by ``Account``, which sees the retirement.)
        #expect(state.tokens[0].held == nil && state.queue.isEmpty)
        #expect(state.refreshDue(0).isEmpty && state.demand(0).isEmpty && state.forceRefresh(0) == nil)
    }
}
