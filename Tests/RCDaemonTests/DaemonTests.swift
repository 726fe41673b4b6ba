import Dispatch
import Glibc
import RCJSON
import RCOAuth
import RCSystem
import RCTestSupport
import Testing

@testable import RCDaemon

/// A whole daemon on its own thread: real event loop, sockets and HTTP listener, with the
/// scripted endpoint as the only fake.
final class RunningDaemon: @unchecked Sendable {
    let base = makeTemporaryDirectory()
    let runtimeDirectory: String
    let environment: [String: String]
    let endpoint = ScriptedEndpoint()
    let sink = MemoryLogSink()
    private(set) var port: UInt16 = 0
    private let stop: @Sendable () -> Void
    private let finished = DispatchSemaphore(value: 0)
    private let failure = SharedValue<String?>(nil)

    init() throws {
        runtimeDirectory = base + "/rt"
        environment = ["RUNTIME_DIRECTORY": runtimeDirectory]
        let settings = AccountSettings(
            name: "work", provider: .generic, authorizeURL: "https://sso.example.com/authorize",
            tokenURL: "https://sso.example.com/token", clientID: "cli", scopes: ["api", "offline_access"],
            redirectURI: "http://localhost:0/callback")
        let daemon = try Daemon(
            config: Config(listenPort: 0, accounts: [settings]), environment: environment,
            logger: Logger(minimumLevel: .debug, sink: sink), endpoint: endpoint)
        stop = daemon.stopper
        let ready = DispatchSemaphore(value: 0)
        let readyPort = SharedValue<UInt16>(0)
        daemon.onReady = { port in
            readyPort.value = port
            ready.signal()
        }
        let handoff = DaemonHandoff(daemon)
        let finished = self.finished
        let failure = self.failure
        // Starting binds Unix sockets, which briefly sets the umask.
        let started = try UmaskLock.run { () throws -> Bool in
            try ThreadSpawn.detached {
                do {
                    try handoff.daemon.run()
                } catch {
                    failure.value = "\(error)"
                    ready.signal()
                }
                finished.signal()
            }
            return ready.wait(timeout: .now() + 10) == .success
        }
        if let message = failure.value { throw DaemonFailure(message: message) }
        guard started else { throw DaemonFailure(message: "not ready in 10 s") }
        port = readyPort.value
    }

    /// Stops the daemon, waits for `run` to return, and (by default) removes its directory.
    func shutDown(removingDirectory: Bool = true) -> Bool {
        stop()
        let stopped = finished.wait(timeout: .now() + 10) == .success
        if removingDirectory { removeTree(base) }
        return stopped
    }

    func control(_ line: String) throws -> String {
        try ControlClient.request(line, environment: environment, timeoutSeconds: 5)
    }

    /// What a bare `nc -U <account>.sock` prints.
    func readSocket(_ name: String) throws -> String {
        let fd = try Socket.connectUnix(path: runtimeDirectory + "/" + name + ".sock")
        return String(decoding: try readToEnd(fd), as: UTF8.self)
    }

    /// One HTTP/1.1 request to the redirect listener; returns status, headers and body.
    func http(_ target: String, method: String = "GET") throws -> (status: Int, headers: [String: String], body: String) {
        let fd = try Socket.connectTCP(host: "127.0.0.1", port: port, deadline: Instant.deadline(afterSeconds: 5))
        try fd.writeAll(
            Array("\(method) \(target) HTTP/1.1\r\nHost: localhost:\(port)\r\nConnection: close\r\n\r\n".utf8),
            deadline: Instant.deadline(afterSeconds: 5))
        let text = String(decoding: try readToEnd(fd), as: UTF8.self)
        let parts = text.split(separator: "\r\n\r\n", maxSplits: 1, omittingEmptySubsequences: false)
        let lines = parts.first?.split(separator: "\r\n") ?? []
        let status = lines.first.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingWhitespaceForTests
            }
        }
        return (status, headers, parts.count > 1 ? String(parts[1]) : "")
    }
}

/// A value written on one thread and read on another.
final class SharedValue<T: Sendable>: Sendable {
    private let storage: Locked<T>
    init(_ value: T) { storage = Locked(value) }
    var value: T {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

private final class DaemonHandoff: @unchecked Sendable {
    let daemon: Daemon
    init(_ daemon: Daemon) { self.daemon = daemon }
}

struct DaemonFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

extension Substring {
    var trimmingWhitespaceForTests: String {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}

@Suite(.serialized) struct DaemonTests {
    @Test func controlSocketAnswersEachRequest() throws {
        let daemon = try RunningDaemon()
        defer { #expect(daemon.shutDown()) }
        let port = daemon.port
        #expect(port != 0)
        let signIn = "http://localhost:\(port)/signin/work"

        let status = try daemon.control("status")
        let json = try JSONParser.parse(Array(status.utf8))
        guard case .object(let top) = json, case .array(let accounts)? = top["accounts"], case .object(let work)? = accounts.first
        else {
            Issue.record("unexpected status \(status)")
            return
        }
        #expect(top["listen"] == .string("http://localhost:\(port)"))
        #expect(top["socket_directory"] == .string(daemon.runtimeDirectory))
        #expect(work["name"] == .string("work"))
        #expect(work["state"] == .string("needs_signin"))
        #expect(work["signin_url"] == .string(signIn))

        #expect(try daemon.control("token work") == "error: account work needs sign-in: open \(signIn)")
        #expect(try daemon.control("signin work") == signIn)
        #expect(try daemon.control("frobnicate") == "error: unknown request \"frobnicate\"; \(Daemon.controlUsage)")
        // A mistyped command never sends the rest of its line back: it may hold a token.
        #expect(try daemon.control("reject work eyJ0eXAi.secret") == "error: unknown request \"reject\"; \(Daemon.controlUsage)")
        #expect(try daemon.control("token") == "error: token needs exactly one account name; \(Daemon.controlUsage)")
        #expect(try daemon.control("") == "error: empty request; \(Daemon.controlUsage)")
        #expect(try daemon.control("token nosuch") == "error: no account named \"nosuch\"; configured: work")
        #expect(
            try daemon.control("token work.a.b")
                == "error: \"work.a.b\" is not NAME or NAME.TOKEN (names are 1 to 64 of A-Z a-z 0-9 _ -); configured: work")
        #expect(try daemon.control("token work.nosuch") == "error: no token named \"nosuch\" in account work; it has none")
        #expect(try daemon.control("refresh work") == "error: account work needs sign-in: open \(signIn)")
        // Every format gives the socket's sentence when there is no token.
        for format in ["header", "json", "xoauth2 user=me@example.com", "oauthbearer host=mail.example.com port=993"] {
            #expect(try daemon.control("token work \(format)") == "error: account work needs sign-in: open \(signIn)", "\(format)")
        }
        #expect(try daemon.control("token work yaml") == "error: unknown token format \"yaml\"; use one of: raw, header, json, xoauth2, oauthbearer")
        #expect(try daemon.control("token work xoauth2") == "error: xoauth2 needs the mailbox address: pass --user ADDRESS, or set \"user\" in accounts.work")
        #expect(try daemon.control("token work oauthbearer port=0") == "error: port must be a number from 1 to 65535")
        #expect(try daemon.control("signin work json") == "error: signin needs exactly one account name; \(Daemon.controlUsage)")
        #expect(try daemon.readSocket("work") == "error: account work needs sign-in: open \(signIn)\n")

        // The sockets are private; the directory too.
        #expect(mode(of: daemon.runtimeDirectory).map { $0 & 0o777 } == 0o700)
        #expect(mode(of: daemon.runtimeDirectory + "/control.sock").map { $0 & 0o777 } == 0o600)
        #expect(mode(of: daemon.runtimeDirectory + "/work.sock").map { $0 & 0o777 } == 0o600)
        #expect(daemon.sink.events.contains {
            $0.event == "signin_needed" && $0.message == "account work needs sign-in: open \(signIn)"
        })
    }

    @Test func aSecondDaemonRefusesToStart() throws {
        let daemon = try RunningDaemon()
        defer { #expect(daemon.shutDown()) }
        let second = try Daemon(
            config: Config(listenPort: 0, accounts: []), environment: daemon.environment,
            logger: Logger(minimumLevel: .debug, sink: MemoryLogSink()), endpoint: daemon.endpoint)
        do {
            try second.start()
            Issue.record("a second daemon started")
        } catch {
            #expect("\(error)".contains("another redirect-catcher is already serving"))
        }
        #expect(try daemon.control("signin work").hasSuffix("/signin/work"))
    }

    @Test func signInThroughTheBrowserThenServeTheToken() throws {
        let daemon = try RunningDaemon()
        defer { #expect(daemon.shutDown()) }
        let start = try daemon.http("/signin/work")
        #expect(start.status == 302)
        let location = start.headers["location"] ?? ""
        #expect(location.hasPrefix("https://sso.example.com/authorize?"))
        let query = location.split(separator: "?", maxSplits: 1).last ?? ""
        let parameters = Dictionary(
            query.split(separator: "&").map { pair -> (String, String) in
                let kv = pair.split(separator: "=", maxSplits: 1)
                return (String(kv[0]), kv.count > 1 ? String(kv[1]) : "")
            }, uniquingKeysWith: { a, _ in a })
        #expect(parameters["redirect_uri"] == "http%3A%2F%2Flocalhost%3A\(daemon.port)%2Fcallback")
        let state = try #require(parameters["state"])

        // A bogus state changes nothing; the real one redeems the code once.
        #expect(try daemon.http("/callback?code=code-SECRET-1&state=bogus").status == 400)
        daemon.endpoint.enqueue(Reply.grant(access: "AT-SECRET-D", refresh: "RT-SECRET-D"))
        // The callback answers with a 303 to its result page: the code leaves the address bar.
        let redirect = try daemon.http("/callback?code=code-SECRET-1&state=\(state)")
        #expect(redirect.status == 303)
        let resultPath = try #require(redirect.headers["location"])
        #expect(resultPath.hasPrefix("/result/") && !resultPath.contains("SECRET"))
        let callback = try daemon.http(resultPath)
        #expect(callback.status == 200)
        #expect(callback.body.contains("Signed in to"))
        #expect(!callback.body.contains("SECRET"))
        #expect(try daemon.http(resultPath).body.contains("Signed in to"), "a reload shows the result again")
        #expect(try daemon.http("/result/unknown").status == 404)
        #expect(daemon.endpoint.callCount == 1)
        #expect(daemon.endpoint.field("code", of: 0) == "code-SECRET-1")
        #expect(daemon.endpoint.field("redirect_uri", of: 0) == "http://localhost:\(daemon.port)/callback")
        let replayRedirect = try daemon.http("/callback?code=code-SECRET-1&state=\(state)")
        let replay = try daemon.http(try #require(replayRedirect.headers["location"]))
        #expect(replay.body.contains("already complete"))
        #expect(daemon.endpoint.callCount == 1)

        #expect(try daemon.readSocket("work") == "AT-SECRET-D\n")
        #expect(try daemon.control("token work") == "AT-SECRET-D")
        // Each token served is a debug event, without the token.
        #expect(daemon.sink.events.filter { $0.event == "token_served" && $0.level == .debug && $0.fields["ACCOUNT"] == "work" }.count == 2)
        #expect(try daemon.control("status").contains(#""state":"signed_in""#))
        #expect(try daemon.control("token work header") == "Authorization: Bearer AT-SECRET-D")
        let formatted = try JSONParser.parse(Array(try daemon.control("token work json").utf8))
        guard case .object(let object) = formatted, case .number(let left)? = object["expires_in"], let seconds = left.int64,
            case .string(let expiresAt)? = object["expires_at"]
        else {
            Issue.record("token work json: \(formatted)")
            return
        }
        #expect(object.keys == ["access_token", "token_type", "expires_at", "expires_in"])
        #expect(object["access_token"] == .string("AT-SECRET-D") && object["token_type"] == .string("Bearer"))
        #expect((3500...3600).contains(seconds), "the scripted grant lives an hour")
        #expect(expiresAt.count == 20 && expiresAt.hasSuffix("Z"))
        daemon.endpoint.enqueue(Reply.grant(access: "AT-SECRET-E"))
        #expect(try daemon.control("refresh work") == "ok: work refreshed")
        #expect(daemon.endpoint.field("refresh_token", of: 1) == "RT-SECRET-D")
        #expect(try daemon.readSocket("work") == "AT-SECRET-E\n")

        for event in daemon.sink.events {
            let text = ([event.message] + event.fields.values).joined(separator: "\n")
            #expect(!text.contains("SECRET"), "\(event.event) logged a secret")
        }
    }

    @Test func stoppingRemovesTheSockets() throws {
        let daemon = try RunningDaemon()
        let directory = daemon.runtimeDirectory
        #expect(mode(of: directory + "/control.sock") != nil)
        #expect(daemon.shutDown(removingDirectory: false))
        #expect(mode(of: directory + "/control.sock") == nil)
        #expect(mode(of: directory + "/work.sock") == nil)
        removeTree(daemon.base)
    }
}
