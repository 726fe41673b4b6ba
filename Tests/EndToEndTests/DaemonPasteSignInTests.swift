import Foundation
import RCHTTP
import RCTestProvider
import Testing

/// `redirect-catcher signin NAME --paste`, for a machine with no browser: the real command in
/// a terminal of its own (a pipe), the person signing in "on another machine" (the test), and
/// the address that browser ended on pasted into the command.
extension DaemonEndToEndTests {
    /// A running `signin NAME --paste`: its output, and a way to type into it.
    final class PasteSession {
        let process = Process()
        let stdout: LogCapture
        let stderr: LogCapture
        private let input = Pipe()

        init(_ daemon: DaemonProcess, account: String) throws {
            process.executableURL = URL(fileURLWithPath: daemon.binary)
            process.arguments = ["signin", account, "--paste"]
            process.environment = daemon.environment
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            process.standardInput = input
            stdout = LogCapture(reading: out.fileHandleForReading)
            stderr = LogCapture(reading: err.fileHandleForReading)
            do {
                try process.run()
            } catch {
                throw HarnessFailure("cannot start signin --paste: \(error)")
            }
            try? out.fileHandleForWriting.close()
            try? err.fileHandleForWriting.close()
            try? input.fileHandleForReading.close()
        }

        deinit { DaemonProcess.terminate(process) }

        /// The provider URL the command printed for the person to open.
        func authorizeURL(at provider: TestProvider) throws -> String {
            try stdout.waitForLine(containing: provider.authorizeURL + "?").trimmingCharacters(in: .whitespaces)
        }

        func type(_ line: String) { input.fileHandleForWriting.write(Data((line + "\n").utf8)) }

        func endInput() { try? input.fileHandleForWriting.close() }

        /// The exit status, once the command ends (within `timeout` seconds).
        func exitStatus(within timeout: Double = 30) throws -> Int32 {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            guard !process.isRunning else { throw HarnessFailure("signin --paste still runs after \(timeout) s:\n\(stdout.text)\(stderr.text)") }
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    /// Signs in at the provider as the person would on another machine; the address their
    /// browser ends on (which fails to load there: nothing listens on that machine's localhost).
    static func addressAfterSignIn(_ authorizeURL: String, _ tls: TLSTestProvider, approve: Bool = true) throws -> String {
        let outcome = try TestPerson.signIn(authorizeURL: authorizeURL, approve: approve, caPEM: tls.caPEM)
        guard case .redirect(let location) = outcome else { throw HarnessFailure("expected a redirect to the callback, got \(outcome)") }
        return location
    }

    @Test func aPastedAddressSignsInWithTheCodeInTheQueryEvenForAFormPostAccount() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let account = tls.account(extra: [("response_mode", .string("form_post"))])
        let daemon = try DaemonProcess(accounts: [("work", account)], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let session = try PasteSession(daemon, account: "work")
        let authorizeURL = try session.authorizeURL(at: tls.provider)
        let query = try Browser.query(authorizeURL)
        // A form post never shows in the address bar, so this sign-in asks for the query.
        #expect(query["response_mode"] == "query")
        #expect(query["code_challenge_method"] == "S256" && query["state"] != nil)
        try daemon.log.waitForLine(containing: "sign-in started for a pasted redirect")

        let address = try Self.addressAfterSignIn(authorizeURL, tls)
        // The browser hides the scheme: what a person copies from the address bar.
        session.type("  " + address.replacingOccurrences(of: "http://", with: "") + "  ")
        try session.stdout.waitForLine(containing: "ok: signed in to work")
        #expect(try session.exitStatus() == 0, "\(session.stderr.text)")
        let token = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(tls.provider.isValid(accessToken: token), "\(token)")
        #expect(tls.provider.stats.codeGrants == 1)
        // The paste carries a code: neither it nor the address reaches the journal.
        let code = try #require(try Browser.query(address)["code"])
        #expect(!daemon.log.text.contains(code))
    }

    @Test func aWrongPasteUsesNothingUpAndTheRightOneStillSignsIn() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let session = try PasteSession(daemon, account: "work")
        let address = try Self.addressAfterSignIn(try session.authorizeURL(at: tls.provider), tls)

        session.type("\(daemon.baseURL)/callback?code=forged&state=wrong")
        let refusal = try session.stderr.waitForLine(containing: "the paste was not accepted")
        #expect(refusal.contains("unknown or expired state") && refusal.contains("paste it again"), "\(refusal)")
        session.type("https://example.com/callback?code=x&state=y")
        try session.stderr.waitForLine(containing: "it is not the address the sign-in ended on")
        session.type("code=abc state=def")
        try session.stderr.waitForLine(containing: "paste the address as one line")
        #expect(!session.stderr.text.contains("abc"), "a refusal repeated the paste")
        #expect(session.process.isRunning, "the command gave up after a wrong paste")
        #expect(tls.provider.stats.tokenRequests == 0, "a wrong paste reached the provider")

        session.type(address)
        try session.stdout.waitForLine(containing: "ok: signed in to work")
        #expect(try session.exitStatus() == 0)
        #expect(tls.provider.isValid(accessToken: try TokenSocket.readLine(daemon.socketPath("work"))))
    }

    @Test func aReplayedPasteRedeemsNothingAndTheBrowserAndThePasteRaceForOneSignIn() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let session = try PasteSession(daemon, account: "work")
        let address = try Self.addressAfterSignIn(try session.authorizeURL(at: tls.provider), tls)

        // The browser listener keeps working meanwhile: here the redirect reaches it first.
        let page = try Browser.get(address)
        #expect(Browser.text(page).contains("Signed in to work"), "\(Browser.summary(page))")
        session.type(address)
        try session.stderr.waitForLine(containing: "was already handled")
        #expect(try session.exitStatus() == 1)

        // Pasted again by a new command: still nothing redeemed a second time.
        let again = try daemon.client(["signin", "work", "--paste"], input: address + "\n")
        #expect(again.status == 1)
        #expect(again.stderr.contains("was already handled"), "\(again.stderr)")
        #expect(tls.provider.stats.codeGrants == 1)
        #expect(tls.provider.stats.tokenRequests == 1)
    }

    @Test func theProvidersErrorIsShownInPlainWordsAndTheEndOfInputSaysHowToGoOn() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let session = try PasteSession(daemon, account: "work")
        let denied = try Self.addressAfterSignIn(try session.authorizeURL(at: tls.provider), tls, approve: false)
        session.type(denied)
        let line = try session.stderr.waitForLine(containing: "did not succeed")
        #expect(line.contains("access_denied") || line.contains("declined") || line.contains("denied"), "\(line)")
        #expect(try session.exitStatus() == 1)
        #expect(tls.provider.stats.tokenRequests == 0)
        #expect(try TokenSocket.readLine(daemon.socketPath("work")).hasPrefix("error: "))

        // Nothing pasted at all: the command says the sign-in stays open and how to go on.
        let empty = try daemon.client(["signin", "work", "--paste"], input: "")
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("stays open for 10 minutes"), "\(empty.stderr)")
        #expect(empty.stdout.contains(tls.provider.authorizeURL), "\(empty.stdout)")
    }
}
