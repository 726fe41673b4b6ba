import RCTestProvider
import Testing

/// The log is read by more people and programs than the socket: it never carries the code or
/// a token, even at debug level.
extension DaemonEndToEndTests {
    @Test func theDebugLogHoldsNoCodeAndNoToken() throws {
        var options = TestProviderOptions()
        options.accessTokenLifetime = 3
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM, logLevel: "debug")
        defer { daemon.stop() }
        let signedIn = try Self.signIn(daemon, tls, account: "work")
        #expect(signedIn.page.status == 200)
        let first = try TokenSocket.readLine(daemon.socketPath("work"))
        // A refresh as well, so the refresh path's log lines are covered too.
        try daemon.log.waitForLine(containing: "account work refreshed", timeout: 6)
        let second = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(first != second)
        // The verifier and refresh token never leave the daemon, so only what the test can see
        // is checked: the code (from the redirect) and both access tokens.
        let log = daemon.log.text
        #expect(log.contains("signed in"), "the log shows no sign-in at all:\n\(log)")
        #expect(!log.contains(signedIn.code), "the authorization code is in the log")
        #expect(!log.contains(first), "the first access token is in the log")
        #expect(!log.contains(second), "the refreshed access token is in the log")
    }
}
