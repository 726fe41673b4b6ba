import Foundation
import RCTestProvider
import Testing

/// `redirect-catcher rejected NAME`: a script whose API answered `invalid_token` gets a token
/// that is not the refused one, and the provider sees one grant however many report it.
extension DaemonEndToEndTests {
    @Test func fiftyReportsMakeOneGrantAndAStaleOrFreshReportMakesNone() throws {
        var options = TestProviderOptions()
        // Long enough that the scheduled refresh stays out of the way; a tenth of it (3 s)
        // is how young a token may be and still be refused without a new grant.
        options.accessTokenLifetime = 30
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("short", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try Self.signIn(daemon, tls, account: "short")
        let first = try TokenSocket.readLine(daemon.socketPath("short"))

        // Minted a moment ago: the API refuses fresh tokens, and no grant can help.
        let fresh = try daemon.client(["rejected", "short"], input: first + "\n")
        #expect(fresh.status == 1 && fresh.stdout.isEmpty, "\(fresh)")
        #expect(fresh.stderr.contains("error: account short: an API refused a token minted") && fresh.stderr.contains("refuses fresh tokens"), "\(fresh.stderr)")
        #expect(tls.provider.stats.refreshGrants == 0)

        Thread.sleep(forTimeInterval: 3.5)
        // Fifty scripts at once, each with the refused token on stdin.
        let processes = try (0..<50).map { _ in try Self.startRejected(daemon, token: first) }
        let replies = processes.map(Self.finish)
        let second = replies.first?.stdout ?? ""
        #expect(replies.allSatisfy { $0.status == 0 && $0.stdout == second }, "\(Set(replies.map { "\($0.status) \($0.stdout) \($0.stderr)" }))")
        #expect(second != first && tls.provider.isValid(accessToken: second))
        #expect(tls.provider.stats.refreshGrants == 1, "\(tls.provider.stats)")

        // A late report of the old token: the current one at once, no grant.
        let stale = try daemon.client(["rejected", "short"], input: first)
        #expect(stale.status == 0 && stale.stdout == second + "\n", "\(stale)")
        #expect(tls.provider.stats.refreshGrants == 1 && tls.provider.stats.failedGrantTotal == 0)

        let nothing = try daemon.client(["rejected", "short"], input: "")
        #expect(nothing.status == 1 && nothing.stderr.contains("standard input"), "\(nothing)")
        try daemon.log.waitForLine(containing: "account short: an API refused the current token; fetching a new one", timeout: 1)
        #expect(!daemon.log.text.contains(first) && !daemon.log.text.contains(second))
    }

    /// Starts `redirect-catcher rejected short` with `token` on its stdin, without waiting.
    static func startRejected(_ daemon: DaemonProcess, token: String) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: daemon.binary)
        process.arguments = ["rejected", "short"]
        process.environment = daemon.environment
        let (input, output, error) = (Pipe(), Pipe(), Pipe())
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        input.fileHandleForWriting.write(Data((token + "\n").utf8))
        try input.fileHandleForWriting.close()
        return (process, output, error)
    }

    /// Waits for a process from `startRejected` and returns what it printed (stdout without its newline).
    static func finish(_ started: (Process, Pipe, Pipe)) -> CommandRun {
        let (process, output, error) = started
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        var stdout = String(decoding: out, as: UTF8.self)
        if stdout.hasSuffix("\n") { stdout.removeLast() }
        return CommandRun(status: process.terminationStatus, stdout: stdout, stderr: String(decoding: err, as: UTF8.self))
    }
}
