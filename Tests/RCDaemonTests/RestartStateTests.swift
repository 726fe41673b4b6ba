import RCOAuth
import RCTestSupport
import Testing

@testable import RCDaemon
@testable import RCSystem

/// ``RestartState`` on a real event loop and a stand-in NOTIFY_SOCKET: writes coalesced to one
/// per loop turn, the old state removed before the new is stored, nothing sent for no change;
/// and which accounts a state restores, with the reason for each left out.
@Suite(.serialized) struct RestartStateTests {
    static func account(_ name: String, refreshToken: String = "RT") -> SavedState.Account {
        SavedState.Account(
            name: name, fingerprint: "f", refreshToken: refreshToken, refreshTokenExpiresAt: nil, refreshTokenLifetime: nil, tokens: [])
    }

    @Test func changesInOneLoopTurnAreOneWriteAndTheOldStateGoesFirst() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let receiver = try DatagramReceiver(path: directory + "/notify")
        let loop = try EventLoop()
        var accounts = [Self.account("work")]
        let sink = MemoryLogSink()
        let state = RestartState(
            loop: loop, logger: Logger(minimumLevel: .debug, sink: sink), notify: SystemdNotify(environment: ["NOTIFY_SOCKET": directory + "/notify"]),
            persist: nil, environment: [:], collect: { accounts })
        // Five changes in one turn: one write.
        for _ in 0..<5 { state.changed() }
        // Nothing changed: nothing sent.
        loop.schedule(at: loop.now.adding(seconds: 0.1)) { state.changed() }
        // A rotated refresh token: replaced.
        loop.schedule(at: loop.now.adding(seconds: 0.2)) {
            accounts = [Self.account("work", refreshToken: "RT-2")]
            state.changed()
        }
        // Nothing left to keep: only the removal.
        loop.schedule(at: loop.now.adding(seconds: 0.3)) {
            accounts = []
            state.changed()
        }
        loop.schedule(at: loop.now.adding(seconds: 0.4)) { loop.stop() }
        loop.run()
        var messages: [String] = []
        while let message = receiver.receive(timeoutMilliseconds: 50) { messages.append(message) }
        let remove = "FDSTOREREMOVE=1\nFDNAME=state"
        let store = "FDSTORE=1\nFDNAME=state\nFDPOLL=0"
        #expect(messages == [remove, store, remove, store, remove])
        #expect(!sink.events.contains { $0.message.contains("RT") })
    }

    @Test func withoutAServiceManagerNothingIsSent() throws {
        let loop = try EventLoop()
        var collected = 0
        let state = RestartState(
            loop: loop, logger: Logger(sink: MemoryLogSink()), notify: SystemdNotify(environment: [:]), persist: nil, environment: [:],
            collect: {
                collected += 1
                return [Self.account("work")]
            })
        state.changed()
        loop.schedule(at: loop.now.adding(seconds: 0.1)) { loop.stop() }
        loop.run()
        #expect(collected == 0)
        #expect(state.load(passed: []) == nil)
    }

    @Test func eachAccountLeftOutIsNamedWithWhy() throws {
        let work = AccountHarness()
        let sink = MemoryLogSink()
        let state = RestartState(
            loop: try EventLoop(), logger: Logger(sink: sink), notify: SystemdNotify(environment: [:]), persist: nil, environment: [:],
            collect: { [] })
        let fingerprint = SavedState.fingerprint(work.account.settings)
        let wallNow = RestartState.wallNow()
        let token = SavedState.Token(name: nil, value: "AT-1", expiresAt: wallNow + 600, lifetime: 3600)
        let saved = SavedState(
            savedAt: wallNow,
            accounts: [
                SavedState.Account(
                    name: "work", fingerprint: fingerprint, refreshToken: "RT-1", refreshTokenExpiresAt: nil, refreshTokenLifetime: nil,
                    tokens: [token]),
                Self.account("gone"),
            ])
        let reasons = state.restore(saved, source: .store, into: [work.account])
        #expect(reasons.isEmpty)
        #expect(work.requestNow() == .token("AT-1"))
        let line = try #require(sink.events.first { $0.event == "restored" })
        #expect(line.message == "restored 1 account(s) from systemd's file descriptor store: work; left out: gone (no longer configured)")
        #expect(line.fields["RESTORED"] == "work" && line.fields["LEFT_OUT"] == "gone")

        // The same state for an account whose scopes changed: left out, and it needs a sign-in.
        let changed = AccountHarness(scopes: ["openid", "offline_access", "more"])
        let other = RestartState(
            loop: try EventLoop(), logger: Logger(sink: sink), notify: SystemdNotify(environment: [:]), persist: nil, environment: [:],
            collect: { [] })
        #expect(other.restore(saved, source: .load, into: [changed.account]) == ["work": "its settings changed since the state was saved"])
        #expect(changed.state == "needs_signin")
        #expect(sink.events.last?.message == "restored 0 account(s) from persist.load; left out: work (its settings changed since the state was saved), gone (no longer configured)")
        #expect(!sink.events.contains { $0.message.contains("AT-1") || $0.message.contains("RT-1") })
    }

    @Test func theFirstLineOfAStderrIsCleanAndShort() {
        let line = RestartState.firstLine(Array("\n  \nfirst\u{1b}[31m line\nsecond\n".utf8))
        #expect(line?.hasPrefix("first") == true && line?.hasSuffix("line") == true)
        #expect(line?.contains("\u{1b}") == false && line?.contains("second") == false)
        #expect(RestartState.firstLine([]) == nil)
        #expect(RestartState.firstLine(Array(String(repeating: "x", count: 500).utf8))?.count == 201)
    }
}
