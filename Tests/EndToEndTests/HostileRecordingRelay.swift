import Foundation
import Glibc
import RCSystem
import Synchronization

/// A plain TCP relay between the daemon and a plain-http test provider on loopback that keeps
/// a copy of every byte both ways, so a test learns the secrets that never leave the daemon
/// otherwise (the PKCE verifier, the refresh tokens) and can look for them in what it printed.
final class HostileRecordingRelay: Sendable {
    let port: UInt16
    private let listener: Int32
    private let target: UInt16
    private let recorded = Locked<[UInt8]>([])
    private let stopped = Atomic(false)

    /// Listens on 127.0.0.1 (any port) and forwards each connection to 127.0.0.1:`target`.
    init(forwardingTo target: UInt16) throws {
        self.target = target
        let socket = try Socket.listenTCP(.ipv4, port: 0)
        port = try Socket.localPort(socket)
        try socket.setNonBlocking(false)
        listener = socket.release()
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Everything relayed so far, both directions, as text.
    var text: String { String(decoding: recorded.withLock { $0 }, as: UTF8.self) }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            guard let upstream = try? HostileRawHTTP.connect(port: Int(target), timeout: 30) else {
                close(client)
                continue
            }
            let thread = Thread { [self] in relay(client, upstream) }
            thread.start()
        }
        close(listener)
    }

    /// Copies both ways until either side closes.
    private func relay(_ a: Int32, _ b: Int32) {
        defer {
            close(a)
            close(b)
        }
        var fds = [pollfd(fd: a, events: Int16(POLLIN), revents: 0), pollfd(fd: b, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 16384)
        while !stopped.load(ordering: .relaxed) {
            let ready = poll(&fds, 2, 1000)
            if ready < 0 && errno != EINTR { return }
            for index in 0..<2 where fds[index].revents != 0 {
                let from = fds[index].fd
                let to = fds[1 - index].fd
                let n = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return }
                recorded.withLock { $0 += buffer[0..<n] }
                HostileRawHTTP.send(to, Array(buffer[0..<n]))
            }
        }
    }
}
