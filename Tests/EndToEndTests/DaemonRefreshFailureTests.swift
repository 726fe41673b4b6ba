import RCTestProvider
import Testing

/// `redirect-catcher refresh NAME` when the provider says no: the command must not report
/// success, and the socket keeps serving the still-valid token (never an expired one).
extension DaemonEndToEndTests {
    /// A 503 is transient: the command fails, the refresh token is kept.
    @Test func aTransientRefreshFailureFailsTheRefreshCommand() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try Self.signIn(daemon, tls, account: "work")
        let token = try TokenSocket.readLine(daemon.socketPath("work"))
        tls.provider.injectFaults([.status(503)])
        let refresh = try daemon.client(["refresh", "work"])
        #expect(refresh.status != 0, "refresh reported success: \(refresh.stdout)")
        #expect(refresh.stderr.contains("error:"), "\(refresh.stderr)")
        #expect(try TokenSocket.readLine(daemon.socketPath("work")) == token)
        try daemon.log.waitForLine(containing: "keeping the refresh token", timeout: 2)
    }

    /// invalid_grant (an expired or revoked refresh token) needs the person: the command must
    /// say so rather than "ok", and the log names the sign-in URL.
    @Test func aRefusedRefreshTokenFailsTheRefreshCommandAndAsksForSignIn() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try Self.signIn(daemon, tls, account: "work")
        let token = try TokenSocket.readLine(daemon.socketPath("work"))
        let announcements = daemon.log.lines.filter { $0.contains("account work needs sign-in") }.count
        tls.provider.injectFaults([.invalidGrant()])
        let refresh = try daemon.client(["refresh", "work"])
        #expect(refresh.status != 0, "`redirect-catcher refresh work` printed \"\(refresh.stdout.trimmingCharacters(in: .newlines))\" and exited 0 although the provider refused the refresh token")
        #expect(!refresh.stdout.contains("refreshed"), "\(refresh.stdout)")
        try daemon.log.waitForLine(containing: "account work needs sign-in: open \(daemon.signInURL("work"))", after: 0, timeout: 2)
        #expect(daemon.log.lines.filter { $0.contains("account work needs sign-in") }.count == announcements + 1)
        // The access token has most of its hour left: it is still served.
        #expect(try TokenSocket.readLine(daemon.socketPath("work")) == token)
    }
}
