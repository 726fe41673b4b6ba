import Foundation
import Glibc
import RCSystem
import RCTestProvider
import Synchronization
import Testing

/// Floods on the redirect port: slow and silent connections by the thousand, and forged
/// callbacks by the thousand. The real sign-in and the socket keep working, the log stays
/// short, and every descriptor comes back.
extension DaemonEndToEndTests {
    /// Waits up to `timeout` for `condition`; true if it held.
    static func eventually(_ timeout: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }

    /// The person's browser is halfway through a sign-in: the provider has sent it back with
    /// a code, and `location` is the redirect it is about to follow.
    static func pendingCallback(_ daemon: DaemonProcess, _ tls: TLSTestProvider) throws -> String {
        let outcome = try TestPerson.signIn(
            authorizeURL: try Browser.startSignIn(daemon, account: "work"), approve: true, caPEM: tls.caPEM)
        guard case .redirect(let location) = outcome else { throw HarnessFailure("expected a redirect to the daemon, got \(outcome)") }
        return location
    }

    @Test func twoThousandSlowConnectionsDoNotDelayTheRealCallbackOrTheSocket() throws {
        // The test holds 2,000 descriptors of its own.
        ProcessEnvironment.raiseDescriptorLimit()
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let pid = daemon.process.processIdentifier
        let location = try Self.pendingCallback(daemon, tls)
        let baseline = HostileRawHTTP.openDescriptors(of: pid)

        // Half say nothing; half start a request and then send one byte a second (slowloris).
        var sockets: [Int32] = []
        defer { for fd in sockets { close(fd) } }
        for index in 0..<2000 {
            let fd = try HostileRawHTTP.connect(port: daemon.port, timeout: 0.01)
            if index % 2 == 1 { HostileRawHTTP.send(fd, Array("GET /callback?code=".utf8)) }
            sockets.append(fd)
        }
        let trickling = sockets.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        let stop = Atomic(false)
        let trickle = Thread {
            while !stop.load(ordering: .relaxed) {
                for fd in trickling { _ = withUnsafeBytes(of: UInt8(ascii: "a")) { send(fd, $0.baseAddress, 1, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) } }
                Thread.sleep(forTimeInterval: 1)
            }
        }
        trickle.start()
        defer { stop.store(true, ordering: .relaxed) }
        Thread.sleep(forTimeInterval: 1.5)
        let peak = HostileRawHTTP.openDescriptors(of: pid)

        var started = Date()
        let page = try Browser.get(location)
        let callbackSeconds = Date().timeIntervalSince(started)
        #expect(Browser.text(page).contains("Signed in to work"), "\(Browser.summary(page))")
        #expect(callbackSeconds < 1, "the callback took \(callbackSeconds) s behind 2,000 slow connections")
        started = Date()
        let token = try TokenSocket.readLine(daemon.socketPath("work"), timeout: 2)
        let socketSeconds = Date().timeIntervalSince(started)
        #expect(tls.provider.isValid(accessToken: token), "\(token)")
        #expect(socketSeconds < 1, "the socket took \(socketSeconds) s behind 2,000 slow connections")

        // The cap held: the daemon never had all 2,000 open, and those it evicted were closed without a word.
        #expect(peak - baseline <= 1024 + 8, "the daemon held \(peak - baseline) extra descriptors")
        var silentlyClosed = 0
        var buffer = [UInt8](repeating: 0, count: 16)
        for fd in sockets {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n == 0 || (n < 0 && errno == ECONNRESET) { silentlyClosed += 1 }
        }
        #expect(silentlyClosed >= 2000 - 1024, "only \(silentlyClosed) of the 2,000 were evicted")

        stop.store(true, ordering: .relaxed)
        for fd in sockets { close(fd) }
        sockets.removeAll()
        let settled = Self.eventually(5) { HostileRawHTTP.openDescriptors(of: pid) <= baseline }
        #expect(settled, "descriptors: \(baseline) before, \(peak) at the peak, \(HostileRawHTTP.openDescriptors(of: pid)) after")
        #expect(tls.provider.stats.codeGrants == 1)
    }

    @Test func aFloodOfForgedCallbacksIsLoggedBrieflyAndCancelsNothing() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let location = try Self.pendingCallback(daemon, tls)
        let code = try #require(try Browser.query(location)["code"])
        let linesBefore = daemon.log.lines.count

        let started = Date()
        let forged = 1000
        for index in 0..<forged {
            let answer = try HostileRawHTTP.exchange(
                port: daemon.port,
                Array("GET /callback?code=\(code)&state=forged\(index) HTTP/1.1\r\nHost: localhost:\(daemon.port)\r\n\r\n".utf8),
                what: "forged callback \(index)")
            if answer.status != 400 {
                Issue.record("forged callback \(index): \(answer)")
                break
            }
        }
        let seconds = Date().timeIntervalSince(started)
        // The summary of the last interval arrives when it ends.
        let summarized = Self.eventually(2) { daemon.log.lines.contains { $0.contains("were not logged") } }
        let flood = daemon.log.lines.dropFirst(linesBefore).filter { $0.contains("rejected a sign-in response") || $0.contains("were not logged") }
        #expect(summarized, "no summary of the suppressed lines: \(flood)")
        #expect(Double(flood.count) <= seconds + 3, "\(flood.count) lines for \(forged) forged callbacks in \(seconds) s")

        let page = try Browser.get(location)
        #expect(Browser.text(page).contains("Signed in to work"), "the flood cancelled the real sign-in: \(Browser.summary(page))")
        #expect(tls.provider.stats.tokenRequests == 1)
    }
}
