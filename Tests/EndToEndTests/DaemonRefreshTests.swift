import Foundation
import RCTestProvider
import Testing

/// Refreshing against the real provider: short-lived tokens replaced before they expire, the
/// refresh token rotated, and never an expired token on the socket.
extension DaemonEndToEndTests {
    @Test func shortLivedTokensAreRefreshedAndTheSocketNeverServesAnInvalidOne() throws {
        var options = TestProviderOptions()
        options.accessTokenLifetime = 4
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("short", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let signedIn = try Self.signIn(daemon, tls, account: "short")
        #expect(signedIn.page.status == 200, "\(Browser.summary(signedIn.page))")
        let first = try TokenSocket.readLine(daemon.socketPath("short"))
        #expect(tls.provider.isValid(accessToken: first))

        // Poll as a busy script would, every 200 ms for 8 s (two lifetimes).
        var served: [String] = []
        var invalid: [String] = []
        let end = Date().addingTimeInterval(8)
        while Date() < end {
            let token = try TokenSocket.readLine(daemon.socketPath("short"))
            if token.hasPrefix("error") || !tls.provider.isValid(accessToken: token) {
                invalid.append(token.hasPrefix("error") ? token : "an invalid token (#\(served.count))")
            }
            if served.last != token { served.append(token) }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(invalid.isEmpty, "the socket served: \(invalid)")
        #expect(served.count >= 2, "the token never changed in 8 s of a 4 s lifetime")
        #expect(served.first == first)
        try daemon.log.waitForLine(containing: "account short refreshed", timeout: 1)
        let stats = tls.provider.stats
        #expect(stats.codeGrants == 1)
        #expect(stats.refreshGrants >= 1)
        // Reusing a rotated refresh token would show as invalid_grant here.
        #expect(stats.failedGrantTotal == 0, "refused grants: \(stats.failedGrants)")
        let latest = try TokenSocket.readLine(daemon.socketPath("short"))
        #expect(latest != first && tls.provider.isValid(accessToken: latest))
    }

    @Test func theFirstRefreshComesWithinSixSecondsOfAFourSecondToken() throws {
        var options = TestProviderOptions()
        options.accessTokenLifetime = 4
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("short", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try Self.signIn(daemon, tls, account: "short")
        let first = try TokenSocket.readLine(daemon.socketPath("short"))
        try daemon.log.waitForLine(containing: "account short refreshed", timeout: 6)
        let second = try TokenSocket.readLine(daemon.socketPath("short"))
        #expect(second != first)
        #expect(tls.provider.isValid(accessToken: second))
    }
}
