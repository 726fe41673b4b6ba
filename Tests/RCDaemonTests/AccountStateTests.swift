import RCOAuth
import Testing

@testable import RCDaemon
@testable import RCSystem

/// The transitions of ``AccountState`` alone, one state at a time, on the manual clock: no
/// endpoint, no timers, just (state, event) → (state, effects).
@Suite struct AccountStateTests {
    typealias State = AccountState

    let clock = ManualScheduler()
    var moment: State.Moment { State.Moment(now: clock.now, wallSeconds: 1_000, jitter: 0) }

    static func grant(_ access: String, refresh: String? = nil, lifetime: Int64 = 3600) -> TokenGrant {
        TokenGrant(accessToken: access, tokenType: "Bearer", lifetimeSeconds: lifetime, refreshToken: refresh)
    }

    /// The refresh tokens the effects present, in order.
    static func sent(_ effects: [State.Effect]) -> [String] {
        effects.compactMap { if case .sendGrant(_, let token, _) = $0 { token } else { nil } }
    }

    func signedIn(extras: Int = 0) -> State {
        var state = State(tokenCount: 1 + extras)
        _ = state.signIn(Self.grant("AT-1", refresh: "RT-1"), at: moment)
        for _ in 0..<extras { _ = state.grantLanded(.granted(Self.grant("AT-X")), at: moment) }
        return state
    }

    @Test func beforeSignInNothingGoesOutAndThePersonIsNeeded() {
        var state = State(tokenCount: 2)
        #expect(state.demand(0).isEmpty)
        #expect(state.forceRefresh(1) == nil)
        #expect(state.condition(0) == .needsSignIn && state.condition(1) == .needsSignIn)
        #expect(state.statusName(0, at: clock.now) == "needs_signin")
        #expect(state.standing(at: clock.now) == .needsSignIn)
        #expect(state.message(0, label: "work", account: "work", signInURL: "URL", at: clock.now) == "account work needs sign-in: open URL")
    }

    @Test func aSignInSchedulesTheRefreshAndMintsExtrasOneAtATime() {
        var state = State(tokenCount: 3)
        let effects = state.signIn(Self.grant("AT-1", refresh: "RT-1"), at: moment)
        let at = clock.now.adding(seconds: 3300)
        #expect(state.session == .signedIn(refreshToken: "RT-1"))
        #expect(state.tokens[0].phase == .scheduled(at: at))
        #expect(effects.contains(.armRefresh(token: 0, at: at)) && effects.contains(.answerWaiters(token: 0, .current)))
        // One grant in flight: token 1's goes out, token 2 waits for it.
        #expect(Self.sent(effects) == ["RT-1"])
        #expect(state.inFlight?.token == 1 && state.queue.map(\.token) == [2])
        #expect(state.tokens[1].refreshing && state.tokens[2].refreshing)
        #expect(state.statusName(0, at: clock.now) == "signed_in" && state.standing(at: clock.now) == .signedIn)
    }

    @Test func aRotatedRefreshTokenIsNeverSentTwice() {
        var state = State(tokenCount: 3)
        var presented = Self.sent(state.signIn(Self.grant("AT-1", refresh: "RT-1"), at: moment))
        presented += Self.sent(state.grantLanded(.granted(Self.grant("AT-2", refresh: "RT-2")), at: moment))
        presented += Self.sent(state.grantLanded(.granted(Self.grant("AT-3", refresh: "RT-3")), at: moment))
        presented += Self.sent(state.refreshDue(0))
        #expect(presented == ["RT-1", "RT-2", "RT-3"])
        // A grant that brings none keeps the last one.
        presented += Self.sent(state.grantLanded(.granted(Self.grant("AT-4")), at: moment))
        presented += Self.sent(state.refreshDue(1))
        #expect(presented.last == "RT-3")
    }

    @Test func refreshingJoinsTheGrantInFlight() {
        var state = signedIn()
        #expect(Self.sent(state.refreshDue(0)) == ["RT-1"])
        #expect(state.condition(0) == .refreshing && state.statusName(0, at: clock.now) == "refreshing")
        #expect(state.refreshDue(0).isEmpty)
        #expect(state.demand(0).isEmpty)
        #expect(state.forceRefresh(0) == [])
    }

    @Test func aTransientFailureRetriesOnItsTimerAndClientsDoNotHurryIt() {
        var state = signedIn()
        _ = state.refreshDue(0)
        let effects = state.grantLanded(.failed(.transient, summary: "down", retryAfter: nil), at: moment)
        let at = clock.now.adding(seconds: 2)
        #expect(state.tokens[0].phase == .retrying(at: at, State.Failure(message: "down", attempts: 1)))
        #expect(effects.contains(.armRefresh(token: 0, at: at)))
        #expect(effects.contains(.answerRefreshes(token: 0, .refreshFailed(summary: "down", retrying: true))))
        #expect(state.demand(0).isEmpty)
        #expect(state.condition(0) == .failing("down", retryAt: at))
        #expect(state.statusName(0, at: clock.now) == "failing")
        clock.jump(by: 3600)
        #expect(state.standing(at: clock.now) == .failing)
        #expect(state.message(0, label: "work", account: "work", signInURL: "URL", at: clock.now) == "account work has no valid token: down; retrying in 0 s")
        // The retry counts on; a success forgets the failures.
        _ = state.refreshDue(0)
        #expect(state.tokens[0].phase == .refreshing(after: State.Failure(message: "down", attempts: 1)))
        _ = state.grantLanded(.failed(.transient, summary: "down", retryAfter: nil), at: moment)
        #expect(state.tokens[0].failure?.attempts == 2 && state.tokens[0].nextRefresh == clock.now.adding(seconds: 4))
        _ = state.refreshDue(0)
        _ = state.grantLanded(.granted(Self.grant("AT-2")), at: moment)
        #expect(state.tokens[0].failure == nil)
    }

    @Test func aConfigurationErrorHaltsUntilRefreshIsAskedFor() {
        var state = signedIn()
        _ = state.refreshDue(0)
        let effects = state.grantLanded(.failed(.configuration, summary: "invalid_client", retryAfter: nil), at: moment)
        #expect(state.tokens[0].phase == .halted(State.Failure(message: "invalid_client", attempts: 0)))
        #expect(!effects.contains { if case .armRefresh = $0 { true } else { false } })
        #expect(state.demand(0).isEmpty)
        #expect(state.condition(0) == .misconfigured("invalid_client"))
        #expect(state.statusName(0, at: clock.now) == "misconfigured")
        #expect(Self.sent(state.forceRefresh(0) ?? []) == ["RT-1"])
        #expect(state.tokens[0].refreshing)
    }

    @Test func aRefusedRefreshTokenNeedsThePersonAndDropsTheQueue() {
        var state = signedIn(extras: 2)
        _ = state.forceRefresh(0)
        _ = state.forceRefresh(2)
        let effects = state.grantLanded(.failed(.needsSignIn, summary: "invalid_grant", retryAfter: nil), at: moment)
        #expect(state.session == .needsSignIn(reason: "invalid_grant"))
        #expect(state.queue.isEmpty && state.inFlight == nil)
        #expect(Self.sent(effects).isEmpty)
        #expect(effects.contains(.signInNeeded(reason: "invalid_grant", notify: true)))
        #expect(effects.contains(.answerRefreshes(token: 2, .refreshFailed(summary: nil, retrying: false))))
        #expect(state.tokens.allSatisfy { $0.nextRefresh == nil && !$0.refreshing })
        // The old tokens are still served; the one that failed says so.
        #expect(state.statusName(0, at: clock.now) == "failing" && state.statusName(2, at: clock.now) == "signed_in")
        #expect(state.forceRefresh(0) == nil && state.demand(0).isEmpty)
    }

    @Test func anExtraTokensRefusalIsCheckedByOneGrantOfTheAccountsOwnAndThenNeedsItsOwnSignIn() {
        var state = signedIn(extras: 2)
        _ = state.forceRefresh(1)
        _ = state.forceRefresh(2)
        // Token 1's API wants MFA: the refresh token is not dropped but checked, behind token 2.
        var effects = state.grantLanded(.failed(.needsSignIn, summary: "AADSTS50076", retryAfter: nil), at: moment)
        let refusal = State.Failure(message: "AADSTS50076", attempts: 0)
        #expect(state.session == .signedIn(refreshToken: "RT-1"))
        #expect(state.tokens[1].phase == .refused(refusal))
        #expect(state.inFlight?.token == 2 && state.queue.map(\.token) == [0])
        #expect(!effects.contains { if case .signInNeeded = $0 { true } else { false } })
        #expect(!effects.contains { if case .answerRefreshes(1, _) = $0 { true } else { false } }, "the caller waits for the verdict")
        #expect(state.condition(1) == .checking("AADSTS50076") && state.statusName(1, at: clock.now) == "refreshing")
        #expect(state.demand(1).isEmpty && state.forceRefresh(1) == [])
        // Token 2's API wants MFA too: the check already queued settles both.
        effects = state.grantLanded(.failed(.needsSignIn, summary: "AADSTS50079", retryAfter: nil), at: moment)
        #expect(Self.sent(effects) == ["RT-1"] && state.inFlight?.token == 0 && state.queue.isEmpty)
        effects = state.grantLanded(.granted(Self.grant("AT-OWN-2", refresh: "RT-2")), at: moment)
        #expect(state.session == .signedIn(refreshToken: "RT-2"))
        #expect(state.tokens[1].phase == .needsSignIn(refusal))
        #expect(effects.contains(.tokenSignInNeeded(token: 1, reason: "AADSTS50076")))
        #expect(effects.contains(.tokenSignInNeeded(token: 2, reason: "AADSTS50079")))
        #expect(effects.contains(.answerRefreshes(token: 1, .refreshFailed(summary: "AADSTS50076", retrying: false))))
        #expect(Self.sent(effects).isEmpty, "one check, and nothing retried behind it")
        #expect(state.condition(1) == .tokenNeedsSignIn("AADSTS50076"))
        #expect(state.statusName(1, at: clock.now) == "needs_signin")
        #expect(
            state.message(1, label: "work.dyn", account: "work", signInURL: "URL", tokenSignInURL: "URL.dyn", at: clock.now)
                == "token work.dyn needs sign-in: open URL.dyn")
        // No timer, no grant for it until its sign-in; the account's own token goes on.
        #expect(state.demand(1).isEmpty && state.tokens[1].nextRefresh == nil)
        #expect(Self.sent(state.refreshDue(0)) == ["RT-2"])
        _ = state.grantLanded(.granted(Self.grant("AT-OWN-3")), at: moment)
        #expect(state.statusName(0, at: clock.now) == "signed_in" && state.standing(at: clock.now) == .signedIn)
        // Its own sign-in mints it and brings the refresh token the others now use.
        effects = state.tokenSignedIn(1, Self.grant("AT-DYN", refresh: "RT-9"), at: moment)
        #expect(state.session == .signedIn(refreshToken: "RT-9"))
        #expect(state.tokens[1].held?.value == "AT-DYN" && state.tokens[1].nextRefresh != nil && state.condition(1) == .fine)
        #expect(state.tokens[0].held?.value == "AT-OWN-3" && state.tokens[2].phase == .needsSignIn(State.Failure(message: "AADSTS50079", attempts: 0)))
        #expect(effects.contains(.answerWaiters(token: 1, .current)))
        #expect(Self.sent(state.forceRefresh(2) ?? []) == ["RT-9"], "refresh tries a token that needs its sign-in once more")
    }

    @Test func whenTheCheckIsRefusedTooTheRefreshTokenIsDropped() {
        var state = signedIn(extras: 1)
        _ = state.forceRefresh(1)
        _ = state.grantLanded(.failed(.needsSignIn, summary: "AADSTS65001", retryAfter: nil), at: moment)
        #expect(state.inFlight?.token == 0)
        let effects = state.grantLanded(.failed(.needsSignIn, summary: "AADSTS70008", retryAfter: nil), at: moment)
        #expect(state.session == .needsSignIn(reason: "AADSTS70008"))
        #expect(effects.contains(.signInNeeded(reason: "AADSTS70008", notify: true)))
        #expect(effects.contains(.answerRefreshes(token: 1, .refreshFailed(summary: "AADSTS65001", retrying: false))))
        #expect(!effects.contains { if case .tokenSignInNeeded = $0 { true } else { false } })
        #expect(state.condition(1) == .needsSignIn && state.tokens[1].phase == .idle(State.Failure(message: "AADSTS65001", attempts: 0)))
        #expect(state.queue.isEmpty && state.inFlight == nil)
    }

    @Test func aCheckThatCannotReachTheProviderLeavesTheRefusalOpenUntilItsRetry() {
        var state = signedIn(extras: 1)
        _ = state.forceRefresh(1)
        _ = state.grantLanded(.failed(.needsSignIn, summary: "consent", retryAfter: nil), at: moment)
        let effects = state.grantLanded(.failed(.transient, summary: "down", retryAfter: nil), at: moment)
        #expect(state.session == .signedIn(refreshToken: "RT-1") && state.tokens[1].refused)
        #expect(effects.contains(.answerRefreshes(token: 1, .refreshFailed(summary: "consent", retrying: false))))
        #expect(Self.sent(state.refreshDue(0)) == ["RT-1"])
        _ = state.grantLanded(.failed(.configuration, summary: "invalid_client", retryAfter: nil), at: moment)
        // Not a refusal of the refresh token: the refused token needs its own sign-in.
        #expect(state.tokens[1].phase == .needsSignIn(State.Failure(message: "consent", attempts: 0)))
    }

    @Test func anUnrecognizedErrorKeepsTheRefreshTokenAndRetries() {
        var state = signedIn(extras: 1)
        _ = state.refreshDue(0)
        let effects = state.grantLanded(.failed(.unrecognized, summary: "brand_new_error", retryAfter: nil), at: moment)
        #expect(state.session == .signedIn(refreshToken: "RT-1"))
        #expect(state.tokens[0].phase == .retrying(at: clock.now.adding(seconds: 2), State.Failure(message: "brand_new_error", attempts: 1)))
        #expect(!effects.contains { if case .signInNeeded = $0 { true } else { false } })
    }

    @Test func deviceComplianceLeavesTheNoticeToTheDriver() {
        var state = signedIn()
        _ = state.refreshDue(0)
        let effects = state.grantLanded(.failed(.deviceCompliance, summary: "AADSTS53000", retryAfter: nil), at: moment)
        #expect(effects.contains(.signInNeeded(reason: "AADSTS53000", notify: false)))
    }

    /// The provider issued the token somewhere between sending the request and its answer, so
    /// the lifetime counts from the send: a slow answer never stretches it past the provider's.
    @Test func aLifetimeCountsFromWhenTheRequestWentOut() {
        var state = State(tokenCount: 1)
        let sentAt = clock.now
        clock.jump(by: 5)
        var landed = moment
        landed.sentAt = sentAt
        _ = state.signIn(Self.grant("AT-1", refresh: "RT-1", lifetime: 60), at: landed)
        let held = state.tokens[0].held
        #expect(held?.expiresAt == sentAt.adding(seconds: 60), "not from the answer's arrival, 5 s later")
        let expectedWall: Int64 = 1_000 - 5 + 60
        #expect(held.map(\.wallExpiry) == expectedWall, "\(String(describing: held))")
        // Served within the serve margin of that expiry, never up to the later one.
        #expect(held?.usable(at: sentAt.adding(seconds: 60 - RefreshPolicy.serveMargin(lifetime: 60) - 0.1)) == "AT-1")
        #expect(held?.usable(at: sentAt.adding(seconds: 60 - RefreshPolicy.serveMargin(lifetime: 60) + 0.1)) == nil)
        // The refresh is planned from the same start.
        guard case .scheduled(let at) = state.tokens[0].phase else {
            Issue.record("no refresh planned: \(state.tokens[0].phase)")
            return
        }
        #expect(at == sentAt.adding(seconds: RefreshPolicy.refreshAfter(lifetime: 60, refreshIn: nil, jitter: 0)))
    }

    @Test func anExpiredTokenIsNeverServed() {
        var state = signedIn()
        let token = state.tokens[0].held
        #expect(token?.usable(at: clock.now) == "AT-1")
        clock.jump(by: 3599)
        #expect(token?.usable(at: clock.now) == nil)
        #expect(state.statusName(0, at: clock.now) == "needs_signin")
        #expect(state.standing(at: clock.now) == .failing)
        #expect(Self.sent(state.demand(0)) == ["RT-1"])
        #expect(state.queue.isEmpty && state.inFlight?.token == 0)
    }

    @Test func withoutARefreshTokenTheSessionEndsAtExpiry() {
        var state = State(tokenCount: 2)
        let effects = state.signIn(Self.grant("AT-1", lifetime: 600), at: moment)
        let expiry = clock.now.adding(seconds: 600)
        #expect(state.session == .withoutRefreshToken(expiresAt: expiry))
        #expect(effects.contains(.armExpiry(at: expiry)) && Self.sent(effects).isEmpty)
        #expect(effects.contains(.answerWaiters(token: 1, .current)))
        #expect(state.condition(1) == .cannotMint && state.statusName(1, at: clock.now) == "needs_signin")
        #expect(state.forceRefresh(0) == nil)
        #expect(state.sessionExpired() == [.stateChanged, .signInNeeded(reason: "the access token expired and there is no refresh token", notify: true)])
        #expect(state.sessionExpired().isEmpty)
    }

    @Test func aSignInWinsOverTheGrantThatWasOut() {
        var state = signedIn(extras: 1)
        _ = state.forceRefresh(1)
        let before = state.generation
        _ = state.signIn(Self.grant("AT-NEW", refresh: "RT-NEW"), at: moment)
        #expect(state.generation == before + 1)
        #expect(state.tokens[1].held == nil && state.tokens[1].refreshing)
        // The stale answer is dropped and the token minted again with the new refresh token.
        let effects = state.grantLanded(.granted(Self.grant("AT-STALE", refresh: "RT-STALE")), at: moment)
        #expect(Self.sent(effects) == ["RT-NEW"])
        #expect(state.session == .signedIn(refreshToken: "RT-NEW") && state.tokens[1].held == nil)
    }

    @Test func aRejectedTokenThatIsNoLongerCurrentFetchesNothing() {
        var state = signedIn()
        clock.jump(by: 120)
        #expect(state.rejected(0, reported: "AT-OLD", at: clock.now) == .stale)
        #expect(state.rejected(0, reported: "AT-", at: clock.now) == .stale)
        var fresh = State(tokenCount: 1)
        #expect(fresh.rejected(0, reported: "AT-1", at: clock.now) == .stale)
        #expect(state.inFlight == nil && state.queue.isEmpty)
    }

    @Test func aRejectedCurrentTokenIsRefreshedOnceForEveryReport() {
        var state = signedIn()
        clock.jump(by: 60)
        guard case .refresh(let effects) = state.rejected(0, reported: "AT-1", at: clock.now) else {
            Issue.record("expected a refresh")
            return
        }
        #expect(Self.sent(effects) == ["RT-1"] && state.tokens[0].refreshing)
        for _ in 0..<49 { #expect(state.rejected(0, reported: "AT-1", at: clock.now) == .refresh([])) }
        _ = state.grantLanded(.granted(Self.grant("AT-2", refresh: "RT-2")), at: moment)
        // A late report of the old token gets the new one.
        #expect(state.rejected(0, reported: "AT-1", at: clock.now) == .stale)
    }

    @Test func aRejectedFreshTokenIsNotReplaced() {
        var state = signedIn()
        clock.jump(by: 59)
        #expect(state.rejected(0, reported: "AT-1", at: clock.now) == .fresh(ageSeconds: 59))
        #expect(state.inFlight == nil && !state.tokens[0].refreshing)
        // Short-lived tokens: a tenth of the lifetime.
        var short = State(tokenCount: 1)
        _ = short.signIn(Self.grant("AT-S", refresh: "RT-S", lifetime: 20), at: moment)
        #expect(short.rejected(0, reported: "AT-S", at: clock.now.adding(seconds: 1.5)) == .fresh(ageSeconds: 1))
        guard case .refresh(let effects) = short.rejected(0, reported: "AT-S", at: clock.now.adding(seconds: 2)) else {
            Issue.record("expected a refresh")
            return
        }
        #expect(Self.sent(effects) == ["RT-S"])
    }

    @Test func aRejectedTokenWaitsForTheRetryTimerOrAHalt() {
        var state = signedIn()
        clock.jump(by: 120)
        _ = state.refreshDue(0)
        _ = state.grantLanded(.failed(.transient, summary: "down", retryAfter: nil), at: moment)
        #expect(state.rejected(0, reported: "AT-1", at: clock.now) == .refresh([]))
        #expect(!state.tokens[0].refreshing)
    }

    @Test func aRefreshTokenWithAnEndWarnsAheadAndEndsTheSession() {
        var state = State(tokenCount: 2)
        var grant = Self.grant("AT-1", refresh: "RT-1")
        grant.refreshTokenLifetimeSeconds = 28_800
        let effects = state.signIn(grant, at: moment)
        let expiry = State.RefreshTokenExpiry(at: clock.now.adding(seconds: 28_800), wallSeconds: 1_000 + 28_800, lifetime: 28_800)
        #expect(state.session == .signedIn(refreshToken: "RT-1", expiresAt: expiry))
        // A tenth of 8 hours (48 minutes) ahead.
        #expect(expiry.dueAt == clock.now.adding(seconds: 28_800 - 2_880))
        #expect(effects.contains(.armExpiry(at: expiry.at)) && effects.contains(.armSignInDue(at: expiry.dueAt)))
        // The extra token's grant brings no new refresh token: the end and its timers stay.
        let minted = state.grantLanded(.granted(Self.grant("AT-X")), at: moment)
        #expect(!minted.contains { if case .armSignInDue = $0 { true } else { false } })
        #expect(state.session == .signedIn(refreshToken: "RT-1", expiresAt: expiry))
        #expect(state.signInDue() == [.signInDue(expiry)])
        let ended = state.sessionExpired()
        #expect(state.session == .needsSignIn(reason: "the refresh token expired"))
        #expect(ended.contains(.signInNeeded(reason: "the refresh token expired", notify: true)))
        #expect(state.tokens.allSatisfy { $0.nextRefresh == nil } && state.demand(0).isEmpty)
        #expect(state.signInDue().isEmpty && state.sessionExpired().isEmpty)
        // An hour at most: a refresh token of 90 days is due an hour before its end.
        #expect(RefreshPolicy.signInDueBefore(lifetime: 90 * 86_400) == 3_600)
    }

    @Test func aSignInBeforeTheEndReplacesTheRefreshTokenAndItsEnd() {
        var state = State(tokenCount: 1)
        var grant = Self.grant("AT-1", refresh: "RT-1")
        grant.refreshTokenLifetimeSeconds = 100
        _ = state.signIn(grant, at: moment)
        _ = state.signInDue()
        clock.jump(by: 95)
        grant = Self.grant("AT-2", refresh: "RT-2")
        grant.refreshTokenLifetimeSeconds = 100
        let effects = state.signIn(grant, at: moment)
        let end = clock.now.adding(seconds: 100)
        #expect(effects.contains(.armExpiry(at: end)) && effects.contains(.armSignInDue(at: end.adding(seconds: -10))))
        #expect(state.tokens[0].held?.usable(at: clock.now) == "AT-2")
        // A refresh token without an end date clears the timers.
        _ = state.refreshDue(0)
        let plain = state.grantLanded(.granted(Self.grant("AT-4", refresh: "RT-4")), at: moment)
        #expect(state.session == .signedIn(refreshToken: "RT-4"))
        #expect(plain.contains(.cancelExpiry) && plain.contains(.cancelSignInDue))
    }

    @Test func retiringAnswersEveryoneAndLeavesNothingToLand() {
        var state = signedIn(extras: 1)
        _ = state.refreshDue(0)
        let effects = state.retire(because: "gone")
        #expect(state.session == .retired)
        #expect(effects.contains(.answerWaiters(token: 1, .error("gone"))) && effects.contains(.cancelExpiry))
        #expect(state.tokens.allSatisfy { $0 == State.Token() })
        #expect(state.demand(0).isEmpty && state.forceRefresh(0) == nil)
    }
}

/// The device code sign-in (RFC 8628) on the manual clock: pending, slow_down, expiry, denial,
/// and a browser sign-in that lands while a device flow waits.
extension AccountStateTests {
    static let codes = DeviceAuthorization(
        deviceCode: "DC", userCode: "ABCD-EFGH", verificationURI: "https://microsoft.com/devicelogin", expiresInSeconds: 900, intervalSeconds: 5)

    func moment(after seconds: Double) -> State.Moment { State.Moment(now: clock.now.adding(seconds: seconds), wallSeconds: 1_000, jitter: 0) }

    /// A device flow that has its codes, at the clock's now.
    func waitingForPerson() -> State {
        var state = State(tokenCount: 1)
        _ = state.startDeviceSignIn(because: "no token yet", notify: true)
        _ = state.deviceAuthorized(1, Self.codes, at: clock.now)
        return state
    }

    @Test func aDeviceFlowAsksOnceAndTellsThePersonWhatToEnter() {
        var state = State(tokenCount: 1)
        #expect(state.startDeviceSignIn(because: "no token yet", notify: true) == [.requestDeviceCode(flow: 1), .stateChanged])
        // Asking again while it is under way shares the flow.
        #expect(state.startDeviceSignIn(because: "requested", notify: false).isEmpty)
        let effects = state.deviceAuthorized(1, Self.codes, at: clock.now)
        #expect(effects.contains(.armDevicePoll(at: clock.now.adding(seconds: 5))))
        #expect(effects.contains(.deviceSignInNeeded(Self.codes, reason: "no token yet", notify: true)))
        #expect(state.pendingDeviceAuthorization == Self.codes)
        #expect(
            state.message(0, label: "work", account: "work", signInURL: "URL", at: clock.now)
                == "account work needs sign-in: on any device open https://microsoft.com/devicelogin and enter ABCD-EFGH")
        // An answer for another flow is not this one's.
        #expect(state.deviceAuthorized(7, Self.codes, at: clock.now).isEmpty)
    }

    @Test func pendingPollsAtTheIntervalAndNeverTwoAtOnce() {
        var state = waitingForPerson()
        #expect(state.devicePollDue(at: clock.now.adding(seconds: 5)) == [.sendDevicePoll(flow: 1, deviceCode: "DC")])
        // The timer cannot send a second poll while one is out.
        #expect(state.devicePollDue(at: clock.now.adding(seconds: 6)).isEmpty)
        #expect(state.devicePollLanded(1, .pending, at: moment(after: 5.3)) == [.armDevicePoll(at: clock.now.adding(seconds: 10.3))])
    }

    @Test func slowDownAddsFiveSecondsForGood() {
        var state = waitingForPerson()
        _ = state.devicePollDue(at: clock.now.adding(seconds: 5))
        #expect(state.devicePollLanded(1, .slowDown, at: moment(after: 5)) == [.armDevicePoll(at: clock.now.adding(seconds: 15))])
        _ = state.devicePollDue(at: clock.now.adding(seconds: 15))
        #expect(state.devicePollLanded(1, .pending, at: moment(after: 15)) == [.armDevicePoll(at: clock.now.adding(seconds: 25))])
        _ = state.devicePollDue(at: clock.now.adding(seconds: 25))
        #expect(state.devicePollLanded(1, .slowDown, at: moment(after: 25)) == [.armDevicePoll(at: clock.now.adding(seconds: 40))])
    }

    @Test func theFlowStopsAtExpiresIn() {
        var state = waitingForPerson()
        _ = state.devicePollDue(at: clock.now.adding(seconds: 897))
        // The next poll would come after the expiry: the timer is set for the expiry instead.
        #expect(state.devicePollLanded(1, .pending, at: moment(after: 897)) == [.armDevicePoll(at: clock.now.adding(seconds: 900))])
        #expect(state.devicePollDue(at: clock.now.adding(seconds: 900)) == [.cancelDevicePoll, .deviceSignInEnded(.expired), .stateChanged])
        #expect(state.device == .ended(.expired) && state.pendingDeviceAuthorization == nil)
        #expect(state.message(0, label: "work", account: "work", signInURL: "URL", at: clock.now) == "account work needs sign-in: open URL")
        // The provider saying so ends it too; a new flow can start.
        var other = waitingForPerson()
        _ = other.devicePollDue(at: clock.now.adding(seconds: 5))
        #expect(other.devicePollLanded(1, .expired(TokenError(kind: .unrecognized, code: "expired_token", httpStatus: 400)), at: moment(after: 5)).contains(.deviceSignInEnded(.expired)))
        #expect(other.startDeviceSignIn(because: "requested", notify: false) == [.requestDeviceCode(flow: 2), .stateChanged])
    }

    @Test func aDenialOrARefusalEndsTheFlow() {
        var state = waitingForPerson()
        _ = state.devicePollDue(at: clock.now.adding(seconds: 5))
        let denied = TokenError(kind: .unrecognized, code: "authorization_declined", httpStatus: 400)
        #expect(state.devicePollLanded(1, .denied(denied), at: moment(after: 5)) == [.cancelDevicePoll, .deviceSignInEnded(.declined), .stateChanged])
        #expect(state.devicePollDue(at: clock.now.adding(seconds: 10)).isEmpty)
        var refused = waitingForPerson()
        _ = refused.devicePollDue(at: clock.now.adding(seconds: 5))
        let blocked = TokenError(kind: .needsSignIn, code: "invalid_grant", providerCodes: [53003], httpStatus: 400)
        #expect(refused.devicePollLanded(1, .refused(blocked), at: moment(after: 5)).contains(.deviceSignInEnded(.refused(blocked))))
        #expect(refused.session == .needsSignIn(reason: "not signed in yet"))
        var failed = State(tokenCount: 1)
        _ = failed.startDeviceSignIn(because: "x", notify: false)
        #expect(failed.deviceAuthorizationFailed(1, .failedToStart("down")).contains(.deviceSignInEnded(.failedToStart("down"))))
    }

    @Test func anApprovedCodeSignsIn() {
        var state = waitingForPerson()
        _ = state.devicePollDue(at: clock.now.adding(seconds: 5))
        let effects = state.devicePollLanded(1, .granted(Self.grant("AT-1", refresh: "RT-1")), at: moment(after: 5))
        #expect(effects.first == .cancelDevicePoll && effects.contains(.answerWaiters(token: 0, .current)))
        #expect(state.session == .signedIn(refreshToken: "RT-1") && state.device == .none)
        #expect(state.tokens[0].held?.value == "AT-1")
    }

    /// The first sign-in wins: a browser sign-in ends the device flow, and its poll in flight is dropped.
    @Test func aBrowserSignInWinsOverAPendingDeviceFlow() {
        var state = waitingForPerson()
        _ = state.devicePollDue(at: clock.now.adding(seconds: 5))
        let effects = state.signIn(Self.grant("AT-B", refresh: "RT-B"), at: moment(after: 5.1))
        #expect(effects.starts(with: [.cancelDevicePoll, .deviceSignInEnded(.superseded), .stateChanged]))
        #expect(state.device == .none)
        #expect(state.devicePollLanded(1, .granted(Self.grant("AT-D", refresh: "RT-D")), at: moment(after: 5.2)).isEmpty)
        #expect(state.session == .signedIn(refreshToken: "RT-B") && state.tokens[0].held?.value == "AT-B")
        // A device flow that landed first is an ordinary sign-in; nothing is pending for a later one to end.
        var first = waitingForPerson()
        _ = first.devicePollDue(at: clock.now.adding(seconds: 5))
        _ = first.devicePollLanded(1, .granted(Self.grant("AT-D", refresh: "RT-D")), at: moment(after: 5))
        #expect(!first.signIn(Self.grant("AT-B", refresh: "RT-B"), at: moment(after: 6)).contains(.deviceSignInEnded(.superseded)))
    }

    @Test func retirementDropsTheDeviceFlow() {
        var state = waitingForPerson()
        _ = state.devicePollDue(at: clock.now.adding(seconds: 5))
        #expect(state.retire(because: "removed").contains(.cancelDevicePoll))
        #expect(state.devicePollLanded(1, .granted(Self.grant("AT")), at: moment(after: 5)).isEmpty)
    }
}
