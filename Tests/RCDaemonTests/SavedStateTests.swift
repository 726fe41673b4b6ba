import RCOAuth
import RCTestSupport
import Testing

@testable import RCDaemon
@testable import RCSystem

/// The state that survives a restart: its encoding (round trip, and nothing from damaged
/// bytes), its fingerprint, and ``AccountState``'s restoring initializer on the manual clock.
@Suite struct SavedStateTests {
    typealias State = AccountState

    static let sample = SavedState(
        savedAt: 1_000,
        accounts: [
            SavedState.Account(
                name: "work", fingerprint: "f1", refreshToken: "RT-1", refreshTokenExpiresAt: 90_000, refreshTokenLifetime: 86_400,
                tokens: [
                    SavedState.Token(name: nil, value: "AT-own", expiresAt: 4_600, lifetime: 3600),
                    SavedState.Token(name: "graph", value: "AT-graph\"\\\u{1}é", expiresAt: 2_000, lifetime: 1800.5),
                ]),
            SavedState.Account(
                name: "short", fingerprint: "f2", refreshToken: nil, refreshTokenExpiresAt: nil, refreshTokenLifetime: nil,
                tokens: [SavedState.Token(name: nil, value: "AT-short", expiresAt: 1_300, lifetime: 300)]),
        ])

    static func settings(secret: String? = nil, scopes: [String] = ["openid", "offline_access"], tokens: [ExtraToken] = [], port: Int = 8400)
        -> AccountSettings
    {
        AccountSettings(
            name: "work", provider: .generic, authorizeURL: "https://idp.example/authorize", tokenURL: "https://idp.example/token",
            clientID: "cli", clientSecret: secret, clientAuth: secret == nil ? .none : .secretPost, scopes: scopes,
            redirectURI: "http://localhost:\(port)/callback", tokens: tokens)
    }

    // MARK: Format

    @Test func aStateRoundTrips() throws {
        let bytes = Self.sample.encoded()
        #expect(SavedState.decode(bytes) == .success(Self.sample))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("{\"format\":\"redirect-catcher state\",\"version\":1,"))
    }

    @Test func everyTruncationGivesNoStateAndAReason() {
        let bytes = Self.sample.encoded()
        for length in 0..<bytes.count {
            guard case .failure(let error) = SavedState.decode(Array(bytes.prefix(length))) else {
                Issue.record("a state cut to \(length) of \(bytes.count) bytes decoded")
                continue
            }
            #expect(!error.description.contains("AT-") && !error.description.contains("RT-"))
        }
    }

    @Test func randomDamageNeverDecodesToAStateWithAltered() {
        let bytes = Self.sample.encoded()
        var random = SplitMix64(seed: 16)
        for round in 0..<2_000 {
            var damaged = bytes
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let at = Int.random(in: 0..<damaged.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: damaged[at] = UInt8.random(in: 0...255, using: &random)
                case 1: damaged.remove(at: at)
                default: damaged.insert(UInt8.random(in: 0...255, using: &random), at: at)
                }
            }
            switch SavedState.decode(damaged) {
            case .failure(let error):
                #expect(!error.description.contains("AT-") && !error.description.contains("RT-"), "round \(round)")
            case .success(let state):
                // Damage inside a string can still be valid JSON: what decodes is whole and typed.
                #expect(state.accounts.count <= 2, "round \(round)")
                for account in state.accounts { #expect(account.refreshToken != nil || !account.tokens.isEmpty) }
            }
        }
    }

    @Test func anotherVersionOrFormatRestoresNothing() {
        let text = String(decoding: Self.sample.encoded(), as: UTF8.self)
        let future = text.replacing("\"version\":1", with: "\"version\":2")
        #expect(SavedState.decode(Array(future.utf8)) == .failure(.unknownVersion("2")))
        #expect(SavedState.decode(Array(future.utf8)).failureDescription == "it has version 2, and this build reads version 1 only")
        let other = text.replacing("redirect-catcher state", with: "something else")
        #expect(SavedState.decode(Array(other.utf8)) == .failure(.notState))
        #expect(SavedState.decode([]) == .failure(.empty))
        #expect(SavedState.decode(Array("[1]".utf8)) == .failure(.notJSON))
        #expect(SavedState.decode(Array(repeating: 0x20, count: SavedState.maxBytes + 1)) == .failure(.tooLarge(SavedState.maxBytes + 1)))
        let noEnd = text.replacing(/"refresh_token_lifetime":[0-9.e+]+,/, with: "")
        #expect(SavedState.decode(Array(noEnd.utf8)) == .failure(.malformed("account work's refresh token end is incomplete")))
    }

    // MARK: Fingerprint

    @Test func theFingerprintFollowsWhatTokensAreIssuedUnderAndNeverHoldsTheSecret() {
        let base = SavedState.fingerprint(Self.settings(secret: "s3cret"))
        #expect(base.count == 64 && base.allSatisfy(\.isHexDigit))
        #expect(!base.contains("s3cret"))
        #expect(SavedState.fingerprint(Self.settings(secret: "s3cret")) == base)
        // The port (listen.port 0 binds another each time) is no part of it.
        #expect(SavedState.fingerprint(Self.settings(secret: "s3cret", port: 9000)) == base)
        #expect(SavedState.fingerprint(Self.settings(secret: "other")) != base)
        #expect(SavedState.fingerprint(Self.settings(secret: "s3cret", scopes: ["openid"])) != base)
        #expect(SavedState.fingerprint(Self.settings(secret: "s3cret", tokens: [ExtraToken(name: "graph", scopes: ["g"])])) != base)
        var moved = Self.settings(secret: "s3cret")
        moved.tokenURL = "https://other.example/token"
        #expect(SavedState.fingerprint(moved) != base)
        var resource = Self.settings(secret: "s3cret")
        resource.resource = "api://x"
        #expect(SavedState.fingerprint(resource) != base)
    }

    // MARK: Restoring

    /// Wall clock 1 000 s is the manual clock's `now`.
    func moment(_ clock: ManualScheduler) -> State.Moment { State.Moment(now: clock.now, wallSeconds: 1_000, jitter: 0) }

    @Test func aRestoredAccountServesItsValidTokensAndRefreshesOnSchedule() {
        let clock = ManualScheduler()
        let saved = Self.sample.accounts[0]
        let state = State(restoring: saved, tokenNames: [nil, "graph", "mail"], at: moment(clock))
        #expect(state.session == .signedIn(refreshToken: "RT-1", expiresAt: State.RefreshTokenExpiry(
            at: clock.now.adding(seconds: 89_000), wallSeconds: 90_000, lifetime: 86_400)))
        // Own token: 3 600 s lifetime, 3 600 s left: served, refreshed 3 300 s after issue.
        #expect(state.tokens[0].held?.usable(at: clock.now) == "AT-own")
        #expect(state.tokens[0].phase == .scheduled(at: clock.now.adding(seconds: 3_300)))
        // graph: 1 000 s left of 1 800.5: its refresh time (expiry minus 5 min) is ahead.
        #expect(state.tokens[1].held?.usable(at: clock.now) != nil)
        #expect(state.tokens[1].phase == .scheduled(at: clock.now.adding(seconds: 700)))
        // mail was never saved: minted now.
        #expect(state.tokens[2].held == nil && state.tokens[2].phase == .scheduled(at: clock.now))
        let timers = state.restoredTimers()
        #expect(timers.contains(.armRefresh(token: 0, at: clock.now.adding(seconds: 3_300))))
        #expect(timers.contains(.armRefresh(token: 2, at: clock.now)))
        #expect(timers.contains(.armExpiry(at: clock.now.adding(seconds: 89_000))))
        #expect(timers.contains(.installed(token: 0)))
        #expect(state.statusName(0, at: clock.now) == "signed_in")
    }

    @Test func anExpiredAccessTokenIsNotRestoredAndItsRefreshIsDueNow() {
        let clock = ManualScheduler()
        let saved = Self.sample.accounts[0]
        // Two hours later: both access tokens expired.
        let later = State.Moment(now: clock.now, wallSeconds: 8_200, jitter: 0)
        var state = State(restoring: saved, tokenNames: [nil, "graph"], at: later)
        #expect(state.tokens[0].held == nil && state.tokens[1].held == nil)
        #expect(state.tokens[0].phase == .scheduled(at: clock.now))
        // The timer fires: the saved refresh token goes out, once.
        let effects = state.refreshDue(0)
        #expect(effects.contains(.sendGrant(token: 0, refreshToken: "RT-1", reason: "scheduled")))
    }

    @Test func aTokenWithinItsServeMarginIsNotServed() {
        let clock = ManualScheduler()
        let saved = Self.sample.accounts[1]
        // 0.5 s left of 300 s: within the 1 s serve margin.
        let state = State(restoring: saved, tokenNames: [nil], at: State.Moment(now: clock.now, wallSeconds: 1_299, jitter: 0))
        #expect(state.tokens[0].held == nil)
        #expect(state.session == .needsSignIn(reason: "the saved access token has expired and there is no refresh token"))
        #expect(state.restoredTimers().isEmpty)
    }

    @Test func aSessionWithoutRefreshTokenEndsWithItsAccessToken() {
        let clock = ManualScheduler()
        let state = State(restoring: Self.sample.accounts[1], tokenNames: [nil], at: moment(clock))
        #expect(state.session == .withoutRefreshToken(expiresAt: clock.now.adding(seconds: 300)))
        #expect(state.restoredTimers().contains(.armExpiry(at: clock.now.adding(seconds: 300))))
    }

    @Test func anExpiredRefreshTokenIsNotRestored() {
        let clock = ManualScheduler()
        let state = State(restoring: Self.sample.accounts[0], tokenNames: [nil], at: State.Moment(now: clock.now, wallSeconds: 90_001))
        #expect(state.session == .needsSignIn(reason: "the saved refresh token has expired"))
    }

    @Test func whatIsSavedRestoresToTheSameTokens() {
        let clock = ManualScheduler()
        var state = State(tokenCount: 2)
        _ = state.signIn(AccountStateTests.grant("AT-1", refresh: "RT-1"), at: moment(clock))
        _ = state.grantLanded(.granted(AccountStateTests.grant("AT-X", lifetime: 600)), at: moment(clock))
        let saved = state.saved(name: "work", fingerprint: "f", tokenNames: [nil, "graph"], wallNow: 1_000)
        #expect(saved?.refreshToken == "RT-1")
        #expect(saved?.tokens.map(\.value) == ["AT-1", "AT-X"])
        let encoded = SavedState(savedAt: 1_000, accounts: saved.map { [$0] } ?? []).encoded()
        guard case .success(let decoded) = SavedState.decode(encoded), let account = decoded.accounts.first else {
            Issue.record("the saved state did not decode")
            return
        }
        clock.advance(by: 100)
        let restored = State(restoring: account, tokenNames: [nil, "graph"], at: State.Moment(now: clock.now, wallSeconds: 1_100))
        #expect(restored.tokens[0].held?.usable(at: clock.now) == "AT-1")
        #expect(restored.tokens[1].held?.usable(at: clock.now) == "AT-X")
        #expect(restored.tokens[0].held?.expiresAt == clock.now.adding(seconds: 3_500))
        // A retired or signed-out account keeps nothing.
        var retired = state
        _ = retired.retire(because: "gone")
        #expect(retired.saved(name: "work", fingerprint: "f", tokenNames: [nil, "graph"], wallNow: 1_000) == nil)
        #expect(State(tokenCount: 1).saved(name: "w", fingerprint: "f", tokenNames: [nil], wallNow: 0) == nil)
    }
}

/// ``Account`` driving a restored state on the manual clock: its timers armed, the token served
/// at once, the refresh on schedule with the restored refresh token, and changes announced.
@Suite struct AccountRestoreTests {
    @Test func aRestoredAccountServesAtOnceAndRefreshesWithTheSavedRefreshToken() throws {
        let harness = AccountHarness()
        var changes = 0
        harness.account.onSavedStateChange = { changes += 1 }
        let wallNow = RestartState.wallNow()
        let fingerprint = SavedState.fingerprint(harness.account.settings)
        let saved = SavedState.Account(
            name: "work", fingerprint: fingerprint, refreshToken: "RT-saved", refreshTokenExpiresAt: nil, refreshTokenLifetime: nil,
            tokens: [SavedState.Token(name: nil, value: "AT-saved", expiresAt: wallNow + 1_800, lifetime: 3_600)])
        harness.account.restore(saved)
        #expect(changes >= 1)
        #expect(harness.requestNow() == .token("AT-saved"))
        #expect(harness.state == "signed_in")
        #expect(harness.endpoint.callCount == 0)
        // Issued 1 800 s ago with 3 600 s to live: refreshed at 3 300 s, 1 500 s from now, less
        // the jitter (at most 30 s), give or take a second for the wall clock.
        let next = try #require(harness.account.nextRefresh)
        #expect((1_469...1_501).contains(next.seconds(since: harness.scheduler.now)))
        harness.endpoint.enqueue(Reply.grant(access: "AT-new", refresh: "RT-new"))
        harness.advanceToRefresh()
        harness.scheduler.completeOffloaded()
        #expect(harness.endpoint.field("refresh_token", of: 0) == "RT-saved")
        #expect(harness.requestNow() == .token("AT-new"))
        // What is saved now is the rotated token.
        #expect(harness.account.saved(wallNow: wallNow)?.refreshToken == "RT-new")
        // No secret in the log.
        #expect(!harness.events.contains { $0.message.contains("RT-") || $0.message.contains("AT-") })
    }
}

extension Result where Failure: CustomStringConvertible {
    var failureDescription: String? {
        if case .failure(let error) = self { return error.description }
        return nil
    }
}
