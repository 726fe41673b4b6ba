import Foundation
import Glibc
import RCSystem
import RCTestProvider
import Testing

/// The promises that hold when things go wrong: no expired token while the provider is down,
/// no client able to stall the others, and a clean stop.
extension DaemonEndToEndTests {
    /// With the token endpoint resetting every connection, the 4 s token runs out: from then on
    /// the socket says what is wrong instead of serving a dead token; once the provider is back,
    /// `redirect-catcher refresh` recovers.
    @Test func whileTheProviderIsDownTheSocketNeverServesAnExpiredToken() throws {
        var options = TestProviderOptions()
        options.accessTokenLifetime = 4
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try Self.signIn(daemon, tls, account: "work")
        tls.provider.injectFaults([.down])

        var errors: [String] = []
        var invalid = 0
        let end = Date().addingTimeInterval(5.5)
        while Date() < end {
            let reply = try TokenSocket.readLine(daemon.socketPath("work"))
            if reply.hasPrefix("error: ") {
                errors.append(reply)
            } else if !tls.provider.isValid(accessToken: reply) {
                invalid += 1
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(invalid == 0, "the socket served \(invalid) expired or unknown token(s)")
        #expect(!errors.isEmpty, "the socket never reported the outage although the token expired")
        if let last = errors.last {
            #expect(last.contains("work"), "\(last)")
        }
        try daemon.log.waitForLine(containing: "keeping the refresh token", timeout: 1)

        tls.provider.clearFaults()
        let refresh = try daemon.client(["refresh", "work"])
        #expect(refresh.status == 0, "\(refresh.stdout)\(refresh.stderr)")
        let token = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(tls.provider.isValid(accessToken: token), "\(token)")
        #expect(tls.provider.stats.failedGrantTotal == 0, "\(tls.provider.stats.failedGrants)")
    }

    /// A client that connects and says nothing, on control.sock and on the redirect port,
    /// does not delay anyone else.
    @Test func silentClientsDoNotDelayOthers() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let silentControl = try Socket.connectUnix(path: daemon.socketPath("control"))
        defer { silentControl.close() }
        let silentBrowser = try Socket.connectTCP(host: "127.0.0.1", port: UInt16(daemon.port), deadline: .deadline(afterSeconds: 2))
        defer { silentBrowser.close() }
        _ = try silentBrowser.write(Array("GET /signin/work HTTP/1.1\r\nHost: local".utf8), from: 0)

        let started = Date()
        try Self.signIn(daemon, tls, account: "work")
        let token = try TokenSocket.readLine(daemon.socketPath("work"), timeout: 2)
        #expect(tls.provider.isValid(accessToken: token))
        let status = try daemon.client(["status"])
        #expect(status.status == 0 && status.stdout.contains("work: signed in"), "\(status.stdout)\(status.stderr)")
        #expect(Date().timeIntervalSince(started) < 3, "took \(Date().timeIntervalSince(started)) s with two silent clients")
    }

    /// SIGTERM (what `systemctl stop` sends) ends the daemon promptly and cleanly, and its
    /// sockets are gone so a stale file does not greet the next start.
    @Test func sigtermStopsTheDaemonAndRemovesItsSockets() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        #expect(FileManager.default.fileExists(atPath: daemon.socketPath("work")))
        kill(daemon.process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(3)
        while daemon.process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(!daemon.process.isRunning, "still running 3 s after SIGTERM")
        guard !daemon.process.isRunning else { return }
        #expect(daemon.process.terminationReason == .exit && daemon.process.terminationStatus == 0, "exit \(daemon.process.terminationStatus)")
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath("work")))
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath("control")))
        try daemon.log.waitForLine(containing: "stopping on signal", timeout: 1)
    }
}
