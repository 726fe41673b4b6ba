import Foundation
import RCJSON
import RCTestProvider
import Testing

/// Device code sign-in (RFC 8628) end to end: the real daemon against the strict test provider,
/// whose device authorization endpoint hands out interval 1 and short lifetimes so that the
/// tests stay quick, and records how far apart the daemon polls.
@Suite(.serialized) struct DaemonDeviceCodeTests {
    typealias Preset = DaemonEndToEndTests.Preset

    /// "on any device open URI and enter CODE" → CODE.
    static func userCode(in text: String) -> String? {
        guard let range = text.range(of: " and enter ") else { return nil }
        return String(text[range.upperBound...].prefix { $0.isLetter || $0 == "-" })
    }

    /// The person enters the code at the provider and approves (or declines): the test-control
    /// endpoint that stands in for the verification page.
    static func decide(_ tls: TLSTestProvider, _ userCode: String, approve: Bool) throws {
        let response = try TestHTTPClient.postForm(
            url: tls.provider.verificationURI, [("user_code", userCode), ("decision", approve ? "approve" : "deny")], caPEM: tls.caPEM)
        guard response.status == 200 else { throw HarnessFailure("the provider refused the decision on \(userCode): HTTP \(response.status)") }
    }

    static func statusEntry(_ daemon: DaemonProcess, _ name: String) throws -> JSONObject? {
        let status = try daemon.client(["status", "--json"])
        let root = try JSONParser.parse(Array(status.stdout.utf8)).objectValue
        return root?["accounts"]?.arrayValue?.compactMap(\.objectValue).first { $0.string("name") == name }
    }

    static func deviceAccount(_ preset: Preset, _ tls: TLSTestProvider) -> JSONObject {
        var account = preset.account(authority: tls.provider.baseURL)
        account["signin_flow"] = .string("device_code")
        return account
    }

    @Test(arguments: Preset.allCases)
    func aDeviceCodeSignInIsAnnouncedEverywhereAndApprovedAtTheProvider(_ preset: Preset) throws {
        let tls = try TLSTestProvider(preset.options)
        defer { tls.stop() }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rc-device-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let script = scratch + "/notify.sh"
        let record = scratch + "/notices.txt"
        try "#!/bin/sh\n{ env | grep '^REDIRECT_CATCHER_' | sort; echo --; } >> \"$1\"\n".write(toFile: script, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(
            accounts: [("work", Self.deviceAccount(preset, tls))], caPEM: tls.caPEM,
            settings: [("notify_command", .array(["/bin/sh", script, record].map(JSONValue.string)))])
        defer { daemon.stop() }

        // The journal: what to open and what to enter, at start-up, without anyone asking.
        let line = try daemon.log.waitForLine(containing: "account work needs sign-in: on any device open \(tls.provider.verificationURI) and enter ")
        let code = try #require(Self.userCode(in: line), "\(line)")
        #expect(tls.provider.stats.deviceUserCodes == [code])
        // `signin`, the socket, status and the account page all show the same flow's code.
        let signin = try daemon.client(["signin", "work"])
        #expect(signin.stdout.hasPrefix("To sign in to work, on any device open \(tls.provider.verificationURI) and enter \(code)"), "\(signin.stdout)\(signin.stderr)")
        #expect(try TokenSocket.readLine(daemon.socketPath("work")) == "error: account work needs sign-in: on any device open \(tls.provider.verificationURI) and enter \(code)")
        let device = try Self.statusEntry(daemon, "work")?["device_signin"]?.objectValue
        #expect(device?.string("user_code") == code && device?.string("verification_uri") == tls.provider.verificationURI, "\(String(describing: device))")
        let human = try daemon.client(["status"]).stdout
        #expect(human.contains("or on any device open \(tls.provider.verificationURI) and enter \(code)"), "\(human)")
        let page = try Browser.get(daemon.signInURL("work"))
        #expect(page.status == 200 && Browser.text(page).contains(code), "\(Browser.summary(page))")
        #expect(tls.provider.stats.deviceAuthorizations == 1, "one flow, shared by every caller")
        // notify_command's message says the same.
        let notice = try DaemonEndToEndTests.waitForNotices(record, count: 1).first ?? []
        #expect(notice.contains("REDIRECT_CATCHER_EVENT=signin_needed"), "\(notice)")
        #expect(
            notice.contains("REDIRECT_CATCHER_MESSAGE=account work needs sign-in (no token yet): on any device open \(tls.provider.verificationURI) and enter \(code)"),
            "\(notice)")

        try Self.decide(tls, code, approve: true)
        try daemon.log.waitForLine(containing: "account work signed in with a device code")
        let token = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(tls.provider.isValid(accessToken: token), "\(token)\nlog:\n\(daemon.log.text)")
        let stats = tls.provider.stats
        #expect(stats.deviceGrants == 1 && stats.deviceSlowDowns == 0, "\(stats)")
        // Never closer than the interval (1 s); every one but the last answered pending.
        #expect(stats.devicePollIntervals.allSatisfy { $0 >= 0.95 }, "\(stats.devicePollIntervals)")
        #expect(try Self.statusEntry(daemon, "work")?["device_signin"] == nil)
        // The refresh token from the device flow works like any other.
        let refresh = try daemon.client(["refresh", "work"])
        #expect(refresh.status == 0, "\(refresh.stdout)\(refresh.stderr)\nlog:\n\(daemon.log.text)")
        #expect(tls.provider.isValid(accessToken: try TokenSocket.readLine(daemon.socketPath("work"))))
    }

    /// A provider that wants 3 s between polls while advertising 1 s says `slow_down`; the
    /// daemon then polls 5 s further apart, as the provider's record of the intervals shows.
    /// Also: `signin NAME --device` on a browser account, and a generic account's configured endpoint.
    @Test func slowDownIsHonoured() throws {
        var options = TestProviderOptions()
        options.deviceMinimumPollInterval = 3
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let daemon = try DaemonProcess(
            accounts: [("work", tls.account(extra: [("device_authorization_url", .string(tls.provider.deviceAuthorizationURL))]))],
            caPEM: tls.caPEM)
        defer { daemon.stop() }
        try daemon.log.waitForLine(containing: "account work needs sign-in: open \(daemon.signInURL("work"))")
        let signin = try daemon.client(["signin", "work", "--device"])
        let code = try #require(Self.userCode(in: signin.stdout), "\(signin.stdout)\(signin.stderr)")
        try daemon.log.waitForLine(containing: "the provider asked to poll more slowly; now every 6 s", timeout: 5)
        try Self.decide(tls, code, approve: true)
        try daemon.log.waitForLine(containing: "account work signed in with a device code", timeout: 10)
        let stats = tls.provider.stats
        #expect(stats.deviceSlowDowns == 1, "\(stats.devicePollIntervals)")
        #expect(stats.devicePollIntervals.count == 2, "\(stats.devicePollIntervals)")
        #expect(stats.devicePollIntervals.first.map { $0 >= 0.95 && $0 < 3 } == true, "\(stats.devicePollIntervals)")
        #expect(stats.devicePollIntervals.last.map { $0 >= 6 } == true, "\(stats.devicePollIntervals)")
        #expect(tls.provider.isValid(accessToken: try TokenSocket.readLine(daemon.socketPath("work"))))
    }

    /// A generic account that names only its issuer finds the device endpoint in the metadata.
    @Test func theDiscoveredMetadataNamesTheDeviceEndpoint() throws {
        var options = TestProviderOptions()
        options.issuerPath = "/realms/demo"
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        var account = DaemonEndToEndTests.issuerOnly(tls.provider.issuer)
        account["signin_flow"] = .string("device_code")
        let daemon = try DaemonProcess(accounts: [("sso", account)], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let code = try #require(Self.userCode(in: try daemon.log.waitForLine(containing: "account sso needs sign-in: on any device open ")))
        try Self.decide(tls, code, approve: true)
        try daemon.log.waitForLine(containing: "account sso signed in with a device code")
        #expect(tls.provider.isValid(accessToken: try TokenSocket.readLine(daemon.socketPath("sso"))))
    }

    /// Entra v1's shape (`verification_url`, numbers as strings); the person declines.
    @Test func aDeclinedSignInStopsPollingAndSaysHowToStartAgain() throws {
        let tls = try TLSTestProvider(Preset.entraV1.options)
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", Self.deviceAccount(.entraV1, tls))], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let line = try daemon.log.waitForLine(containing: "on any device open \(tls.provider.verificationURI) and enter ")
        let code = try #require(Self.userCode(in: line))
        try Self.decide(tls, code, approve: false)
        try daemon.log.waitForLine(containing: "account work: the device code sign-in was declined; run redirect-catcher signin work to start again")
        let polls = tls.provider.stats.devicePollIntervals.count
        Thread.sleep(forTimeInterval: 1.5)
        #expect(tls.provider.stats.devicePollIntervals.count == polls, "no poll after the end")
        #expect(try Self.statusEntry(daemon, "work")?["device_signin"] == nil)
        // Starting again gets a new code.
        let again = try daemon.client(["signin", "work"])
        let second = try #require(Self.userCode(in: again.stdout), "\(again.stdout)\(again.stderr)")
        #expect(second != code && tls.provider.stats.deviceAuthorizations == 2)
    }

    @Test func anExpiredCodeStopsAtExpiresIn() throws {
        var options = Preset.entra.options
        options.deviceCodeLifetime = 3
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", Self.deviceAccount(.entra, tls))], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try daemon.log.waitForLine(containing: "on any device open ")
        let started = Date()
        try daemon.log.waitForLine(
            containing: "account work: the device code expired before the sign-in was completed; run redirect-catcher signin work to start again",
            timeout: 8)
        // At expires_in (3 s), not at some later poll.
        #expect(Date().timeIntervalSince(started) < 6)
        let polls = tls.provider.stats.devicePollIntervals
        #expect(polls.count <= 3, "\(polls)")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(tls.provider.stats.devicePollIntervals.count == polls.count, "no poll after the end")
        let line = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(
            line == "error: account work needs sign-in: run redirect-catcher signin work for a code to enter on any device, or open \(daemon.signInURL("work"))",
            "\(line)")
    }

    /// Entra's two refusals of the flow itself, each with the way out.
    @Test func conditionalAccessAndPublicClientFlowsAreExplained() throws {
        var options = Preset.entra.options
        options.deviceCodeBlockedByConditionalAccess = true
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", Self.deviceAccount(.entra, tls))], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let code = try #require(Self.userCode(in: try daemon.log.waitForLine(containing: "on any device open ")))
        try Self.decide(tls, code, approve: true)
        let line = try daemon.log.waitForLine(containing: "refused the device code sign-in")
        #expect(line.contains("AADSTS53003") && line.contains("Conditional Access"), "\(line)")
        #expect(line.contains("ssh -L \(daemon.port):localhost:\(daemon.port)") && line.contains("open \(daemon.signInURL("work"))"), "\(line)")
        #expect(line.contains("redirect-catcher signin work --paste"), "\(line)")

        // A confidential registration without public client flows: Entra wants a secret.
        var confidential = Preset.entra.options
        confidential.clients = [TestClient(id: "demo-client", secret: "s3cret")]
        let strict = try TLSTestProvider(confidential)
        defer { strict.stop() }
        let other = try DaemonProcess(accounts: [("work", Self.deviceAccount(.entra, strict))], caPEM: strict.caPEM)
        defer { other.stop() }
        let refused = try other.log.waitForLine(containing: "refused the device code sign-in", timeout: 5)
        #expect(refused.contains("7000218") && refused.contains("Allow public client flows"), "\(refused)")
    }

    /// A browser sign-in that lands while a device flow waits wins; the device flow is dropped,
    /// and approving its code later signs nobody in.
    @Test func aBrowserSignInWinsOverAPendingDeviceFlow() throws {
        let tls = try TLSTestProvider(Preset.entra.options)
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", Preset.entra.account(authority: tls.provider.baseURL))], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let code = try #require(Self.userCode(in: try daemon.client(["signin", "work", "--device"]).stdout))
        try DaemonEndToEndTests.signIn(daemon, tls, account: "work")
        try daemon.log.waitForLine(containing: "account work: signed in through the browser; the device code sign-in is no longer needed")
        let token = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(tls.provider.isValid(accessToken: token))
        // A poll sent just before the sign-in landed may still reach the provider.
        Thread.sleep(forTimeInterval: 0.5)
        let polls = tls.provider.stats.devicePollIntervals.count
        try? Self.decide(tls, code, approve: true)
        Thread.sleep(forTimeInterval: 1.5)
        #expect(tls.provider.stats.devicePollIntervals.count == polls && tls.provider.stats.deviceGrants == 0)
        #expect(try TokenSocket.readLine(daemon.socketPath("work")) == token)
    }
}
