import RCHTTP
import RCJSON
import RCOAuth
import Testing

@testable import RCDaemon
@testable import RCSystem

/// An account with extra tokens (`tokens`): one sign-in, one refresh token shared and rotated
/// across all of them, and never two grants in flight with it.
@Suite struct AccountTokensTests {
    static let graph = ExtraToken(name: "graph", scopes: ["https://graph.example/.default"])
    static let dynamics = ExtraToken(name: "dyn", resource: "https://dyn.example")
    static let refused = Reply.json(
        400, #"{"error":"invalid_grant","error_description":"AADSTS70008: The refresh token has expired.","error_codes":[70008]}"#)

    func harness() -> AccountHarness { AccountHarness(tokens: [Self.graph, Self.dynamics]) }

    func slot(_ h: AccountHarness, _ name: String?) -> TokenSlot {
        guard let slot = h.account.slot(named: name) else { preconditionFailure("no token \(name ?? "-")") }
        return slot
    }

    /// Signs in with `code`, scripts the extra tokens' grants, and delivers them one by one.
    func signInAndMint(_ h: AccountHarness) {
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-OWN-1", refresh: "RT-SECRET-1"))
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-GRAPH-1", refresh: "RT-SECRET-2"))
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-DYN-1", refresh: "RT-SECRET-3"))
        h.account.completeSignIn(code: "code-SECRET", verifier: "verifier-SECRET", nonce: nil) { _ in }
        h.scheduler.completeOffloaded()
        h.scheduler.completeOffloaded()
        h.scheduler.completeOffloaded()
    }

    @Test func oneSignInMintsEachExtraTokenInTurnWithTheNewestRefreshToken() {
        let h = harness()
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-OWN-1", refresh: "RT-SECRET-1"))
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-GRAPH-1", refresh: "RT-SECRET-2"))
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-DYN-1"))
        h.account.completeSignIn(code: "code-SECRET", verifier: "verifier-SECRET", nonce: nil) { _ in }
        h.scheduler.completeOffloaded()
        // The code is redeemed; graph's grant is out, dyn's waits for it.
        #expect(h.endpoint.callCount == 2)
        #expect(h.account.grantInFlight)
        #expect(h.scheduler.pendingCompletions == 1)
        #expect(h.requestNow("dyn") == nil, "dyn should wait for its grant")
        h.scheduler.completeOffloaded()
        #expect(h.endpoint.callCount == 3)
        h.scheduler.completeOffloaded()
        #expect(!h.account.grantInFlight)

        #expect(h.endpoint.field("grant_type", of: 0) == "authorization_code")
        #expect(h.endpoint.field("grant_type", of: 1) == "refresh_token")
        #expect(h.endpoint.field("refresh_token", of: 1) == "RT-SECRET-1")
        #expect(h.endpoint.field("scope", of: 1) == "https://graph.example/.default offline_access")
        #expect(h.endpoint.field("resource", of: 1) == nil)
        // Rotation: graph's response brought RT-2, so dyn's grant presents RT-2.
        #expect(h.endpoint.field("refresh_token", of: 2) == "RT-SECRET-2")
        #expect(h.endpoint.field("resource", of: 2) == "https://dyn.example")
        #expect(h.endpoint.field("scope", of: 2) == nil)

        #expect(h.requestNow() == .token("AT-SECRET-OWN-1"))
        #expect(h.requestNow("graph") == .token("AT-SECRET-GRAPH-1"))
        #expect(h.requestNow("dyn") == .token("AT-SECRET-DYN-1"))
        // Each token has its own refresh timer.
        #expect(h.scheduler.timerDeadlines.count == 3)
        #expect(h.account.slots.allSatisfy { h.account.nextRefresh($0) != nil })
        #expect(h.events.contains { $0.event == "refreshed" && $0.fields["TOKEN"] == "dyn" && $0.message.hasPrefix("account work.dyn refreshed") })
    }

    @Test func refreshesOfSeveralTokensGoOneAtATime() {
        let h = harness()
        signInAndMint(h)
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-GRAPH-2", refresh: "RT-SECRET-4"))
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-OWN-2", refresh: "RT-SECRET-5"))
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-DYN-2", refresh: "RT-SECRET-6"))
        let replies = Replies<TokenReply>()
        for name in ["graph", nil, "dyn"] { h.account.forceRefresh(slot(h, name), replies.callback) }
        #expect(h.endpoint.callCount == 4)
        #expect(h.scheduler.pendingCompletions == 1)
        #expect(h.endpoint.field("refresh_token", of: 3) == "RT-SECRET-3")
        // While graph's grant is out, the others are queued, not sent.
        #expect(slot(h, nil).refreshing && slot(h, "dyn").refreshing)
        h.scheduler.completeOffloaded()
        #expect(h.endpoint.callCount == 5)
        #expect(h.scheduler.pendingCompletions == 1)
        h.scheduler.completeOffloaded()
        #expect(h.endpoint.callCount == 6)
        h.scheduler.completeOffloaded()
        #expect(h.scheduler.pendingCompletions == 0)
        // Each grant presented the refresh token the one before it brought back.
        #expect(h.endpoint.field("refresh_token", of: 4) == "RT-SECRET-4")
        #expect(h.endpoint.field("refresh_token", of: 5) == "RT-SECRET-5")
        #expect(h.endpoint.field("scope", of: 4) == "openid offline_access")
        #expect(h.endpoint.field("resource", of: 5) == "https://dyn.example")
        #expect(replies.values == [.token("AT-SECRET-GRAPH-2"), .token("AT-SECRET-OWN-2"), .token("AT-SECRET-DYN-2")])
    }

    @Test func scheduledRefreshesThatFallDueTogetherAreSerialized() {
        let h = harness()
        signInAndMint(h)
        for index in 0..<3 {
            h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-NEW-\(index)", refresh: "RT-SECRET-NEW-\(index)"))
        }
        // All three timers fire (each within its jitter window); one grant goes out.
        h.scheduler.advance(by: 3600 - 200)
        #expect(h.endpoint.callCount == 4)
        #expect(h.account.slots.filter(\.refreshing).count == 3)
        h.scheduler.completeOffloaded()
        h.scheduler.completeOffloaded()
        h.scheduler.completeOffloaded()
        #expect(h.endpoint.callCount == 6)
        #expect(h.endpoint.field("refresh_token", of: 3) == "RT-SECRET-3")
        #expect(h.endpoint.field("refresh_token", of: 4) == "RT-SECRET-NEW-0")
        #expect(h.endpoint.field("refresh_token", of: 5) == "RT-SECRET-NEW-1")
        let served = [nil, "graph", "dyn"].map { name in name.map { h.requestNow($0) } ?? h.requestNow() }
        #expect(Set(served.compactMap { reply -> String? in if case .token(let value) = reply { value } else { nil } }).count == 3)
    }

    @Test func aRefusedRefreshTokenSignsOutEveryTokenAndDropsTheQueue() {
        let h = harness()
        let start = h.scheduler.now
        signInAndMint(h)
        let graphReply = Replies<TokenReply>()
        let dynReply = Replies<TokenReply>()
        h.endpoint.enqueue(Self.refused)
        h.endpoint.enqueue(Self.refused)
        h.account.forceRefresh(slot(h, "graph"), graphReply.callback)
        h.account.forceRefresh(slot(h, nil)) { _ in }
        h.account.forceRefresh(slot(h, "dyn"), dynReply.callback)
        #expect(h.endpoint.callCount == 4)
        h.scheduler.completeOffloaded()
        // graph's refusal is checked by the account's own grant, queued already.
        #expect(h.endpoint.callCount == 5 && h.endpoint.field("scope", of: 4) == "openid offline_access")
        h.scheduler.completeOffloaded()
        // dyn's grant was never sent: the refresh token it would present is gone.
        #expect(h.endpoint.callCount == 5)
        #expect(!h.account.grantInFlight)
        guard case .error(let graphMessage)? = graphReply.values.first, case .error(let dynMessage)? = dynReply.values.first else {
            Issue.record("expected errors, got \(graphReply.values) and \(dynReply.values)")
            return
        }
        #expect(graphMessage.hasPrefix("refresh of work.graph failed: invalid_grant"))
        #expect(dynMessage == "refresh of work.dyn failed: account work needs sign-in: open \(AccountHarness.signInURL)")
        #expect(h.account.slots.allSatisfy { h.account.nextRefresh($0) == nil && !$0.refreshing })
        #expect(h.scheduler.timerDeadlines.isEmpty)
        #expect(h.needsPerson.count == 1)
        // Tokens already minted stay good until they expire; then each asks for the person.
        #expect(h.requestNow("dyn") == .token("AT-SECRET-DYN-1"))
        h.scheduler.advance(to: start.adding(seconds: 3600))
        for reply in [h.requestNow(), h.requestNow("graph"), h.requestNow("dyn")] {
            #expect(reply == AccountTests.needsSignIn)
        }
        #expect(h.endpoint.callCount == 5)
    }

    static let mfa = Reply.json(
        400,
        #"{"error":"invalid_grant","error_description":"AADSTS50076: you must use multi-factor authentication to access 'https://dyn.example'.","error_codes":[50076]}"#)

    @Test func anExtraTokenRefusedForItsAPIAloneNeedsItsOwnSignInAndTheRestGoesOn() {
        let h = harness()
        signInAndMint(h)
        let dynReply = Replies<TokenReply>()
        h.endpoint.enqueue(Self.mfa)
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-OWN-2", refresh: "RT-SECRET-4"))
        h.account.forceRefresh(slot(h, "dyn"), dynReply.callback)
        h.scheduler.completeOffloaded()
        // Exactly one check, with the account's own scopes and the one refresh token.
        #expect(h.endpoint.callCount == 5)
        #expect(h.endpoint.field("scope", of: 4) == "openid offline_access" && h.endpoint.field("refresh_token", of: 4) == "RT-SECRET-3")
        #expect(dynReply.values.isEmpty)
        h.scheduler.completeOffloaded()
        #expect(h.endpoint.callCount == 5 && !h.account.grantInFlight)
        let tokenURL = AccountHarness.signInURL + ".dyn"
        guard case .error(let message)? = dynReply.values.first else {
            Issue.record("expected an error, got \(dynReply.values)")
            return
        }
        #expect(message.hasPrefix("refresh of work.dyn failed: invalid_grant: AADSTS50076"))
        #expect(message.hasSuffix("; token work.dyn needs sign-in: open \(tokenURL)"))
        #expect(h.account.unavailableMessage(slot(h, "dyn")) == "token work.dyn needs sign-in: open \(tokenURL)")
        // The refresh token is kept and rotated; the account's own token and graph are served.
        #expect(h.account.state.session == .signedIn(refreshToken: "RT-SECRET-4"))
        #expect(h.requestNow() == .token("AT-SECRET-OWN-2") && h.requestNow("graph") == .token("AT-SECRET-GRAPH-1"))
        #expect(h.account.nextRefresh(slot(h, "dyn")) == nil && h.account.nextRefresh(slot(h, "graph")) != nil)
        #expect(h.needsPerson.isEmpty, "the account as a whole does not need the person")
        #expect(h.tokenNeedsPerson == ["work.dyn: token work.dyn needs sign-in (\(h.account.state.tokens[2].failure?.message ?? "")): open \(tokenURL)"])
        #expect(h.events.contains { $0.event == "signin_needed" && $0.fields["TOKEN"] == "dyn" && $0.fields["SIGNIN_URL"] == tokenURL })
        #expect(h.events.contains { $0.event == "refresh_failed" && $0.message.contains("checking the refresh token") })
        guard case .object(let status) = h.account.status(), case .array(let tokens)? = status["tokens"],
            case .object(let dyn)? = tokens.last
        else {
            Issue.record("no tokens in \(h.account.status())")
            return
        }
        #expect(dyn["state"]?.stringValue == "needs_signin" && dyn["signin_url"]?.stringValue == tokenURL)
        #expect(dyn["last_error"]?.stringValue?.contains("AADSTS50076") == true)
        #expect(status["state"]?.stringValue == "signed_in" && status["signin_url"] == nil)

        // Its own sign-in redeems the code for dyn's resource and replaces the refresh token.
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-DYN-2", refresh: "RT-SECRET-9"))
        let result = Replies<SignInResult>()
        h.account.completeSignIn(code: "code-SECRET-D", verifier: "verifier-SECRET", nonce: nil, token: slot(h, "dyn"), reply: result.callback)
        h.scheduler.completeOffloaded()
        #expect(result.values == [.signedIn])
        #expect(h.endpoint.field("grant_type", of: 5) == "authorization_code" && h.endpoint.field("resource", of: 5) == "https://dyn.example")
        #expect(h.endpoint.field("scope", of: 5) == nil)
        #expect(h.requestNow("dyn") == .token("AT-SECRET-DYN-2") && h.requestNow() == .token("AT-SECRET-OWN-2"))
        #expect(h.account.state.session == .signedIn(refreshToken: "RT-SECRET-9"))
    }

    @Test func aClientAssertionThatCannotBeSignedIsAConfigurationErrorNotARetry() {
        let h = AccountHarness(clientAuth: .privateKeyJWT)
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-NEVER", refresh: "RT-SECRET-NEVER"))
        let result = Replies<SignInResult>()
        h.account.completeSignIn(code: "code-SECRET", verifier: "verifier-SECRET", nonce: nil, reply: result.callback)
        h.scheduler.completeOffloaded()
        guard case .failed(let summary, _)? = result.values.first else {
            Issue.record("expected a failed sign-in, got \(result.values)")
            return
        }
        #expect(summary == "client_auth is private_key_jwt but the account has no certificate")
        #expect(h.requestNow() == AccountTests.needsSignIn)
    }

    @Test func aSignInDuringAnExtraTokensGrantMintsItAgainFromTheNewRefreshToken() {
        let h = harness()
        signInAndMint(h)
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-GRAPH-OLD", refresh: "RT-SECRET-OLD"))
        h.account.forceRefresh(slot(h, "graph")) { _ in }
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-OWN-NEW", refresh: "RT-SECRET-NEW"))
        h.account.completeSignIn(code: "code-SECRET-2", verifier: "verifier-SECRET", nonce: nil) { _ in }
        #expect(h.scheduler.pendingCompletions == 2)
        // The code exchange lands first; dyn is queued behind graph's old grant.
        h.scheduler.completeOffloaded(at: 1)
        #expect(h.requestNow() == .token("AT-SECRET-OWN-NEW"))
        #expect(h.endpoint.callCount == 5)
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-DYN-NEW", refresh: "RT-SECRET-NEW-2"))
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-GRAPH-NEW"))
        h.scheduler.completeOffloaded()
        // The old grant's answer is dropped; graph is minted again, after dyn, from the new token.
        #expect(h.requestNow("graph") == nil)
        h.scheduler.completeOffloaded()
        h.scheduler.completeOffloaded()
        #expect(h.endpoint.field("refresh_token", of: 5) == "RT-SECRET-NEW")
        #expect(h.endpoint.field("resource", of: 5) == "https://dyn.example")
        #expect(h.endpoint.field("refresh_token", of: 6) == "RT-SECRET-NEW-2")
        #expect(h.endpoint.field("scope", of: 6) == "https://graph.example/.default offline_access")
        #expect(h.requestNow("graph") == .token("AT-SECRET-GRAPH-NEW"))
        #expect(h.requestNow("dyn") == .token("AT-SECRET-DYN-NEW"))
    }

    @Test func aTransientFailureRetriesOnlyThatToken() {
        let h = harness()
        signInAndMint(h)
        h.endpoint.enqueue(Reply.json(503, ""))
        let failedAt = h.scheduler.now
        h.account.forceRefresh(slot(h, "dyn")) { _ in }
        h.scheduler.completeOffloaded()
        #expect(h.account.nextRefresh(slot(h, "dyn")) == failedAt.adding(seconds: 2))
        #expect(slot(h, "graph").lastError == nil && slot(h, "dyn").lastError != nil)
        #expect(h.requestNow("dyn") == .token("AT-SECRET-DYN-1"))
        guard case .object(let status) = h.account.status(), case .array(let tokens)? = status["tokens"] else {
            Issue.record("no tokens in \(h.account.status())")
            return
        }
        let states = tokens.compactMap(\.objectValue).map { "\($0["name"]?.stringValue ?? "?")=\($0["state"]?.stringValue ?? "?")" }
        #expect(states == ["work.graph=signed_in", "work.dyn=failing"])
        #expect(status["state"]?.stringValue == "signed_in")
    }

    @Test func withoutARefreshTokenExtraTokensCannotBeMinted() {
        let h = harness()
        h.signIn(Reply.grant(access: "AT-SECRET-1"))
        #expect(h.endpoint.callCount == 1)
        guard case .error(let message)? = h.requestNow("graph") else {
            Issue.record("expected an error")
            return
        }
        #expect(message.hasPrefix("account work.graph cannot be minted: the sign-in brought no refresh token"))
        #expect(h.requestNow() == .token("AT-SECRET-1"))
    }

    @Test func beforeSignInEveryTokenAsksForIt() {
        let h = harness()
        #expect(h.requestNow("graph") == AccountTests.needsSignIn)
        #expect(h.endpoint.callCount == 0)
    }
}
