import Glibc
import RCOAuth
import Testing

@testable import RCDaemon
@testable import RCSystem
import RCTestSupport

/// The pieces of the systemd lifecycle that need no running daemon: what a reload does to
/// each account, the watchdog interval, and which passed sockets are taken.
struct LifecycleTests {
    static func settings(_ name: String, scopes: [String] = ["api"], tokens: [ExtraToken] = []) -> AccountSettings {
        AccountSettings(
            name: name, provider: .generic, authorizeURL: "https://sso.example.com/authorize", tokenURL: "https://sso.example.com/token",
            clientID: "cli", scopes: scopes, redirectURI: "http://localhost:8400/callback", tokens: tokens)
    }

    @Test func aReloadKeepsOnlyAccountsWhoseSettingsAreEqual() {
        var secret = Self.settings("secret")
        secret.clientSecret = "s1"
        var newSecret = secret
        newSecret.clientSecret = "s2"
        let old = [Self.settings("kept"), Self.settings("scopes"), Self.settings("extra"), secret, Self.settings("gone")]
        let new = [
            Self.settings("kept"), Self.settings("scopes", scopes: ["api", "more"]),
            Self.settings("extra", tokens: [ExtraToken(name: "graph", scopes: ["g"])]), newSecret, Self.settings("fresh"),
        ]
        let plan = ReloadPlan(old: old, new: new)
        #expect(plan.kept == ["kept"])
        #expect(plan.changed == ["scopes", "extra", "secret"])
        #expect(plan.added == ["fresh"])
        #expect(plan.removed == ["gone"])
        #expect(plan.summary == "1 kept, 1 added, 3 changed, 1 removed")
    }

    /// `user` only names the mailbox in the SASL formats: changing it keeps the tokens.
    @Test func aReloadThatChangesOnlyTheUserKeepsTheAccount() {
        var mail = Self.settings("mail")
        mail.user = "old@example.com"
        var renamed = mail
        renamed.user = "new@example.com"
        #expect(ReloadPlan(old: [mail], new: [renamed]).kept == ["mail"])
        renamed.scopes = ["other"]
        #expect(ReloadPlan(old: [mail], new: [renamed]).changed == ["mail"])
    }

    @Test func theWatchdogPingsAtHalfItsIntervalAndOnlyForItsProcess() {
        #expect(SystemdNotify.pingInterval(environment: ["WATCHDOG_USEC": "30000000"], pid: 42) == 15)
        #expect(SystemdNotify.pingInterval(environment: ["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "42"], pid: 42) == 0.1)
        #expect(SystemdNotify.pingInterval(environment: ["WATCHDOG_USEC": "200000", "WATCHDOG_PID": "43"], pid: 42) == nil)
        #expect(SystemdNotify.pingInterval(environment: ["WATCHDOG_USEC": "0"], pid: 42) == nil)
        #expect(SystemdNotify.pingInterval(environment: [:], pid: 42) == nil)
    }

    @Test func passedSocketsAreTakenOnlyWhenMeantForThisProcess() {
        #expect(PassedDescriptors.count(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "3"], pid: 42) == 3)
        #expect(PassedDescriptors.count(environment: ["LISTEN_PID": "41", "LISTEN_FDS": "3"], pid: 42) == nil)
        #expect(PassedDescriptors.count(environment: ["LISTEN_PID": "42", "LISTEN_FDS": "0"], pid: 42) == nil)
        #expect(PassedDescriptors.count(environment: ["LISTEN_FDS": "2"], pid: 42) == nil)
    }

    @Test func listeningAddressesAreReadFromTheKernel() throws {
        let v4 = try Socket.listenTCP(.ipv4, port: 0)
        let port = try Socket.localPort(v4)
        #expect(try ListeningAddress.of(v4) == .tcp(address: "127.0.0.1", loopback: true, wildcard: false, port: port))
        let wildcard = try Self.listenOnAnyAddress()
        guard case .tcp(let address, false, true, _) = try ListeningAddress.of(wildcard) else {
            Issue.record("0.0.0.0 read as \(try ListeningAddress.of(wildcard))")
            return
        }
        #expect(address == "0.0.0.0")
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let unix = try UmaskLock.run { try Socket.listenUnix(path: directory + "/control.sock") }
        #expect(try ListeningAddress.of(unix) == .unix(path: directory + "/control.sock"))
    }

    @Test func socketActivationRefusesAWildcardRedirectListener() throws {
        let wildcard = try Self.listenOnAnyAddress()
        #expect(throws: RuntimeDirectory.Problem.self) {
            try SocketActivation.sort([PassedDescriptors.Entry(name: "http", fd: wildcard)], logger: Logger(sink: MemoryLogSink()))
        }
        let sink = MemoryLogSink()
        let loopback = try Socket.listenTCP(.ipv4, port: 0)
        let port = try Socket.localPort(loopback)
        let sorted = try SocketActivation.sort(
            [
                PassedDescriptors.Entry(name: "http", fd: loopback), PassedDescriptors.Entry(name: "stray", fd: try Socket.listenTCP(.ipv4, port: 0)),
                // Not a socket at all (a newer version's entry in the file descriptor store).
                PassedDescriptors.Entry(name: "future", fd: try SealedMemory.make([1, 2, 3], name: "future")),
            ],
            logger: Logger(sink: sink))
        #expect(sorted.httpPort == port && sorted.http.count == 1 && sorted.control == nil)
        #expect(sink.events.map(\.event) == ["socket_ignored", "socket_ignored"])
    }

    static func listenOnAnyAddress() throws -> FileDescriptor {
        let fd = FileDescriptor(owning: socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd.rawValue, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd.rawValue, 1) == 0 else { throw SystemError.last("bind(0.0.0.0)") }
        return fd
    }
}
