import RCHTTP
import RCJSON
import Testing

@testable import RCDaemon
@testable import RCSystem

@Suite struct AccountTests {
    static let needsSignIn = TokenReply.error("account work needs sign-in: open \(AccountHarness.signInURL)")

    @Test func beforeSignInRequestsAskForTheSignInURL() {
        let h = AccountHarness()
        #expect(h.requestNow() == Self.needsSignIn)
        #expect(h.endpoint.callCount == 0)
        #expect(h.state == "needs_signin")
        #expect(h.scheduler.timerDeadlines.isEmpty)
    }

    @Test func signInInstallsTheTokenAndSchedulesTheRefresh() {
        let h = AccountHarness()
        let start = h.scheduler.now
        #expect(h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1")) == .signedIn)
        #expect(h.requestNow() == .token("AT-SECRET-1"))
        #expect(h.state == "signed_in")
        // expiry − 5 min, minus up to 30 s of jitter.
        let next = try! #require(h.account.nextRefresh)
        #expect(next.seconds(since: start) >= 3270 && next.seconds(since: start) <= 3300)
        #expect(h.scheduler.timerDeadlines == [next])
        // The code exchange sent what RFC 6749 §4.1.3 and RFC 7636 ask for.
        #expect(h.endpoint.field("grant_type", of: 0) == "authorization_code")
        #expect(h.endpoint.field("code", of: 0) == "code-SECRET-4711")
        #expect(h.endpoint.field("code_verifier", of: 0) == "verifier-SECRET-0815")
        #expect(h.endpoint.field("redirect_uri", of: 0) == "http://localhost:8400/callback")
        #expect(h.events.contains { $0.event == "signed_in" && $0.fields["EXPIRES_IN"] == "3600" })
    }

    @Test func refreshInFromTheProviderMovesTheRefreshEarlier() {
        let h = AccountHarness()
        let start = h.scheduler.now
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1", expiresIn: 3600, refreshIn: 600))
        let next = try! #require(h.account.nextRefresh)
        #expect(next.seconds(since: start) >= 570 && next.seconds(since: start) <= 600)
    }

    @Test func theScheduledRefreshRunsOnceWhileTheOldTokenIsServed() {
        let h = AccountHarness()
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-2", refresh: "RT-SECRET-2"))
        h.advanceToRefresh()
        #expect(h.endpoint.callCount == 2)
        #expect(h.account.refreshing)
        #expect(h.state == "refreshing")
        for _ in 0..<100 {
            #expect(h.requestNow() == .token("AT-SECRET-1"))
        }
        #expect(h.endpoint.callCount == 2)
        #expect(h.scheduler.pendingCompletions == 1)
        h.scheduler.completeOffloaded()
        #expect(!h.account.refreshing)
        #expect(h.requestNow() == .token("AT-SECRET-2"))
        #expect(h.endpoint.field("grant_type", of: 1) == "refresh_token")
        #expect(h.endpoint.field("refresh_token", of: 1) == "RT-SECRET-1")
        #expect(h.endpoint.field("code_verifier", of: 1) == nil)
        #expect(h.events.contains { $0.event == "refreshed" })
    }

    @Test func requestsForAnExpiredTokenWaitForTheOneRefreshInFlight() {
        let h = AccountHarness()
        let start = h.scheduler.now
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-2", refresh: "RT-SECRET-2"))
        h.advanceToRefresh()
        // The refresh hangs; the token reaches its serve margin (1 s before expiry).
        h.scheduler.advance(to: start.adding(seconds: 3599.5))
        let waiting = Replies<TokenReply>()
        for _ in 0..<100 { h.account.requestToken(waiting.callback) }
        #expect(waiting.values.isEmpty)
        #expect(h.endpoint.callCount == 2)
        h.scheduler.completeOffloaded()
        #expect(waiting.values == Array(repeating: .token("AT-SECRET-2"), count: 100))
        #expect(h.endpoint.callCount == 2)
        // Their time-out timers went with them: only the next refresh is pending.
        #expect(h.scheduler.timerDeadlines == [h.account.nextRefresh].compactMap { $0 })
    }

    @Test func waitersTimeOutWhenTheRefreshHangs() {
        let h = AccountHarness()
        let start = h.scheduler.now
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-2", refresh: "RT-SECRET-2"))
        h.advanceToRefresh()
        h.scheduler.advance(to: start.adding(seconds: 3600))
        let waiting = Replies<TokenReply>()
        for _ in 0..<100 { h.account.requestToken(waiting.callback) }
        h.scheduler.advance(by: RefreshPolicy.waitForRefresh - 0.001)
        #expect(waiting.values.isEmpty)
        h.scheduler.advance(by: 0.001)
        #expect(waiting.values.count == 100)
        for reply in waiting.values {
            guard case .error(let message) = reply else {
                Issue.record("expected an error, got \(reply)")
                continue
            }
            #expect(message.contains("timed out"))
        }
        // The late refresh still lands, and nobody is answered twice.
        h.scheduler.completeOffloaded()
        #expect(waiting.values.count == 100)
        #expect(h.requestNow() == .token("AT-SECRET-2"))
    }

    @Test func anExpiredTokenWithNoRefreshInFlightStartsOneAtOnce() {
        let h = AccountHarness()
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1", expiresIn: 60))
        // The machine slept through the refresh point; a client asks before the timer runs.
        h.scheduler.jump(by: 7200)
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-2", refresh: "RT-SECRET-2"))
        let waiting = Replies<TokenReply>()
        h.account.requestToken(waiting.callback)
        h.account.requestToken(waiting.callback)
        #expect(h.endpoint.callCount == 2)
        #expect(waiting.values.isEmpty)
        // The overdue refresh timer was cancelled by the refresh it would have started.
        h.scheduler.advance(by: 0)
        #expect(h.endpoint.callCount == 2)
        h.scheduler.completeOffloaded()
        #expect(waiting.values == [.token("AT-SECRET-2"), .token("AT-SECRET-2")])
    }

    @Test func waitersAreAnsweredInTheOrderTheyAsked() {
        let h = AccountHarness()
        let start = h.scheduler.now
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-2", refresh: "RT-SECRET-2"))
        h.advanceToRefresh()
        h.scheduler.advance(to: start.adding(seconds: 3600))
        let order = Replies<Int>()
        for index in 0..<50 { h.account.requestToken { _ in order.callback(index) } }
        h.scheduler.completeOffloaded()
        #expect(order.values.count == 50)
        #expect(order.values == Array(0..<50))
    }

    @Test func rotationUsesTheNewestRefreshTokenAndKeepsItWhenNoneComesBack() {
        let h = AccountHarness()
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-2", refresh: "RT-SECRET-2"))
        h.advanceToRefresh()
        h.scheduler.completeOffloaded()
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-3"))
        h.advanceToRefresh()
        h.scheduler.completeOffloaded()
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-4"))
        h.advanceToRefresh()
        h.scheduler.completeOffloaded()
        #expect(h.endpoint.callCount == 4)
        #expect(h.endpoint.field("refresh_token", of: 1) == "RT-SECRET-1")
        #expect(h.endpoint.field("refresh_token", of: 2) == "RT-SECRET-2")
        #expect(h.endpoint.field("refresh_token", of: 3) == "RT-SECRET-2")
        #expect(h.endpoint.requests[3].bodyText.contains("refresh_token=RT-SECRET-2"))
        #expect(h.requestNow() == .token("AT-SECRET-4"))
    }

    struct Transient: Sendable, CustomTestStringConvertible {
        let name: String
        let response: Result<HTTPResponseMessage, TransportFailure>
        let delay: Double
        var testDescription: String { name }
    }

    static let transients: [Transient] = [
        Transient(name: "503 server_error", response: Reply.json(503, #"{"error":"server_error"}"#), delay: 2),
        Transient(name: "503 without a body", response: Reply.json(503, ""), delay: 2),
        Transient(
            name: "429 Retry-After 120",
            response: Reply.json(429, #"{"error":"temporarily_unavailable"}"#, headers: [("Retry-After", "120")]), delay: 120),
        Transient(name: "200 HTML", response: Reply.html(200), delay: 2),
        Transient(name: "502 HTML", response: Reply.html(502), delay: 2),
        Transient(name: "transport failure", response: Reply.transport("cannot connect to sso.example.com:443: refused"), delay: 2),
    ]

    @Test(arguments: transients)
    func transientFailuresKeepTheRefreshTokenAndRetry(_ case_: Transient) {
        let h = AccountHarness()
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        h.endpoint.enqueue(case_.response)
        h.advanceToRefresh()
        let failedAt = h.scheduler.now
        h.scheduler.completeOffloaded()
        #expect(h.account.nextRefresh == failedAt.adding(seconds: case_.delay))
        #expect(h.scheduler.timerDeadlines == [failedAt.adding(seconds: case_.delay)])
        #expect(h.requestNow() == .token("AT-SECRET-1"))
        #expect(h.state == "failing")
        #expect(h.account.lastError != nil)
        let warning = h.events.last { $0.event == "refresh_failed" }
        #expect(warning?.level == .warning)
        #expect(warning?.fields["RETRY_IN"] == String(Int(case_.delay)))
        // The retry uses the same refresh token.
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-2"))
        h.advanceToRefresh()
        h.scheduler.completeOffloaded()
        #expect(h.endpoint.field("refresh_token", of: 2) == "RT-SECRET-1")
        #expect(h.requestNow() == .token("AT-SECRET-2"))
        #expect(h.state == "signed_in")
        #expect(h.account.lastError == nil)
    }

    @Test func consecutiveFailuresBackOffAndSuccessResetsTheCount() {
        let h = AccountHarness()
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1", expiresIn: 86400))
        var delays: [Double] = []
        for _ in 0..<10 {
            h.endpoint.enqueue(Reply.transport("down"))
            h.advanceToRefresh()
            let failedAt = h.scheduler.now
            h.scheduler.completeOffloaded()
            delays.append(h.account.nextRefresh!.seconds(since: failedAt))
        }
        #expect(delays == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300])
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-2"))
        h.advanceToRefresh()
        h.scheduler.completeOffloaded()
        h.endpoint.enqueue(Reply.transport("down again"))
        h.advanceToRefresh()
        let failedAt = h.scheduler.now
        h.scheduler.completeOffloaded()
        #expect(h.account.nextRefresh == failedAt.adding(seconds: 2))
    }

    @Test func waitersGetTheFailureWhenTheRefreshFailsAfterExpiry() {
        let h = AccountHarness()
        let start = h.scheduler.now
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        h.endpoint.enqueue(Reply.json(503, #"{"error":"server_error","error_description":"busy"}"#))
        h.advanceToRefresh()
        h.scheduler.advance(to: start.adding(seconds: 3600))
        let waiting = Replies<TokenReply>()
        h.account.requestToken(waiting.callback)
        h.scheduler.completeOffloaded()
        guard case .error(let message)? = waiting.values.first else {
            Issue.record("expected an error, got \(waiting.values)")
            return
        }
        #expect(message.hasPrefix("account work has no valid token: server_error: busy"))
        #expect(message.hasSuffix("; retrying in 2 s"))
    }

    @Test func invalidGrantDropsTheRefreshTokenAndAsksForThePerson() {
        let h = AccountHarness()
        let start = h.scheduler.now
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        h.endpoint.enqueue(
            Reply.json(
                400,
                #"{"error":"invalid_grant","error_description":"AADSTS70008: The provided authorization code or refresh token has expired.","error_codes":[70008],"correlation_id":"c0ffee"}"#
            ))
        h.advanceToRefresh()
        h.scheduler.completeOffloaded()
        let signInNeeded = h.events.last { $0.event == "signin_needed" }
        #expect(signInNeeded?.fields["SIGNIN_URL"] == AccountHarness.signInURL)
        #expect(signInNeeded?.message == "account work needs sign-in: open \(AccountHarness.signInURL)")
        #expect(signInNeeded?.level == .notice)
        let failure = h.events.last { $0.event == "refresh_failed" }
        #expect(failure?.fields["PROVIDER_CODES"] == "70008")
        #expect(failure?.fields["CORRELATION_ID"] == "c0ffee")
        #expect(failure?.fields["ERROR_CODE"] == "invalid_grant")
        #expect(h.needsPerson.count == 1)
        #expect(h.needsPerson.first?.hasPrefix("signin_needed: account work needs sign-in (invalid_grant: AADSTS70008") == true, "\(h.needsPerson)")
        #expect(h.account.nextRefresh == nil)
        #expect(h.scheduler.timerDeadlines.isEmpty)
        // The access token is still good for a few minutes; after that, the person is needed.
        #expect(h.requestNow() == .token("AT-SECRET-1"))
        h.scheduler.advance(to: start.adding(seconds: 3600))
        #expect(h.requestNow() == Self.needsSignIn)
        #expect(h.endpoint.callCount == 2)
        #expect(h.state == "needs_signin")
        // A fresh sign-in recovers.
        h.signIn(Reply.grant(access: "AT-SECRET-3", refresh: "RT-SECRET-3"))
        #expect(h.requestNow() == .token("AT-SECRET-3"))
    }

    /// Device compliance (AADSTS53000): a sign-in alone will not fix it, so the person gets one
    /// notice that carries the provider's advice, not a bare "sign in".
    @Test func deviceComplianceNotifiesOnceWithTheAdvice() {
        let h = AccountHarness()
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        h.endpoint.enqueue(
            Reply.json(
                400,
                #"{"error":"invalid_grant","error_description":"AADSTS53000: Device is not in required device state: compliant.","error_codes":[53000],"correlation_id":"c0ffee"}"#
            ))
        h.advanceToRefresh()
        h.scheduler.completeOffloaded()
        #expect(h.needsPerson.count == 1, "\(h.needsPerson)")
        #expect(h.needsPerson.first?.hasPrefix("refresh_failed: account work: the provider refused the refresh token (sign in at \(AccountHarness.signInURL)): invalid_grant: AADSTS53000") == true)
        #expect(h.needsPerson.first?.contains("correlation id c0ffee") == true)
        #expect(h.events.contains { $0.event == "signin_needed" })
    }

    @Test func invalidClientHaltsRetries() {
        let h = AccountHarness()
        let start = h.scheduler.now
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        h.endpoint.enqueue(Reply.json(401, #"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#))
        h.advanceToRefresh()
        h.scheduler.completeOffloaded()
        #expect(h.scheduler.timerDeadlines.isEmpty)
        #expect(h.account.nextRefresh == nil)
        #expect(h.state == "misconfigured")
        #expect(h.events.last?.event == "refresh_failed")
        #expect(h.events.last?.level == .error)
        #expect(h.needsPerson.count == 1)
        #expect(h.needsPerson.first?.hasPrefix("refresh_failed: account work: refresh rejected as misconfigured: invalid_client") == true, "\(h.needsPerson)")
        h.scheduler.advance(to: start.adding(seconds: 7200))
        guard case .error(let message)? = h.requestNow() else {
            Issue.record("expected an error")
            return
        }
        #expect(message.hasPrefix("account work cannot refresh: invalid_client"))
        #expect(message.hasSuffix("fix the configuration and restart or reload"))
        #expect(h.endpoint.callCount == 2)
        // `refresh NAME` tries again on purpose.
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-2"))
        let forced = Replies<TokenReply>()
        h.account.forceRefresh(forced.callback)
        h.scheduler.completeOffloaded()
        #expect(forced.values == [.token("AT-SECRET-2")])
        #expect(h.state == "signed_in")
    }

    @Test func forceRefreshReportsATransientFailure() {
        let h = AccountHarness()
        let forced = Replies<TokenReply>()
        h.account.forceRefresh(forced.callback)
        #expect(forced.values == [Self.needsSignIn])
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        h.endpoint.enqueue(Reply.json(503, #"{"error":"server_error"}"#))
        h.account.forceRefresh(forced.callback)
        h.account.forceRefresh(forced.callback)  // joins the refresh in flight
        #expect(h.endpoint.callCount == 2)
        h.scheduler.completeOffloaded()
        #expect(forced.values.count == 3)
        for reply in forced.values.dropFirst() {
            #expect(reply == .error("refresh of work failed: server_error (HTTP 503); the refresh token is kept and the refresh retried"))
        }
    }

    @Test func forceRefreshReportsARejectedRefreshTokenEvenWhileTheOldTokenIsValid() {
        let h = AccountHarness()
        let forced = Replies<TokenReply>()
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        h.endpoint.enqueue(Reply.json(400, #"{"error":"invalid_grant","error_codes":[70008]}"#))
        h.account.forceRefresh(forced.callback)
        h.scheduler.completeOffloaded()
        guard case .error(let message)? = forced.values.first else {
            Issue.record("expected an error, got \(forced.values)")
            return
        }
        #expect(message.hasPrefix("refresh of work failed: invalid_grant"))
        #expect(message.contains("needs sign-in: open"))
        // Socket clients still get the access token, which has not expired.
        let served = Replies<TokenReply>()
        h.account.requestToken(served.callback)
        #expect(served.values == [.token("AT-SECRET-1")])
    }

    @Test func aSignInDuringARefreshWins() {
        let h = AccountHarness()
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        h.endpoint.enqueue(Reply.grant(access: "AT-STALE", refresh: "RT-STALE"))
        h.advanceToRefresh()
        // The person signs in again while the refresh is out.
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-NEW", refresh: "RT-SECRET-NEW"))
        let result = Replies<SignInResult>()
        h.account.completeSignIn(code: "code-SECRET-2", verifier: "verifier-SECRET-2", nonce: nil, reply: result.callback)
        // Deliver the sign-in first, then the stale refresh.
        #expect(h.scheduler.pendingCompletions == 2)
        h.scheduler.completeOffloadedLast()
        h.scheduler.completeOffloaded()
        #expect(result.values == [.signedIn])
        #expect(h.requestNow() == .token("AT-SECRET-NEW"))
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-3"))
        h.advanceToRefresh()
        #expect(h.endpoint.requests.last?.formBody.first { $0.0 == "refresh_token" }?.1 == "RT-SECRET-NEW")
    }

    @Test func withoutARefreshTokenThePersonIsAskedAgainAtExpiry() {
        let h = AccountHarness(scopes: ["api"])
        let start = h.scheduler.now
        h.signIn(Reply.grant(access: "AT-SECRET-1", expiresIn: 600))
        #expect(h.events.contains { $0.event == "no_refresh_token" && $0.level == .warning })
        #expect(h.account.nextRefresh == nil)
        #expect(h.scheduler.timerDeadlines == [start.adding(seconds: 600)])
        h.scheduler.advance(to: start.adding(seconds: 600))
        #expect(
            h.needsPerson == [
                "signin_needed: account work needs sign-in (the access token expired and there is no refresh token): open \(AccountHarness.signInURL)"
            ])
        #expect(h.requestNow() == Self.needsSignIn)
        #expect(h.endpoint.callCount == 1)
    }

    @Test func aFailedCodeExchangeLeavesTheAccountSignedOut() {
        let h = AccountHarness()
        let result = h.signIn(
            Reply.json(400, #"{"error":"invalid_grant","error_description":"AADSTS54005: OAuth2 Authorization code was already redeemed.","error_codes":[54005]}"#))
        guard case .failed(let summary, _)? = result else {
            Issue.record("expected a failure, got \(String(describing: result))")
            return
        }
        #expect(summary.contains("invalid_grant"))
        #expect(h.requestNow() == Self.needsSignIn)
        #expect(h.events.contains { $0.event == "signin_failed" && $0.fields["PROVIDER_CODES"] == "54005" })
    }

    // MARK: nonce

    static func idToken(_ claims: String) -> String {
        Base64.encodeURL(Array(#"{"alg":"none"}"#.utf8)) + "." + Base64.encodeURL(Array(claims.utf8)) + ".sig"
    }

    @Test func nonceProblem() {
        #expect(Account.nonceProblem(idToken: nil, expected: "n1") == nil)
        #expect(Account.nonceProblem(idToken: Self.idToken(#"{"nonce":"n1","sub":"x"}"#), expected: "n1") == nil)
        #expect(
            Account.nonceProblem(idToken: Self.idToken(#"{"nonce":"n2"}"#), expected: "n1")
                == "the id_token's nonce does not match this sign-in")
        #expect(
            Account.nonceProblem(idToken: Self.idToken(#"{"sub":"x"}"#), expected: "n1")
                == "the id_token has no nonce, but this sign-in sent one")
        #expect(
            Account.nonceProblem(idToken: Self.idToken(#"{"nonce":7}"#), expected: "7")
                == "the id_token has no nonce, but this sign-in sent one")
        for malformed in ["abc", "a.!!!.c", "a." + Base64.encodeURL(Array("[1]".utf8)) + ".c", "a." + Base64.encodeURL(Array("{".utf8)), ""] {
            #expect(Account.nonceProblem(idToken: malformed, expected: "n1") == "the id_token returned by the provider is malformed")
        }
    }

    @Test func aSignInWhoseNonceDoesNotMatchIsRejected() {
        let h = AccountHarness()
        let result = h.signIn(
            Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1", idToken: Self.idToken(#"{"nonce":"other"}"#)), nonce: "mine")
        #expect(result == .failed(summary: "the id_token's nonce does not match this sign-in", advice: "Start again from \(AccountHarness.signInURL)."))
        #expect(h.requestNow() == Self.needsSignIn)
        let good = h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1", idToken: Self.idToken(#"{"nonce":"mine"}"#)), nonce: "mine")
        #expect(good == .signedIn)
        #expect(h.requestNow() == .token("AT-SECRET-1"))
    }

    // MARK: Retry-After

    @Test func retryAfterSeconds() {
        let now: Int64 = 784_111_777  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(Account.retryAfterSeconds("120", wallNow: now) == 120)
        #expect(Account.retryAfterSeconds(" 120\t", wallNow: now) == 120)
        #expect(Account.retryAfterSeconds("0", wallNow: now) == 0)
        #expect(Account.retryAfterSeconds("Sun, 06 Nov 1994 08:51:37 GMT", wallNow: now) == 120)
        #expect(Account.retryAfterSeconds("Sun, 06 Nov 1994 08:00:00 GMT", wallNow: now) == 0)
        #expect(Account.retryAfterSeconds("soon", wallNow: now) == nil)
        #expect(Account.retryAfterSeconds("-5", wallNow: now) == nil)
        #expect(Account.retryAfterSeconds("1.5", wallNow: now) == nil)
        #expect(Account.retryAfterSeconds("", wallNow: now) == nil)
    }

    // MARK: Secrets

    @Test func noLogEventEverHoldsASecret() {
        let h = AccountHarness()
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        for response in [
            Reply.json(503, #"{"error":"server_error"}"#), Reply.html(200), Reply.transport("down"),
            Reply.grant(access: "AT-SECRET-2", refresh: "RT-SECRET-2"),
            Reply.json(400, #"{"error":"invalid_grant","error_codes":[70008]}"#),
        ] {
            h.endpoint.enqueue(response)
            h.advanceToRefresh()
            h.scheduler.completeOffloaded()
        }
        h.signIn(Reply.grant(access: "AT-SECRET-3", refresh: "RT-SECRET-3"), code: "code-SECRET-9")
        h.signIn(Reply.grant(access: "AT-SECRET-4", idToken: Self.idToken(#"{"nonce":"x"}"#)), code: "code-SECRET-10", nonce: "NONCE-SECRET")
        #expect(h.events.count > 8)
        for event in h.events {
            let text = ([event.message] + event.fields.keys + event.fields.values).joined(separator: "\n")
            #expect(!text.contains("SECRET"), "\(event.event) logged a secret: \(text)")
        }
    }

    /// What `rejected` replies at once (nil when the reply waits).
    func rejectNow(_ h: AccountHarness, _ token: String, _ replies: Replies<TokenReply> = Replies()) -> TokenReply? {
        let before = replies.values.count
        h.account.rejected(h.account.slots[0], reported: token, replies.callback)
        return replies.values.count > before ? replies.values.last : nil
    }

    @Test func fiftyReportsOfTheCurrentTokenMakeOneGrant() {
        let h = AccountHarness()
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        h.scheduler.advance(by: 61)
        h.endpoint.enqueue(Reply.grant(access: "AT-SECRET-2", refresh: "RT-SECRET-2"))
        let waiting = Replies<TokenReply>()
        for _ in 0..<50 { #expect(rejectNow(h, "AT-SECRET-1", waiting) == nil) }
        #expect(h.endpoint.callCount == 2 && h.endpoint.field("refresh_token", of: 1) == "RT-SECRET-1")
        h.scheduler.completeOffloaded()
        #expect(waiting.values == Array(repeating: .token("AT-SECRET-2"), count: 50))
        // Reported after the new one landed: stale, answered at once without a grant.
        #expect(rejectNow(h, "AT-SECRET-1") == .token("AT-SECRET-2"))
        #expect(h.endpoint.callCount == 2)
        #expect(h.events.filter { $0.event == "token_rejected" }.count == 51)
        #expect(!h.events.contains { $0.message.contains("AT-SECRET") || $0.fields.values.contains { $0.contains("AT-SECRET") } })
    }

    @Test func aStaleReportGetsTheCurrentTokenWithoutAGrant() {
        let h = AccountHarness()
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        #expect(rejectNow(h, "AT-SECRET-0") == .token("AT-SECRET-1"))
        #expect(h.endpoint.callCount == 1)
        #expect(h.events.contains { $0.event == "token_rejected" && $0.fields["REJECTED"] == "stale" })
    }

    @Test func aFreshTokenRefusedIsExplainedFromItsClaims() {
        let h = AccountHarness()
        let payload = Base64.encodeURL(Array(#"{"aud":"https://api.contoso.test","scp":"user_impersonation Files.Read","roles":["Admin"]}"#.utf8))
        let jwt = "eyJhbGciOiJub25lIn0.\(payload).c2ln"
        h.signIn(Reply.grant(access: jwt, refresh: "RT-SECRET-1"))
        h.scheduler.advance(by: 30)
        guard case .error(let message)? = rejectNow(h, jwt) else {
            Issue.record("expected an error")
            return
        }
        #expect(message.contains("minted 30 s ago") && message.contains("refuses fresh tokens"))
        #expect(message.contains("audience https://api.contoso.test and scopes user_impersonation Files.Read Admin"))
        #expect(message.contains("`resource` or `scopes`"))
        #expect(h.endpoint.callCount == 1)
        #expect(h.events.contains { $0.event == "token_rejected" && $0.fields["REJECTED"] == "fresh" })
        #expect(!h.events.contains { $0.message.contains(jwt) })
        // Not a JWT: nothing to show, the rest of the sentence stands.
        #expect(AccessTokenClaims(token: "opaque-token") == nil)
        #expect(AccessTokenClaims(token: "a.bm90IGpzb24.c") == nil)
    }

    @Test func aRefusedTokenIsNeverHandedBack() {
        let h = AccountHarness()
        h.signIn(Reply.grant(access: "AT-SECRET-1", refresh: "RT-SECRET-1"))
        h.scheduler.advance(by: 120)
        h.endpoint.enqueue(Reply.json(503, #"{"error":"temporarily_unavailable"}"#))
        let replies = Replies<TokenReply>()
        #expect(rejectNow(h, "AT-SECRET-1", replies) == nil)
        h.scheduler.completeOffloaded()
        guard case .error(let message)? = replies.values.first else {
            Issue.record("expected an error, got \(replies.values)")
            return
        }
        #expect(message.hasPrefix("work's token was refused and there is no other yet: account work has no valid token"))
        // While the retry timer owns the next attempt, a report is answered at once, without a grant.
        guard case .error? = rejectNow(h, "AT-SECRET-1") else {
            Issue.record("expected an error")
            return
        }
        #expect(h.endpoint.callCount == 2)
    }

    static func adfsGrant(access: String, refresh: String, refreshLifetime: Int) -> Result<HTTPResponseMessage, TransportFailure> {
        Reply.json(
            200,
            #"{"access_token":"\#(access)","token_type":"bearer","expires_in":3600,"refresh_token":"\#(refresh)","refresh_token_expires_in":\#(refreshLifetime)}"#)
    }

    @Test func aRefreshTokenWithAnEndIsAnnouncedOnceAndASignInReplacesIt() throws {
        let h = AccountHarness()
        let start = h.scheduler.now
        h.signIn(Self.adfsGrant(access: "AT-SECRET-1", refresh: "RT-SECRET-1", refreshLifetime: 100))
        guard case .object(let status) = h.account.status(), case .string(let end)? = status["refresh_token_expires_at"] else {
            Issue.record("no refresh_token_expires_at in \(h.account.status())")
            return
        }
        #expect(end.count == 20 && end.hasSuffix("Z") && end.dropFirst(10).hasPrefix("T"), "\(end)")
        h.scheduler.advance(to: start.adding(seconds: 89))
        #expect(!h.events.contains { $0.event == "signin_due" })
        h.scheduler.advance(to: start.adding(seconds: 90))
        let due = h.events.filter { $0.event == "signin_due" }
        #expect(due.count == 1 && due.first?.message == "account work: the refresh token ends in 10 s (\(end)); sign in again before then at \(AccountHarness.signInURL)")
        #expect(due.first?.fields["REFRESH_TOKEN_EXPIRES_AT"] == end)
        #expect(h.needsPerson.filter { $0.hasPrefix("signin_due: ") }.count == 1)
        // Signed in again before the end: no gap, and the old end passes unnoticed.
        h.scheduler.advance(to: start.adding(seconds: 95))
        h.signIn(Self.adfsGrant(access: "AT-SECRET-2", refresh: "RT-SECRET-2", refreshLifetime: 100))
        h.scheduler.advance(to: start.adding(seconds: 150))
        #expect(h.requestNow() == .token("AT-SECRET-2"))
        #expect(h.state == "signed_in")
        #expect(!h.events.contains { $0.event == "signin_needed" })
        #expect(h.events.filter { $0.event == "signin_due" }.count == 1)
        guard case .signedIn(_, let expiry?) = h.account.state.session else {
            Issue.record("no end date after the second sign-in: \(h.account.state.session)")
            return
        }
        #expect(expiry.at == start.adding(seconds: 195))
    }

    @Test func withoutASignInTheAccountNeedsThePersonWhenTheRefreshTokenEnds() {
        let h = AccountHarness()
        let start = h.scheduler.now
        h.signIn(Self.adfsGrant(access: "AT-SECRET-1", refresh: "RT-SECRET-1", refreshLifetime: 100))
        h.scheduler.advance(to: start.adding(seconds: 100))
        #expect(h.events.contains { $0.event == "signin_needed" && $0.fields["REASON"] == "the refresh token expired" })
        #expect(h.needsPerson.last?.hasPrefix("signin_needed: ") == true)
        // The access token lives on; once it expires no grant presents the ended refresh token.
        #expect(h.requestNow() == .token("AT-SECRET-1"))
        h.scheduler.advance(to: start.adding(seconds: 3600))
        #expect(h.requestNow() == Self.needsSignIn)
        #expect(h.endpoint.callCount == 1)
        guard case .object(let status) = h.account.status() else { return }
        #expect(status["refresh_token_expires_at"] == nil)
    }
}

extension ManualScheduler {
    /// Delivers the newest offloaded result first (to reorder completions).
    func completeOffloadedLast() {
        completeOffloaded(at: pendingCompletions - 1)
    }
}
