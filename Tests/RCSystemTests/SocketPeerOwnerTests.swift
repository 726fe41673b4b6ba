import Foundation
import Glibc
import RCSystem
import Testing

/// `Socket.tcpPeerUID` against real loopback connections: the kernel's answer for a client of
/// this uid, of another uid (a child started under `setpriv`), and for connections that have
/// no live owner any more.
@Suite struct SocketPeerOwnerTests {
    /// Waits up to `seconds` for a connection on `listener` and accepts it.
    private func acceptWaiting(_ listener: FileDescriptor, seconds: Double = 5) throws -> FileDescriptor {
        let deadline = Instant.deadline(afterSeconds: seconds)
        while true {
            if let fd = try Socket.accept(listener) { return fd }
            guard try listener.waitFor(writing: false, until: deadline) else {
                throw SystemError("accept", errno: ETIMEDOUT)
            }
        }
    }

    @Test(arguments: Socket.Loopback.allCases)
    func aClientOfThisUIDIsThisUID(_ address: Socket.Loopback) throws {
        if address == .ipv6 && !hasIPv6Loopback { return }
        let listener = try Socket.listenTCP(address, port: 0)
        let port = try Socket.localPort(listener)
        let client = try Socket.connectTCP(host: address.text, port: port, deadline: Instant.deadline(afterSeconds: 5))
        let accepted = try acceptWaiting(listener)
        #expect(try Socket.tcpPeerUID(accepted) == getuid())
        // The lookup names the peer's socket, not ours: the client side asked about its own
        // peer (the accepted socket, also ours) gives the same uid by the other four-tuple.
        #expect(try Socket.tcpPeerUID(client) == getuid())
    }

    @Test func aClientOfAnotherUIDIsThatUID() throws {
        // Needs root to start a process as another uid; CI runs as root.
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return }
        let listener = try Socket.listenTCP(.ipv4, port: 0)
        let port = try Socket.localPort(listener)
        let other = Process()
        other.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        other.arguments = [
            "--reuid", "65534", "--regid", "65534", "--clear-groups",
            "/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\(port); exec sleep 10",
        ]
        try other.run()
        defer {
            other.terminate()
            other.waitUntilExit()
        }
        let accepted = try acceptWaiting(listener)
        #expect(try Socket.tcpPeerUID(accepted) == 65534)
    }

    @Test func aClientThatAlreadyClosedItsEndHasNoOwner() throws {
        let listener = try Socket.listenTCP(.ipv4, port: 0)
        let port = try Socket.localPort(listener)
        let client = try Socket.connectTCP(host: "127.0.0.1", port: port, deadline: Instant.deadline(afterSeconds: 5))
        let accepted = try acceptWaiting(listener)
        client.close()
        // The kernel still has the client's socket (FIN_WAIT), but no process holds it: a
        // request sent before such a close must not be credited to anyone.
        #expect(throws: SystemError("sock_diag", errno: ENOENT)) { try Socket.tcpPeerUID(accepted) }
    }

    @Test func aUnixSocketIsNotAskedAbout() throws {
        var ends: [Int32] = [-1, -1]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
        let one = FileDescriptor(owning: ends[0])
        let two = FileDescriptor(owning: ends[1])
        defer {
            one.close()
            two.close()
        }
        #expect(throws: SystemError("sock_diag", errno: EAFNOSUPPORT)) { try Socket.tcpPeerUID(one) }
    }
}
