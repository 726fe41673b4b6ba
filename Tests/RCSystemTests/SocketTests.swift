import Glibc
import RCSystem
import RCTestSupport
import Testing

/// Whether this machine has an IPv6 loopback address to bind.
let hasIPv6Loopback: Bool = {
    guard let fd = try? Socket.listenTCP(.ipv6, port: 0) else { return false }
    fd.close()
    return true
}()

@Suite struct SocketTests {
    @Test(arguments: Socket.Loopback.allCases)
    func listenTCPOnPortZeroGetsAPortThatCannotBeBoundTwice(_ address: Socket.Loopback) throws {
        if address == .ipv6 && !hasIPv6Loopback { return }
        let listener = try Socket.listenTCP(address, port: 0)
        let port = try Socket.localPort(listener)
        #expect(port != 0)
        #expect(fcntl(listener.rawValue, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(listener.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        // No SO_REUSEPORT: a second daemon must fail, not share the port.
        var reusePort: Int32 = 1
        var length = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(listener.rawValue, SOL_SOCKET, SO_REUSEPORT, &reusePort, &length) == 0)
        #expect(reusePort == 0)
        #expect(throws: SystemError("bind", errno: EADDRINUSE)) { try Socket.listenTCP(address, port: port) }
    }

    @Test func ipv6ListenerIsV6OnlyAndLeavesIPv4Alone() throws {
        guard hasIPv6Loopback else { return }
        let v6 = try Socket.listenTCP(.ipv6, port: 0)
        let port = try Socket.localPort(v6)
        var v6only: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(v6.rawValue, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &v6only, &length) == 0)
        #expect(v6only == 1)
        // Nothing answers on 127.0.0.1 at that port: the ::1 socket takes no IPv4.
        #expect(throws: SystemError("connect(127.0.0.1)", errno: ECONNREFUSED)) {
            try Socket.connectTCP(host: "127.0.0.1", port: port, deadline: Instant.deadline(afterSeconds: 5))
        }
        // ...and 127.0.0.1 can take the same port beside it, as the redirect listener does.
        let v4 = try Socket.listenTCP(.ipv4, port: port)
        #expect(try Socket.localPort(v4) == port)
        let client = try Socket.connectTCP(host: "::1", port: port, deadline: Instant.deadline(afterSeconds: 5))
        #expect(client.rawValue >= 0)
        #expect(try v6.waitFor(writing: false, until: Instant.deadline(afterSeconds: 5)))
        #expect(try Socket.accept(v6) != nil)
        #expect(try Socket.accept(v4) == nil)
    }

    @Test func connectTCPToAClosedPortFailsFast() throws {
        let listener = try Socket.listenTCP(.ipv4, port: 0)
        let port = try Socket.localPort(listener)
        listener.close()
        let started = Instant.now(.monotonic)
        #expect(throws: SystemError("connect(127.0.0.1)", errno: ECONNREFUSED)) {
            try Socket.connectTCP(host: "127.0.0.1", port: port, deadline: Instant.deadline(afterSeconds: 10))
        }
        #expect(Instant.now(.monotonic).seconds(since: started) < 1)
    }

    @Test func connectTCPToAListenerThatNeverAcceptsStillConnects() throws {
        let listener = try Socket.listenTCP(.ipv4, port: 0)
        let port = try Socket.localPort(listener)
        let client = try Socket.connectTCP(host: "127.0.0.1", port: port, deadline: Instant.deadline(afterSeconds: 5))
        #expect(fcntl(client.rawValue, F_GETFL) & O_NONBLOCK != 0)
        var noDelay: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(client.rawValue, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, &length) == 0)
        #expect(noDelay != 0)
        // The connection sits in the backlog; bytes written now arrive once it is accepted.
        #expect(try client.write(bytes("early"), from: 0) == .bytes(5))
        let server = try #require(try Socket.accept(listener))
        #expect(try readToEnd(server, seconds: 0.2) == bytes("early"))
    }

    @Test func connectTCPByNameResolvesLocalhost() throws {
        let listener = try Socket.listenTCP(.ipv4, port: 0)
        let port = try Socket.localPort(listener)
        // localhost may resolve to ::1 first; with nothing there the next address is tried.
        let client = try Socket.connectTCP(host: "localhost", port: port, deadline: Instant.deadline(afterSeconds: 5))
        #expect(client.rawValue >= 0)
    }

    @Test func connectTCPToAnUnknownHostIsAnError() {
        #expect(throws: SystemError.self) {
            try Socket.connectTCP(host: "no-such-host.invalid", port: 443, deadline: Instant.deadline(afterSeconds: 5))
        }
    }

    @Test func listenUnixMakesA0600SocketEvenUnderAPermissiveUmask() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/s.sock"
        let listener = try UmaskLock.withPermissiveUmask { try Socket.listenUnix(path: path) }
        var info = stat()
        #expect(lstat(path, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(fcntl(listener.rawValue, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(listener.rawValue, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test func listenUnixRestoresTheUmask() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let after = try UmaskLock.withPermissiveUmask { () throws -> mode_t in
            _ = try Socket.listenUnix(path: directory + "/u.sock")
            return umask(0)
        }
        #expect(after == 0)
    }

    @Test func unixPathsThatDoNotFitAreRefusedNotTruncated() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        #expect(Socket.unixPathCapacity == 108)
        let longest = directory + "/" + String(repeating: "a", count: Socket.unixPathCapacity - 2 - directory.utf8.count)
        #expect(longest.utf8.count == Socket.unixPathCapacity - 1)
        let fits = try UmaskLock.run { try Socket.listenUnix(path: longest) }
        #expect(fits.rawValue >= 0)
        _ = try Socket.connectUnix(path: longest)

        let tooLong = longest + "b"
        var thrown: SystemError?
        do { _ = try UmaskLock.run { try Socket.listenUnix(path: tooLong) } } catch let error as SystemError { thrown = error }
        #expect(thrown?.errno == ENAMETOOLONG)
        #expect(throws: SystemError("sockaddr_un(\(tooLong))", errno: ENAMETOOLONG)) { try Socket.connectUnix(path: tooLong) }
        // Nothing was created under the truncated name.
        var info = stat()
        #expect(lstat(String(tooLong.dropLast()), &info) == 0)  // the one that fits, made above
        #expect(lstat(tooLong, &info) != 0)
        #expect(throws: SystemError.self) { try Socket.connectUnix(path: "") }
        #expect(throws: SystemError.self) { try Socket.connectUnix(path: directory + "/nul\0byte") }
    }

    @Test func connectUnixAcceptAndPeerUID() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/p.sock"
        let listener = try UmaskLock.run { try Socket.listenUnix(path: path) }
        #expect(try Socket.accept(listener) == nil)
        let client = try Socket.connectUnix(path: path)
        #expect(fcntl(client.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        let server = try #require(try Socket.accept(listener))
        #expect(fcntl(server.rawValue, F_GETFL) & O_NONBLOCK != 0)
        #expect(fcntl(server.rawValue, F_GETFD) & FD_CLOEXEC != 0)
        #expect(try Socket.peerUID(server) == getuid())
        #expect(try Socket.peerUID(client) == getuid())
        #expect(try server.write(bytes("hi\n"), from: 0) == .bytes(3))
        server.close()
        #expect(try readToEnd(client) == bytes("hi\n"))
    }

    @Test func connectUnixToNothingFails() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        #expect(throws: SystemError("connect(\(directory)/none.sock)", errno: ENOENT)) {
            try Socket.connectUnix(path: directory + "/none.sock")
        }
    }

    @Test func sendDatagramReachesPathAndAbstractSockets() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/n.sock"
        let receiver = try DatagramReceiver(path: path)
        try Socket.sendDatagram(bytes("READY=1"), toUnixPath: path)
        #expect(receiver.receive() == "READY=1")

        let name = "@rc-unit-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let abstract = try DatagramReceiver(path: name)
        try Socket.sendDatagram(bytes("STATUS=x"), toUnixPath: name)
        #expect(abstract.receive() == "STATUS=x")
    }
}
