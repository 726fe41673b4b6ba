import Foundation
import RCJSON
import RCSystem
import RCTestProvider
import Testing

/// A bad day at the provider, injected into the strict test provider while the real daemon
/// serves tokens: bursts of 503s, a 429 with Retry-After, a token endpoint that hangs or
/// answers HTML, refresh tokens revoked, and an outage longer than a token lives. Whatever
/// happens, the socket never serves an expired token, the refresh token survives every
/// transient failure, and the person is asked for exactly when they must be.
extension DaemonEndToEndTests {
    /// Two 503s in a row: the old token keeps being served, the retries back off (2 s, then
    /// 4 s), and the third attempt gets a new token with the refresh token it kept.
    @Test func aBurstOf503sIsRiddenOutAndTheRefreshTokenKept() throws {
        let work = try SignedInWork()
        defer { work.stop() }
        let (tls, daemon, old) = (work.tls, work.daemon, work.token)
        tls.provider.injectFaults([.status(503, count: 2)])

        let refresh = try daemon.client(["refresh", "work"])
        #expect(refresh.status != 0, "\(refresh.stdout)")
        let status = try Self.accountStatus(daemon, "work")
        #expect(status?.string("state") == "failing", "\(String(describing: status))")
        #expect(status?.string("last_error")?.contains("HTTP 503") == true, "\(String(describing: status))")

        let served = try Self.readUntil(daemon, tls, timeout: 15) { daemon.log.text.contains("account work refreshed") }
        #expect(served.invalid.isEmpty, "the socket served: \(served.invalid)")
        #expect(served.tokens.first == old, "the still-valid token was not served during the burst")
        let lines = daemon.log.lines
        #expect(lines.contains { $0.contains("(attempt 1)") && $0.contains("keeping the refresh token, retrying in 2 s") }, "\(daemon.log.text)")
        #expect(lines.contains { $0.contains("(attempt 2)") && $0.contains("keeping the refresh token, retrying in 4 s") }, "\(daemon.log.text)")
        let new = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(new != old && tls.provider.isValid(accessToken: new))
        let stats = tls.provider.stats
        #expect(stats.faultsServed == 2)
        #expect(stats.refreshGrants == 1)
        #expect(stats.failedGrantTotal == 0, "\(stats.failedGrants)")
    }

    /// A 429 with `Retry-After: 3` outweighs the 2 s backoff: the provider sees the retry no
    /// sooner than 3 s after the refused request.
    @Test func aTooManyRequestsRetryAfterIsHonoured() throws {
        let work = try SignedInWork()
        defer { work.stop() }
        let (tls, daemon, old) = (work.tls, work.daemon, work.token)
        tls.provider.injectFaults([.tooManyRequests(retryAfter: "3")])

        let watch = TokenRequestWatch(tls.provider)
        defer { watch.stop() }
        let refresh = try daemon.client(["refresh", "work"])
        let answered = Date()
        #expect(refresh.status != 0, "\(refresh.stdout)")
        try daemon.log.waitForLine(containing: "keeping the refresh token, retrying in 3 s", timeout: 2)
        #expect(try TokenSocket.readLine(daemon.socketPath("work")) == old)
        try daemon.log.waitForLine(containing: "account work refreshed", timeout: 10)
        let times = watch.stop(after: 2)
        #expect(times.count == 2, "token requests seen: \(times.count)")
        guard times.count >= 2 else { return }
        // The 429 was served before `refresh` answered, whatever the sampler's lag. Each
        // time may still be a little late on a busy machine: allow 0.2 s of slack (the
        // backoff alone would have retried after 2 s).
        let gap = times[1].timeIntervalSince(min(times[0], answered))
        #expect(gap >= 2.8, "the retry came \(gap) s after the 429")
        #expect(gap < 5, "the retry came \(gap) s after the 429, later than Retry-After asked")
        #expect(tls.provider.isValid(accessToken: try TokenSocket.readLine(daemon.socketPath("work"))))
        #expect(tls.provider.stats.failedGrantTotal == 0)
    }

    /// Faults that get no usable answer within `request_timeout`: a token endpoint that says
    /// nothing, and one that answers with an HTML page.
    enum Unanswered: String, CaseIterable, Sendable {
        case hang, html

        var fault: TokenFault { self == .hang ? .hang(seconds: 6) : .html }
    }

    /// Both are transient: `refresh` fails within about `request_timeout` (2 s here, not the
    /// default 30), the old token is served meanwhile, and the next retry succeeds with the
    /// refresh token that was kept.
    @Test(arguments: Unanswered.allCases)
    func anUnansweredRefreshIsTransient(_ fault: Unanswered) throws {
        let work = try SignedInWork(settings: [("request_timeout", .number(JSONNumber(Int64(2))))])
        defer { work.stop() }
        let (tls, daemon, old) = (work.tls, work.daemon, work.token)
        tls.provider.injectFaults([fault.fault])

        let started = Date()
        let refresh = try daemon.client(["refresh", "work"])
        let took = Date().timeIntervalSince(started)
        #expect(refresh.status != 0, "\(refresh.stdout)")
        #expect(took < 5, "refresh took \(took) s with request_timeout 2")
        if fault == .hang { #expect(took >= 1.9, "a hang of 6 s was cut short after \(took) s, before request_timeout") }
        let failure = try daemon.log.waitForLine(containing: "keeping the refresh token", timeout: 1)
        if fault == .html { #expect(failure.contains("did not answer with a JSON object"), "\(failure)") }
        #expect(try TokenSocket.readLine(daemon.socketPath("work")) == old)

        try daemon.log.waitForLine(containing: "account work refreshed", timeout: 10)
        let new = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(new != old && tls.provider.isValid(accessToken: new))
        #expect(tls.provider.stats.failedGrantTotal == 0, "\(tls.provider.stats.failedGrants)")
        #expect(tls.provider.stats.codeGrants == 1)
    }

    /// How the provider refuses a refresh token for good.
    enum Refusal: String, CaseIterable, Sendable {
        /// A password reset or an administrator: the provider's own answer (AADSTS50173).
        case revoked
        /// Entra's "expired due to inactivity", injected.
        case expired

        var code: String { self == .revoked ? "AADSTS50173" : "AADSTS70008" }

        func apply(to provider: TestProvider) {
            switch self {
            case .revoked: provider.revokeAllRefreshTokens()
            case .expired: provider.injectFaults([.invalidGrant(code: "AADSTS70008")])
            }
        }
    }

    /// A refused refresh token needs the person: the journal says why (the provider's code)
    /// and where to go, `notify_command` runs with the account and the link, and once the
    /// access token runs out the socket says the same instead of serving it.
    @Test(arguments: Refusal.allCases)
    func aRefusedRefreshTokenAsksThePersonAndRunsTheNotifyCommand(_ refusal: Refusal) throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rc-notify-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let script = scratch + "/notify.sh"
        let record = scratch + "/notices.txt"
        try "#!/bin/sh\n{ env | grep '^REDIRECT_CATCHER_' | sort; echo --; } >> \"$1\"\n".write(toFile: script, atomically: true, encoding: .utf8)
        let work = try SignedInWork(lifetime: 4, settings: [("notify_command", .array(["/bin/sh", script, record].map(JSONValue.string)))])
        defer { work.stop() }
        let (tls, daemon, old) = (work.tls, work.daemon, work.token)
        let url = daemon.signInURL("work")
        refusal.apply(to: tls.provider)

        // The refresh due at about 3 s is refused.
        let line = try daemon.log.waitForLine(containing: "refused the refresh token", timeout: 8)
        #expect(line.contains(refusal.code), "\(line)")
        #expect(line.contains(url), "\(line)")
        try daemon.log.waitForLine(containing: "account work needs sign-in: open \(url)", after: 0, timeout: 1)

        let notices = try Self.waitForNotices(record, count: 2)
        let last = notices.last ?? []
        #expect(last.contains("REDIRECT_CATCHER_ACCOUNT=work"), "\(notices)")
        #expect(last.contains("REDIRECT_CATCHER_EVENT=signin_needed"), "\(notices)")
        #expect(last.contains("REDIRECT_CATCHER_SIGNIN_URL=\(url)"), "\(notices)")
        #expect(last.contains { $0.hasPrefix("REDIRECT_CATCHER_MESSAGE=account work needs sign-in") && $0.contains(refusal.code) }, "\(notices)")
        // The first notice was the start-up's "no token yet".
        #expect(notices.first?.contains("REDIRECT_CATCHER_EVENT=signin_needed") == true, "\(notices)")
        #expect(!daemon.log.text.contains("notify_failed"), "\(daemon.log.text)")

        // The access token is served while it lives, and never after.
        let served = try Self.readUntil(daemon, tls, timeout: 6) { false }
        #expect(served.invalid.isEmpty, "the socket served: \(served.invalid)")
        #expect(served.tokens.allSatisfy { $0 == old })
        #expect(served.errors.last?.contains("needs sign-in: open \(url)") == true, "\(served.errors)")
        #expect(tls.provider.stats.refreshGrants == 0)
    }

    /// The provider is down (connections reset) for 8 s, twice the 4 s token lifetime: clients
    /// get `error:` lines once the token expires, never the expired token, and when the
    /// provider is back a retry gets a new token from the refresh token kept all along, with
    /// no new sign-in.
    @Test func anOutageLongerThanATokenLivesEndsWithoutASignIn() throws {
        let work = try SignedInWork(lifetime: 4)
        defer { work.stop() }
        let (tls, daemon, old) = (work.tls, work.daemon, work.token)
        let announcements = daemon.log.lines.filter { $0.contains("needs sign-in") }.count
        tls.provider.injectFaults([.down])
        let outageEnds = Date().addingTimeInterval(8)

        var cleared = false
        let served = try Self.readUntil(daemon, tls, timeout: 25) {
            if !cleared && Date() >= outageEnds {
                tls.provider.clearFaults()
                cleared = true
            }
            return cleared && daemon.log.text.contains("account work refreshed")
        }
        #expect(cleared && daemon.log.text.contains("account work refreshed"), "no refresh after the outage:\n\(daemon.log.text)")
        #expect(served.invalid.isEmpty, "the socket served: \(served.invalid)")
        #expect(served.errors.count >= 5, "only \(served.errors.count) error line(s) while the token was expired")
        #expect(served.errors.allSatisfy { $0.hasPrefix("error: account work has no valid token") }, "\(served.errors)")
        #expect(daemon.log.lines.filter { $0.contains("keeping the refresh token") }.count >= 2)

        let new = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(new != old && tls.provider.isValid(accessToken: new), "\(new)")
        #expect(daemon.log.lines.filter { $0.contains("needs sign-in") }.count == announcements, "the person was asked to sign in")
        let stats = tls.provider.stats
        #expect(stats.codeGrants == 1)
        #expect(stats.refreshGrants >= 1)
        #expect(stats.failedGrantTotal == 0, "\(stats.failedGrants)")
    }

    // MARK: Setting up and watching

    /// A fresh provider whose access tokens live `lifetime` seconds, a daemon with one account
    /// `work` there (and the top-level `settings`), signed in, and the first token it served.
    struct SignedInWork {
        let tls: TLSTestProvider
        let daemon: DaemonProcess
        let token: String

        init(lifetime: Int = 3600, settings: [(key: String, value: JSONValue)] = []) throws {
            var options = TestProviderOptions()
            options.accessTokenLifetime = lifetime
            tls = try TLSTestProvider(options)
            do {
                daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM, settings: settings)
            } catch {
                tls.stop()
                throw error
            }
            do {
                try DaemonEndToEndTests.signIn(daemon, tls, account: "work")
                token = try TokenSocket.readLine(daemon.socketPath("work"))
            } catch {
                daemon.stop()
                tls.stop()
                throw error
            }
        }

        func stop() {
            daemon.stop()
            tls.stop()
        }
    }

    /// What the socket served while a test watched it.
    struct Served {
        /// Distinct valid tokens, in order.
        var tokens: [String] = []
        /// Every `error:` line.
        var errors: [String] = []
        /// Tokens the provider did not accept at the moment they were served.
        var invalid: [String] = []
    }

    /// Reads the account socket every 200 ms, checking each token with the provider at once,
    /// until `done` or `timeout` seconds.
    static func readUntil(_ daemon: DaemonProcess, _ tls: TLSTestProvider, timeout: Double, done: () -> Bool) throws -> Served {
        var served = Served()
        let end = Date().addingTimeInterval(timeout)
        while Date() < end && !done() {
            let reply = try TokenSocket.readLine(daemon.socketPath("work"))
            if reply.hasPrefix("error:") {
                served.errors.append(reply)
            } else if !tls.provider.isValid(accessToken: reply) {
                served.invalid.append("an invalid token after \(served.tokens.count) valid one(s)")
            } else if served.tokens.last != reply {
                served.tokens.append(reply)
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return served
    }

    /// One account's object from `status --json`.
    static func accountStatus(_ daemon: DaemonProcess, _ name: String) throws -> JSONObject? {
        let status = try daemon.client(["status", "--json"])
        let root = try JSONParser.parse(Array(status.stdout.utf8)).objectValue
        return root?["accounts"]?.arrayValue?.compactMap(\.objectValue).first { $0.string("name") == name }
    }

    /// The notices the test's notify script recorded (its `REDIRECT_CATCHER_` lines, one
    /// group per run), once there are `count`; throws with what is there after 10 s.
    static func waitForNotices(_ path: String, count: Int) throws -> [[String]] {
        let deadline = Date().addingTimeInterval(10)
        var notices: [[String]] = []
        while Date() < deadline {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            notices = text.components(separatedBy: "--\n").filter { !$0.isEmpty }.map { $0.split(separator: "\n").map(String.init) }
            if notices.count >= count { return notices }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw HarnessFailure("notify_command ran \(notices.count) time(s), expected \(count): \(notices)")
    }
}

/// When the provider received token requests, sampled every 10 ms on a thread of its own
/// (the provider counts requests but does not time them).
final class TokenRequestWatch: Sendable {
    private let times = Locked<[Date]>([])
    private let running = Locked(true)

    init(_ provider: TestProvider) {
        let start = provider.stats.tokenRequests
        let thread = Thread { [self] in
            var seen = start
            while running.withLock({ $0 }) {
                let count = provider.stats.tokenRequests
                if count > seen {
                    let now = Date()
                    times.withLock { $0 += Array(repeating: now, count: count - seen) }
                    seen = count
                }
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        thread.start()
    }

    /// Stops sampling and returns the times seen, once there are `count` of them (the
    /// sampler may lag on a busy machine) or after 5 s.
    @discardableResult
    func stop(after count: Int = 0) -> [Date] {
        let deadline = Date().addingTimeInterval(5)
        while times.withLock({ $0.count }) < count && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        running.withLock { $0 = false }
        return times.withLock { $0 }
    }
}
