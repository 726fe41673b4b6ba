import Foundation
import RCJSON
import RCSystem
import RCTestProvider
import Testing

/// Sign-ins that outlive the process. The test plays systemd: its `NotifyListener` keeps the
/// descriptors the daemon stores with `FDSTORE=1` and passes them to the next start as
/// `LISTEN_FDS`, `LISTEN_FDNAMES` and `LISTEN_PID` (the daemon is exec'd by a shell that sets
/// `LISTEN_PID` to its own pid, so it is the daemon's). `persist` is run through real
/// commands: `openssl enc` for the round trip, and commands that fail, hang or print garbage.
@Suite(.serialized) struct DaemonRestartTests {
    /// One service, started and stopped as systemd would: the same config, runtime directory
    /// and file descriptor store from one start to the next.
    final class Service {
        let directory: TemporaryDirectory
        let notify: NotifyListener?
        let configPath: String
        let binary: String
        private(set) var process: SpawnedProcess?
        private(set) var port = 0

        var base: String { directory.path }
        var socketDirectory: String { base + "/run/redirect-catcher" }
        var environment: [String: String] { DaemonProcess.childEnvironment(directory: base) }
        var log: LogCapture? { process?.log }
        func socketPath(_ name: String) -> String { socketDirectory + "/\(name).sock" }
        func signInURL(_ name: String) -> String { "http://localhost:\(port)/signin/\(name)" }

        /// `manager`: with a NOTIFY_SOCKET and its store; without, as run by hand.
        init(accounts: [(String, JSONObject)], caPEM: String, settings: [(key: String, value: JSONValue)] = [], manager: Bool = true) throws {
            directory = try TemporaryDirectory()
            binary = try DaemonBinary.path()
            configPath = directory.path + "/config.json"
            try FileManager.default.createDirectory(atPath: directory.path + "/run", withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            try caPEM.write(toFile: directory.path + "/ca.pem", atomically: true, encoding: .utf8)
            notify = manager ? try NotifyListener(directory: directory.path) : nil
            try writeConfig(accounts: accounts, settings: settings)
        }

        func writeConfig(accounts: [(String, JSONObject)], settings: [(key: String, value: JSONValue)] = []) throws {
            try DaemonProcess.writeConfig(configPath, accounts: accounts, caPath: base + "/ca.pem", settings: settings)
        }

        /// Starts the daemon with what the store holds, and waits for READY=1 (or, without a
        /// manager, for the line that says it listens).
        @discardableResult
        func start() throws -> SpawnedProcess {
            var environment = self.environment
            let stored = notify?.stored ?? []
            if let notify { environment["NOTIFY_SOCKET"] = notify.path }
            if !stored.isEmpty {
                environment["LISTEN_FDS"] = String(stored.count)
                environment["LISTEN_FDNAMES"] = stored.map(\.name).joined(separator: ":")
            }
            let before = notify?.messages.count ?? 0
            let process = try SpawnedProcess(
                "/bin/sh", ["-c", "export LISTEN_PID=$$; exec \"$0\" \"$@\"", binary, "run", "--config", configPath, "--log-level", "debug"],
                environment: environment, passing: stored.map(\.fd))
            self.process = process
            // A hanging persist.load holds the start for its 10 s limit, then the daemon starts.
            let line = try process.log.waitForLine(containing: "listening on http://localhost:", timeout: 30)
            port = DaemonProcess.port(in: line) ?? 0
            try notify?.waitFor("READY=1", after: before)
            return process
        }

        /// SIGTERM (`systemctl --user stop` or the first half of a restart), and the exit.
        func stop() throws {
            guard let process else { return }
            kill(process.pid, SIGTERM)
            guard process.exitStatus(within: 15) == 0 else { throw HarnessFailure("the daemon did not exit 0 on SIGTERM:\n\(process.log.text)") }
        }

        /// A crash, or the watchdog's kill.
        func crash() {
            guard let process else { return }
            kill(process.pid, SIGKILL)
            _ = process.exitStatus(within: 10)
        }

        func signIn(_ account: String, _ tls: TLSTestProvider) throws {
            let response = try Browser.get(signInURL(account))
            guard response.status == 302, let location = response.headers["Location"] else {
                throw HarnessFailure("GET /signin/\(account): \(Browser.summary(response))")
            }
            let page = try Browser.deliver(try TestPerson.signIn(authorizeURL: location, approve: true, caPEM: tls.caPEM))
            guard page.status == 200 else { throw HarnessFailure("sign-in of \(account): \(Browser.summary(page))") }
        }

        /// Waits until the store holds a state whose contents are not `previous`.
        @discardableResult
        func waitForStoredState(other previous: String? = nil, timeout: Double = 10) throws -> Int32 {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if let entry = notify?.stored.first(where: { $0.name == "state" }), DaemonRestartTests.contents(entry.fd) != previous { return entry.fd }
                Thread.sleep(forTimeInterval: 0.02)
            }
            throw HarnessFailure("no state in the store after \(timeout) s; messages: \(notify?.messages.filter { !$0.hasPrefix("WATCHDOG") } ?? [])")
        }

        func client(_ arguments: [String]) throws -> CommandRun {
            try CommandRun.run(binary, arguments, environment: environment)
        }

        deinit {
            process?.stop()
        }
    }

    /// The bytes of the memfd `fd` (the test's copy in the store).
    static func contents(_ fd: Int32) -> String {
        var bytes = [UInt8](repeating: 0, count: 1 << 20)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        return String(decoding: bytes.prefix(max(0, n)), as: UTF8.self)
    }

    static func refreshToken(in state: String, account: String) throws -> String {
        let root = try #require(try JSONParser.parse(state).objectValue)
        let accounts = try #require(root["accounts"]?.arrayValue)
        let entry = try #require(accounts.compactMap(\.objectValue).first { $0["name"]?.stringValue == account })
        return try #require(entry["refresh_token"]?.stringValue)
    }

    // MARK: The file descriptor store

    @Test func aRestartKeepsTheSignInWithoutANewCodeExchange() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let service = try Service(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        try service.start()
        try service.signIn("work", tls)
        let token = try TokenSocket.readLine(service.socketPath("work"))
        #expect(tls.provider.isValid(accessToken: token))
        let fd = try service.waitForStoredState()
        // What systemd holds: a sealed memfd with the account's state; its descriptor is all.
        let stored = Self.contents(fd)
        #expect(stored.contains(token) && stored.hasPrefix("{\"format\":\"redirect-catcher state\",\"version\":1,"))
        #expect(SealedMemory.isSealed(FileDescriptor(owning: fcntl(fd, F_DUPFD_CLOEXEC, 0))))
        #expect(service.notify?.stored.count == 1)
        let refreshToken = try Self.refreshToken(in: stored, account: "work")
        // Nothing in the log holds a token.
        let firstLog = service.log?.text ?? ""
        try service.stop()
        #expect(!firstLog.contains(token) && !firstLog.contains(refreshToken))

        let restarted = try service.start()
        // Served at once, from the state: the same token, no code exchange.
        #expect(try TokenSocket.readLine(service.socketPath("work")) == token)
        try restarted.log.waitForLine(containing: "restored 1 account(s) from systemd's file descriptor store: work")
        #expect(!restarted.log.text.contains("needs sign-in"), "\(restarted.log.text)")
        #expect(tls.provider.stats.codeGrants == 1)
        // The restored refresh token is the live one of its family: a refresh works, and
        // the rotated one reaches the store.
        let refreshed = try service.client(["refresh", "work"])
        #expect(refreshed.status == 0, "\(refreshed.stderr)\n\(restarted.log.text)")
        let newToken = try TokenSocket.readLine(service.socketPath("work"))
        #expect(newToken != token && tls.provider.isValid(accessToken: newToken))
        #expect(tls.provider.stats.failedGrantTotal == 0, "\(tls.provider.stats.failedGrants)")
        let rotatedFD = try service.waitForStoredState(other: stored)
        let rotated = Self.contents(rotatedFD)
        #expect(rotated.contains(newToken) && !rotated.contains(refreshToken))
        #expect(service.notify?.stored.count == 1, "the previous state was not removed")
        #expect(!restarted.log.text.contains(newToken) && !restarted.log.text.contains(token))
        try service.stop()
    }

    @Test func aKilledDaemonComesBackSignedIn() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let service = try Service(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        try service.start()
        try service.signIn("work", tls)
        let token = try TokenSocket.readLine(service.socketPath("work"))
        try service.waitForStoredState()
        service.crash()
        let restarted = try service.start()
        #expect(try TokenSocket.readLine(service.socketPath("work")) == token, "\(restarted.log.text)")
        try restarted.log.waitForLine(containing: "restored 1 account(s)")
        let refreshed = try service.client(["refresh", "work"])
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        #expect(tls.provider.stats.codeGrants == 1 && tls.provider.stats.failedGrantTotal == 0)
        try service.stop()
    }

    @Test func anAccountChangedByAReloadNeedsSignInAfterARestartAndTheOthersDoNot() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let accounts = [("work", tls.account()), ("mail", tls.account())]
        let service = try Service(accounts: accounts, caPEM: tls.caPEM)
        let first = try service.start()
        try service.signIn("work", tls)
        try service.signIn("mail", tls)
        let workToken = try TokenSocket.readLine(service.socketPath("work"))
        _ = try TokenSocket.readLine(service.socketPath("mail"))
        try first.log.waitForLine(containing: "account mail signed in")
        // Both in the store.
        let deadline = Date().addingTimeInterval(10)
        var fd = try service.waitForStoredState()
        while !Self.contents(fd).contains("\"mail\"") || !Self.contents(fd).contains("\"work\"") {
            if Date() > deadline { throw HarnessFailure("the store never held both accounts") }
            Thread.sleep(forTimeInterval: 0.05)
            fd = try service.waitForStoredState()
        }
        // A copy now: once the store drops this descriptor, its number may be reused by the next.
        let beforeReload = Self.contents(fd)
        // mail asks for other scopes now: a reload retires it, and the store drops it.
        try service.writeConfig(accounts: [("work", tls.account()), ("mail", tls.account(scopes: ["openid", "offline_access", "mail"]))])
        kill(first.pid, SIGHUP)
        try first.log.waitForLine(containing: "configuration reloaded")
        let afterReload = try service.waitForStoredState(other: beforeReload)
        #expect(!Self.contents(afterReload).contains("\"mail\"") && Self.contents(afterReload).contains("\"work\""))
        try service.stop()

        let restarted = try service.start()
        #expect(try TokenSocket.readLine(service.socketPath("work")) == workToken)
        #expect(try TokenSocket.readLine(service.socketPath("mail")).hasPrefix("error: account mail needs sign-in"))
        try restarted.log.waitForLine(containing: "restored 1 account(s) from systemd's file descriptor store: work; left out: mail (not signed in when the state was saved)")
        try service.stop()

        // The config changes while the daemon is stopped: the fingerprint no longer matches.
        try service.writeConfig(accounts: [("work", tls.account(scopes: ["openid", "offline_access", "other"])), ("mail", tls.account())])
        let third = try service.start()
        #expect(try TokenSocket.readLine(service.socketPath("work")).hasPrefix("error: account work needs sign-in"))
        try third.log.waitForLine(containing: "left out: work (its settings changed since the state was saved)")
        try third.log.waitForLine(containing: "account work needs sign-in")
        #expect(tls.provider.stats.codeGrants == 2)
        try service.stop()
    }

    @Test func aDamagedStoredStateIsNoStateAndTheDaemonStarts() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let service = try Service(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        try service.start()
        try service.signIn("work", tls)
        let token = try TokenSocket.readLine(service.socketPath("work"))
        let fd = try service.waitForStoredState()
        try service.stop()
        // What the store hands back is cut short: a stand-in for any damage.
        let whole = Array(Self.contents(fd).utf8)
        let cut = try SealedMemory.make(Array(whole.prefix(whole.count / 2)), name: "state")
        service.notify?.emptyStore()
        service.notify?.inject(name: "state", fd: cut.release())
        let restarted = try service.start()
        try restarted.log.waitForLine(containing: "the state systemd kept is unusable: it is not valid JSON (cut short or damaged); starting without it")
        #expect(try TokenSocket.readLine(service.socketPath("work")).hasPrefix("error: account work needs sign-in"))
        #expect(!restarted.log.text.contains(token))
        try service.stop()
    }

    @Test func runByHandNothingIsStoredOrRestored() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let service = try Service(accounts: [("work", tls.account())], caPEM: tls.caPEM, manager: false)
        let process = try service.start()
        try service.signIn("work", tls)
        _ = try TokenSocket.readLine(service.socketPath("work"))
        try service.stop()
        #expect(!process.log.text.contains("restored") && !process.log.text.contains("file descriptor store"), "\(process.log.text)")
        let again = try service.start()
        #expect(try TokenSocket.readLine(service.socketPath("work")).hasPrefix("error: account work needs sign-in"))
        #expect(!again.log.text.contains("restored"))
        try service.stop()
    }

    // MARK: persist

    /// `save` and `load` that keep the state in `state.enc`, encrypted with `openssl enc` under
    /// a key file, as the README's age/gpg recipes do with other tools. No state yet: `load`
    /// prints nothing.
    static func opensslPersist(_ directory: String) throws -> JSONValue {
        try Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString().write(
            toFile: directory + "/key", atomically: true, encoding: .utf8)
        let cipher = "openssl enc -aes-256-cbc -pbkdf2 -pass file:\(directory)/key"
        return .object(
            JSONObject([
                ("save", .array(["sh", "-c", "umask 077 && \(cipher) -out \(directory)/state.enc.new && mv \(directory)/state.enc.new \(directory)/state.enc"].map(JSONValue.string))),
                ("load", .array(["sh", "-c", "test ! -e \(directory)/state.enc || \(cipher) -d -in \(directory)/state.enc"].map(JSONValue.string))),
            ]))
    }

    static func persist(save: [String], load: [String]) -> JSONValue {
        .object(JSONObject([("save", .array(save.map(JSONValue.string))), ("load", .array(load.map(JSONValue.string)))]))
    }

    /// Every file under `directory`, read whole.
    static func filesContaining(_ needle: String, under directory: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return [] }
        var found: [String] = []
        for case let path as String in walker {
            let full = directory + "/" + path
            guard let data = FileManager.default.contents(atPath: full) else { continue }
            if String(decoding: data, as: UTF8.self).contains(needle) { found.append(path) }
        }
        return found
    }

    @Test func persistKeepsTheSignInThroughStopAndStartEncrypted() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let keep = try TemporaryDirectory()
        let service = try Service(accounts: [("work", tls.account())], caPEM: tls.caPEM, settings: [("persist", try Self.opensslPersist(keep.path))])
        let first = try service.start()
        try first.log.waitForLine(containing: "persist.load sh printed no state: nothing to restore")
        try service.signIn("work", tls)
        let token = try TokenSocket.readLine(service.socketPath("work"))
        let storedState = Self.contents(try service.waitForStoredState())
        let refreshToken = try Self.refreshToken(in: storedState, account: "work")
        // save runs within its 10 s interval of the change.
        let deadline = Date().addingTimeInterval(15)
        while !FileManager.default.fileExists(atPath: keep.path + "/state.enc") {
            if Date() > deadline { throw HarnessFailure("persist.save never wrote state.enc:\n\(first.log.text)") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        try service.stop()
        // stop then start on systemd 252 empties the store: only persist has the state.
        service.notify?.emptyStore()
        #expect(Self.filesContaining(refreshToken, under: keep.path).isEmpty)
        #expect(Self.filesContaining(refreshToken, under: service.base).isEmpty)
        #expect(Self.filesContaining(token, under: keep.path).isEmpty)
        #expect(Self.filesContaining("refresh_token", under: keep.path).isEmpty)

        let restarted = try service.start()
        try restarted.log.waitForLine(containing: "restored 1 account(s) from persist.load: work")
        #expect(try TokenSocket.readLine(service.socketPath("work")) == token)
        #expect(tls.provider.stats.codeGrants == 1)
        let refreshed = try service.client(["refresh", "work"])
        #expect(refreshed.status == 0, "\(refreshed.stderr)")
        #expect(tls.provider.stats.failedGrantTotal == 0)
        #expect(!restarted.log.text.contains(token) && !restarted.log.text.contains(refreshToken))
        try service.stop()
    }

    @Test func aLoadThatFailsIsLoggedAndTheDaemonStartsSignedOut() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let keep = try TemporaryDirectory()
        let service = try Service(
            accounts: [("work", tls.account())], caPEM: tls.caPEM,
            settings: [
                ("persist", Self.persist(save: ["sh", "-c", "cat > \(keep.path)/saved"], load: ["sh", "-c", "echo 'no keyring here' >&2; echo second line >&2; exit 3"]))
            ],
            manager: false)
        let process = try service.start()
        try process.log.waitForLine(containing: "persist.load sh failed (exit status 3; stderr: no keyring here); every account starts signed out")
        #expect(!process.log.text.contains("second line"))
        #expect(try TokenSocket.readLine(service.socketPath("work")).hasPrefix("error: account work needs sign-in"))
        // What save kept may be good (a keyring still locked): nothing overwrites it with an
        // empty state, neither while running nor at stop.
        Thread.sleep(forTimeInterval: 0.5)
        try service.stop()
        #expect(!FileManager.default.fileExists(atPath: keep.path + "/saved"))
    }

    @Test func aLoadThatPrintsGarbageIsLoggedWithoutQuotingIt() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let service = try Service(
            accounts: [("work", tls.account())], caPEM: tls.caPEM,
            settings: [("persist", Self.persist(save: ["true"], load: ["sh", "-c", "printf 'Salted__secret-looking-bytes'"]))], manager: false)
        let process = try service.start()
        try process.log.waitForLine(containing: "what persist.load sh printed is unusable: it is not valid JSON (cut short or damaged)")
        #expect(!process.log.text.contains("secret-looking"))
        #expect(try TokenSocket.readLine(service.socketPath("work")).hasPrefix("error: account work needs sign-in"))
        try service.stop()
    }

    @Test func aLoadThatHangsIsStoppedAndTheDaemonStarts() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let service = try Service(
            accounts: [("work", tls.account())], caPEM: tls.caPEM,
            settings: [("persist", Self.persist(save: ["true"], load: ["sleep", "60"]))], manager: false)
        let started = Date()
        let process = try service.start()
        try process.log.waitForLine(containing: "persist.load sleep did not finish within 10 s; stopped it")
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(try TokenSocket.readLine(service.socketPath("work")).hasPrefix("error: account work needs sign-in"))
        try service.stop()
    }

    @Test func aSaveThatFailsIsLoggedAndServiceGoesOn() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let keep = try TemporaryDirectory()
        let service = try Service(
            accounts: [("work", tls.account())], caPEM: tls.caPEM,
            settings: [("persist", Self.persist(save: ["sh", "-c", "cat >/dev/null; echo x >> \(keep.path)/attempts; echo 'vault sealed' >&2; exit 4"], load: ["true"]))],
            manager: false)
        let process = try service.start()
        try service.signIn("work", tls)
        let token = try TokenSocket.readLine(service.socketPath("work"))
        #expect(tls.provider.isValid(accessToken: token))
        try process.log.waitForLine(containing: "persist.save sh failed (exit status 4; stderr: vault sealed); the next change tries again")
        // The next change (a refresh) tries again, 10 s after the last attempt; the journal
        // hears of it once a minute at most.
        #expect(try service.client(["refresh", "work"]).status == 0)
        let attempts = { ((try? String(contentsOfFile: keep.path + "/attempts", encoding: .utf8)) ?? "").split(separator: "\n").count }
        let deadline = Date().addingTimeInterval(15)
        while attempts() < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(attempts() == 2)
        #expect(process.log.lines.filter { $0.contains("persist.save sh failed") }.count == 1)
        // With no change since, a failing save is not started again every 10 s.
        Thread.sleep(forTimeInterval: 11)
        #expect(attempts() == 2)
        #expect(try TokenSocket.readLine(service.socketPath("work")).hasPrefix("error") == false)
        #expect(!process.log.text.contains(token))
        try service.stop()
    }
}
