import Foundation
import RCJSON
import Testing

/// The daemon as systemd runs it: the notify protocol (READY, STATUS, WATCHDOG, RELOADING,
/// STOPPING) seen by a NOTIFY_SOCKET the test listens on, and reloads on SIGHUP.
@Suite(.serialized) struct DaemonLifecycleTests {
    @Test func notifiesReadyStatusWatchdogReloadingAndStoppingInOrder() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let scratch = try TemporaryDirectory()
        let notify = try NotifyListener(directory: scratch.path)
        let daemon = try DaemonProcess(
            accounts: [("work", tls.account())], caPEM: tls.caPEM,
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "200000"])
        defer { daemon.stop() }

        let ready = try notify.waitFor("READY=1")
        #expect(notify.messages[ready].contains("STATUS=0 signed in, 1 needs sign-in: work"), "\(notify.messages[ready])")
        // Half of WATCHDOG_USEC: a ping every 0.1 s, from the loop.
        let firstPing = try notify.waitFor("WATCHDOG=1", after: ready)
        try notify.waitFor("WATCHDOG=1", after: firstPing + 1)

        // A sign-in changes the status line, once.
        try DaemonEndToEndTests.signIn(daemon, tls, account: "work")
        let signedIn = try notify.waitFor("STATUS=1 signed in")
        #expect(notify.messages.filter { $0.hasPrefix("STATUS=") }.count == 1, "\(notify.messages.filter { !$0.hasPrefix("WATCHDOG") })")

        daemon.reload()
        let reloading = try notify.waitFor("RELOADING=1", after: signedIn)
        let reloadingMessage = notify.messages[reloading]
        let monotonic = reloadingMessage.split(separator: "\n").first { $0.hasPrefix("MONOTONIC_USEC=") }
        #expect(monotonic.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) } != nil, "\(reloadingMessage)")
        let readyAgain = try notify.waitFor("READY=1", after: reloading)
        #expect(notify.messages[readyAgain].contains("STATUS=1 signed in"), "\(notify.messages[readyAgain])")
        try daemon.log.waitForLine(containing: "configuration reloaded: 1 kept")

        // The watchdog pings on after the reload.
        try notify.waitFor("WATCHDOG=1", after: readyAgain + 1)

        kill(daemon.process.processIdentifier, SIGTERM)
        let stopping = try notify.waitFor("STOPPING=1", after: readyAgain)
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus == 0)
        #expect(stopping > readyAgain && readyAgain > reloading && reloading > ready)
        #expect(notify.messages.filter { $0.contains("READY=1") }.count == 2, "\(notify.messages.filter { !$0.hasPrefix("WATCHDOG") })")
    }

    @Test func reloadKeepsTokensAddsAndRemovesAccountsAndSurvivesABadConfig() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account()), ("old", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try DaemonEndToEndTests.signIn(daemon, tls, account: "work")
        let token = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(tls.provider.isValid(accessToken: token), "\(token)")
        #expect(FileManager.default.fileExists(atPath: daemon.socketPath("old")))

        // "old" goes, "new" comes, "work" is as it was.
        try daemon.rewriteConfig(accounts: [("work", tls.account()), ("new", tls.account())])
        let lines = daemon.log.lines.count
        daemon.reload()
        try daemon.log.waitForLine(containing: "configuration reloaded: 1 kept, 1 added, 0 changed, 1 removed", after: lines)
        try daemon.log.waitForLine(containing: "account new needs sign-in: open \(daemon.signInURL("new"))", after: lines)
        #expect(try TokenSocket.readLine(daemon.socketPath("work")) == token, "the reload lost work's token")
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath("old")), "old.sock outlived its account")
        let fresh = try TokenSocket.readLine(daemon.socketPath("new"))
        #expect(fresh.hasPrefix("error: account new needs sign-in"), "\(fresh)")
        #expect(tls.provider.stats.codeGrants == 1, "a reload must not need a second sign-in")

        // A config that does not load: the daemon says so and goes on as it was.
        try "{\"accounts\": {".write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let beforeBad = daemon.log.lines.count
        daemon.reload()
        let failure = try daemon.log.waitForLine(containing: "reload failed, still running on the previous configuration", after: beforeBad)
        #expect(failure.contains(daemon.configPath), "\(failure)")
        #expect(daemon.process.isRunning)
        #expect(try TokenSocket.readLine(daemon.socketPath("work")) == token)
        #expect(FileManager.default.fileExists(atPath: daemon.socketPath("new")))

        // A changed account starts over: its tokens were issued under the old settings.
        try daemon.rewriteConfig(accounts: [("work", tls.account(scopes: ["openid", "offline_access", "profile"])), ("new", tls.account())])
        let beforeChange = daemon.log.lines.count
        daemon.reload()
        try daemon.log.waitForLine(containing: "configuration reloaded: 1 kept, 0 added, 1 changed, 0 removed", after: beforeChange)
        let changed = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(changed.hasPrefix("error: account work needs sign-in"), "\(changed)")
        #expect(!daemon.log.text.contains(token), "a token reached the log")
    }
}

extension DaemonLifecycleTests {
    /// `log_level` takes effect at a reload: debug lines appear once it says `debug` and stop
    /// when it is gone again.
    @Test func aReloadAppliesLogLevel() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM, logLevel: nil)
        defer { daemon.stop() }
        try DaemonEndToEndTests.signIn(daemon, tls, account: "work")
        let served = "served work's access token to a local client"
        _ = try TokenSocket.readLine(daemon.socketPath("work"))

        try daemon.rewriteConfig(accounts: [("work", tls.account())], settings: [("log_level", .string("debug"))])
        var mark = daemon.log.lines.count
        daemon.reload()
        try daemon.log.waitForLine(containing: "logging debug and more important messages from now on", after: mark)
        _ = try TokenSocket.readLine(daemon.socketPath("work"))
        try daemon.log.waitForLine(containing: served, after: mark)

        try daemon.rewriteConfig(accounts: [("work", tls.account())])
        mark = daemon.log.lines.count
        daemon.reload()
        try daemon.log.waitForLine(containing: "logging info and more important messages from now on", after: mark)
        try daemon.log.waitForLine(containing: "configuration reloaded", after: mark)
        let before = daemon.log.lines.filter { $0.contains(served) }.count
        _ = try TokenSocket.readLine(daemon.socketPath("work"))
        _ = try TokenSocket.readLine(daemon.socketPath("work"))
        Thread.sleep(forTimeInterval: 0.3)
        #expect(daemon.log.lines.filter { $0.contains(served) }.count == before, "debug lines after log_level went back to info")
    }

    /// `run --log-level` outranks the config at a reload as it did at start, and says so.
    @Test func theCommandLinesLogLevelOutranksAReload() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try DaemonEndToEndTests.signIn(daemon, tls, account: "work")
        try daemon.rewriteConfig(accounts: [("work", tls.account())], settings: [("log_level", .string("error"))])
        let mark = daemon.log.lines.count
        daemon.reload()
        try daemon.log.waitForLine(containing: "run --log-level debug overrides it", after: mark)
        _ = try TokenSocket.readLine(daemon.socketPath("work"))
        try daemon.log.waitForLine(containing: "served work's access token to a local client", after: mark)
    }
}

/// A private temporary directory, removed when the value goes.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/rc-lc-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw HarnessFailure("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
