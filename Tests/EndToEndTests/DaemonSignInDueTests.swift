import Foundation
import RCJSON
import RCTestProvider
import Testing

/// AD FS's refresh token with an end date (`refresh_token_expires_in`): the person is told
/// ahead of the end, and a sign-in before it replaces the refresh token with no gap.
extension DaemonEndToEndTests {
    @Test func aRefreshTokenEndIsAnnouncedAndASignInReplacesItWithNoGap() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rc-due-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let script = scratch + "/notify.sh"
        let record = scratch + "/notices.txt"
        try "#!/bin/sh\n{ env | grep '^REDIRECT_CATCHER_' | sort; echo --; } >> \"$1\"\n".write(toFile: script, atomically: true, encoding: .utf8)

        var options = TestProviderOptions.adfs()
        // Due a tenth of it (2 s) before the end.
        options.refreshTokenLifetime = 20
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let daemon = try DaemonProcess(
            accounts: [("intranet", Preset.adfs.account(authority: tls.provider.baseURL))], caPEM: tls.caPEM,
            settings: [("notify_command", .array(["/bin/sh", script, record].map(JSONValue.string)))])
        defer { daemon.stop() }
        try Self.signIn(daemon, tls, account: "intranet")
        let signedIn = Date()
        let first = try Self.accountStatus(daemon, "intranet")
        let end = first?.string("refresh_token_expires_at") ?? ""
        #expect(end.count == 20 && end.hasSuffix("Z"), "\(String(describing: first))")
        let human = try daemon.client(["status"])
        #expect(human.stdout.contains("sign in again before \(end)"), "\(human.stdout)")

        let due = try daemon.log.waitForLine(containing: "the refresh token ends in", timeout: 25)
        #expect(due.contains("sign in again before then at \(daemon.signInURL("intranet"))"), "\(due)")
        #expect(Date().timeIntervalSince(signedIn) < 20)
        try Self.signIn(daemon, tls, account: "intranet")

        // Past the first refresh token's end: still signed in, still served, nobody asked again.
        Thread.sleep(forTimeInterval: max(0, 21 - Date().timeIntervalSince(signedIn)))
        let token = try TokenSocket.readLine(daemon.socketPath("intranet"))
        #expect(tls.provider.isValid(accessToken: token), "\(token)")
        let after = try Self.accountStatus(daemon, "intranet")
        #expect(after?.string("state") == "signed_in", "\(String(describing: after))")
        let later = after?.string("refresh_token_expires_at") ?? ""
        #expect(later > end, "\(later) \(end)")
        #expect(!daemon.log.text.contains("the refresh token expired"), "\(daemon.log.text)")
        let notices = try Self.waitForNotices(record, count: 2)
        #expect(notices.filter { $0.contains("REDIRECT_CATCHER_EVENT=signin_due") }.count == 1, "\(notices)")
        #expect(tls.provider.stats.codeGrants == 2 && tls.provider.stats.failedGrantTotal == 0)
    }
}
