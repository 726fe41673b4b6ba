import Glibc
import RCHTTP
import RCSystem

/// An HTTP CONNECT proxy on 127.0.0.1 (RFC 9110 §9.3.6), standing in for a corporate proxy in
/// tests: it reads the CONNECT, optionally demands `Proxy-Authorization: Basic`, connects to
/// the target (loopback only, so a test can never relay to the outside) and then copies bytes
/// both ways until either side closes. It records every target it was asked for.
public final class ConnectProxy: Sendable {
    /// The user name and password it requires; nil for an open proxy.
    public let credentials: (username: String, password: String)?
    private let state = Locked(State())

    struct State: Sendable {
        var port: UInt16 = 0
        var stopRequested = false
        var acceptLoopRunning = false
        var targets: [String] = []
        var refusals: [String] = []
    }

    /// Idle time after which a tunnel is closed.
    static let idleTimeout = 30.0

    public init(credentials: (username: String, password: String)? = nil) {
        self.credentials = credentials
    }

    /// `http://127.0.0.1:PORT`, or with `user:password@` when credentials are required and
    /// `withCredentials` is set; valid after `start`.
    public func url(withCredentials: Bool = true) -> String {
        let port = state.withLock { $0.port }
        guard withCredentials, let credentials else { return "http://127.0.0.1:\(port)" }
        return "http://\(FormEncoding.percentEncode(credentials.username)):\(FormEncoding.percentEncode(credentials.password))@127.0.0.1:\(port)"
    }

    /// Every `host:port` a client asked to CONNECT to and was let through, in order.
    public var targets: [String] { state.withLock { $0.targets } }
    /// The status line of every refusal ("407 Proxy Authentication Required", ...).
    public var refusals: [String] { state.withLock { $0.refusals } }

    /// Binds 127.0.0.1 on any port and serves on its own threads; returns the port.
    @discardableResult
    public func start() throws(SystemError) -> UInt16 {
        signal(SIGPIPE, SIG_IGN)
        let listener = try Socket.listenTCP(.ipv4, port: 0)
        let port = try Socket.localPort(listener)
        state.withLock {
            $0.port = port
            $0.acceptLoopRunning = true
        }
        let raw = listener.release()
        do {
            try ThreadSpawn.detached { [self] in acceptLoop(FileDescriptor(owning: raw)) }
        } catch {
            _ = Glibc.close(raw)
            state.withLock { $0.acceptLoopRunning = false }
            throw error
        }
        return port
    }

    /// Closes the listener; tunnels in flight end when their peers close or go idle.
    public func stop() {
        state.withLock { $0.stopRequested = true }
        let giveUp = Instant.deadline(afterSeconds: 5)
        while state.withLock({ $0.acceptLoopRunning }) && Instant.now(.monotonic) < giveUp {
            ProviderConnection.sleep(seconds: 0.005)
        }
    }

    private func acceptLoop(_ listener: FileDescriptor) {
        defer {
            listener.close()
            state.withLock { $0.acceptLoopRunning = false }
        }
        while !state.withLock({ $0.stopRequested }) {
            guard (try? listener.waitFor(writing: false, until: Instant.deadline(afterSeconds: 0.05))) == true,
                let connection = try? Socket.accept(listener)
            else { continue }
            let raw = connection.release()
            do {
                try ThreadSpawn.detached { [self] in serve(FileDescriptor(owning: raw)) }
            } catch {
                _ = Glibc.close(raw)
            }
        }
    }

    private func serve(_ client: FileDescriptor) {
        defer { client.close() }
        let deadline = Instant.deadline(afterSeconds: ProviderConnection.ioTimeout)
        guard let head = Self.readHead(client, deadline: deadline) else { return }
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = lines.first.map { $0.split(separator: " ") } ?? []
        guard requestLine.count == 3, requestLine[0] == "CONNECT", requestLine[2] == "HTTP/1.1" else {
            refuse(client, "405 Method Not Allowed", deadline: deadline)
            return
        }
        let target = String(requestLine[1])
        if let credentials {
            let expected = "Basic " + Base64.encode(Array((credentials.username + ":" + credentials.password).utf8))
            let presented = lines.dropFirst().first { $0.lowercased().hasPrefix("proxy-authorization:") }
                .map { $0.dropFirst("proxy-authorization:".count).trimmingSpaces }
            guard presented == expected else {
                refuse(client, "407 Proxy Authentication Required", extra: "Proxy-Authenticate: Basic realm=\"test\"\r\n", deadline: deadline)
                return
            }
        }
        guard let (host, port) = Self.loopbackTarget(target) else {
            refuse(client, "403 Forbidden", deadline: deadline)
            return
        }
        guard let upstream = try? Socket.connectTCP(host: host, port: port, deadline: deadline) else {
            refuse(client, "502 Bad Gateway", deadline: deadline)
            return
        }
        defer { upstream.close() }
        guard (try? client.writeAll(Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8), deadline: deadline)) != nil else { return }
        state.withLock { $0.targets.append(target) }
        Self.relay(client, upstream)
    }

    private func refuse(_ client: FileDescriptor, _ status: String, extra: String = "", deadline: Instant) {
        state.withLock { $0.refusals.append(status) }
        let reply = "HTTP/1.1 \(status)\r\n\(extra)Content-Length: 0\r\nConnection: close\r\n\r\n"
        try? client.writeAll(Array(reply.utf8), deadline: deadline)
    }

    /// The request head up to the blank line, or nil when the client sends none in time. A
    /// CONNECT client waits for the answer, so nothing follows the head yet.
    static func readHead(_ socket: FileDescriptor, deadline: Instant) -> String? {
        var bytes: [UInt8] = []
        while bytes.count < 16384 {
            if let text = String(validating: bytes, as: UTF8.self), let end = text.firstRange(of: "\r\n\r\n") {
                return String(text[..<end.lowerBound])
            }
            switch try? socket.read(appendingTo: &bytes, max: 16384 - bytes.count) {
            case .bytes: continue
            case .wouldBlock:
                guard (try? socket.waitFor(writing: false, until: deadline)) == true else { return nil }
            case .endOfFile, nil: return nil
            }
        }
        return nil
    }

    /// `host:port` with a loopback host (`[::1]` bracketed), or nil.
    static func loopbackTarget(_ target: String) -> (String, UInt16)? {
        guard let colon = target.lastIndex(of: ":"), let port = UInt16(target[target.index(after: colon)...]) else { return nil }
        var host = String(target[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard ["127.0.0.1", "localhost", "::1"].contains(host) else { return nil }
        return (host, port)
    }

    /// Copies bytes both ways; when one side ends, the other's write half is shut, and the
    /// relay ends when both have, or after `idleTimeout` without traffic.
    static func relay(_ a: FileDescriptor, _ b: FileDescriptor) {
        var open = [true, true]
        let sides = [a, b]
        while open.contains(true) {
            var fds = (0..<2).map { pollfd(fd: open[$0] ? sides[$0].rawValue : -1, events: Int16(POLLIN), revents: 0) }
            let ready = retryingEINTR { poll(&fds, 2, Int32(idleTimeout * 1000)) }
            guard ready > 0 else { return }
            for index in 0..<2 where open[index] && fds[index].revents != 0 {
                var bytes: [UInt8] = []
                let result = try? sides[index].read(appendingTo: &bytes, max: 16384)
                switch result {
                case .bytes:
                    do {
                        try sides[1 - index].writeAll(bytes, deadline: Instant.deadline(afterSeconds: idleTimeout))
                    } catch {
                        return
                    }
                case .wouldBlock:
                    continue
                case .endOfFile, nil:
                    open[index] = false
                    _ = shutdown(sides[1 - index].rawValue, Int32(SHUT_WR))
                }
            }
        }
    }
}
