import Glibc
import RCHTTP
import RCSystem
import RCTestSupport
import Testing

@testable import RCDaemon

/// The listener's owner check with the lookup stood in for: who made a connection decides
/// whether the router sees its request at all. (The lookup itself is tested against real
/// sockets of two uids in RCSystemTests and end to end.)
@Suite(.serialized) struct HTTPListenerPeerOwnerTests {
    struct Served {
        let reply: String
        let routed: Int
        let events: [LogEvent]
    }

    /// Starts a listener whose peer lookup is `peerOwner`, sends one `GET /` from this process,
    /// and returns what came back, how many requests reached the router, and the log.
    private func serve(peerOwner: @escaping HTTPListener.PeerOwner) throws -> Served {
        let loop = try EventLoop()
        let sink = MemoryLogSink()
        let routed = Locked(0)
        let listener = try HTTPListener(
            loop: loop, port: 0, logger: Logger(minimumLevel: .debug, sink: sink), peerOwner: peerOwner
        ) { _, respond in
            routed.withLock { $0 += 1 }
            respond(HTTPResponse(status: 200, body: Array("routed".utf8)))
        }
        let finished = Locked(false)
        try ThreadSpawn.detached {
            loop.run()
            finished.withLock { $0 = true }
        }
        defer {
            loop.stop()
            while !finished.withLock({ $0 }) { usleep(1000) }
            listener.close()
        }
        let client = try Socket.connectTCP(host: "127.0.0.1", port: listener.port, deadline: Instant.deadline(afterSeconds: 5))
        let request = Array("GET / HTTP/1.1\r\nHost: localhost:\(listener.port)\r\n\r\n".utf8)
        _ = try client.write(request, from: 0)
        let reply = String(decoding: try readToEnd(client), as: UTF8.self)
        return Served(reply: reply, routed: routed.withLock { $0 }, events: sink.events)
    }

    @Test func anotherUsersConnectionGetsA403AndNeverReachesTheRouter() throws {
        let served = try serve { _ throws(SystemError) in getuid() &+ 1 }
        #expect(served.reply.hasPrefix("HTTP/1.1 403 "), "\(served.reply.prefix(200))")
        #expect(served.reply.contains("belongs to another user of this machine"))
        #expect(served.routed == 0)
        let refusal = served.events.first { $0.event == "peer_refused" }
        #expect(refusal?.fields["PEER_UID"] == String(getuid() &+ 1), "\(served.events)")
        #expect(refusal?.level == .warning)
    }

    @Test func aConnectionWhoseOwnerCannotBeFoundIsRefusedTooAndSaysWhy() throws {
        let served = try serve { _ throws(SystemError) in throw SystemError("sock_diag", errno: ENOENT) }
        #expect(served.reply.hasPrefix("HTTP/1.1 403 "), "\(served.reply.prefix(200))")
        #expect(served.reply.contains("could not find out which user"))
        #expect(served.routed == 0)
        let refusal = served.events.first { $0.event == "peer_refused" }
        #expect(refusal?.message.contains("sock_diag") == true, "\(served.events)")
        #expect(refusal?.fields["PEER_UID"] == nil)
    }

    @Test func aNetlinkSocketTheSandboxForbidsIsNamedInTheLog() throws {
        let served = try serve { _ throws(SystemError) in throw SystemError("sock_diag", errno: EAFNOSUPPORT) }
        #expect(served.reply.hasPrefix("HTTP/1.1 403 "))
        #expect(served.events.first { $0.event == "peer_refused" }?.message.contains("RestrictAddressFamilies") == true)
    }

    @Test func theDaemonsOwnUserIsServed() throws {
        let served = try serve { _ throws(SystemError) in getuid() }
        #expect(served.reply.hasPrefix("HTTP/1.1 200 "), "\(served.reply.prefix(200))")
        #expect(served.reply.hasSuffix("routed"))
        #expect(served.routed == 1)
        #expect(!served.events.contains { $0.event == "peer_refused" })
    }
}
