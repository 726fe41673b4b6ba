import Glibc
import RCCrypto
import RCSystem

extension TestProvider {
    /// Connections served at once; more are closed at once, so a flood cannot exhaust threads.
    static let maxConnections = 64

    /// Binds 127.0.0.1:`port` (0 = any) and serves HTTPS when `tls` is given, else plain HTTP.
    /// Returns the bound port. The accept loop runs on its own thread and each connection on a
    /// short-lived one, so a stuck client never delays another.
    @discardableResult
    public func start(port: UInt16 = 0, tls: TLSServerContext? = nil) throws(SystemError) -> UInt16 {
        // A TLS peer that leaves mid-write would otherwise kill the process with SIGPIPE;
        // plain sockets use MSG_NOSIGNAL, OpenSSL's socket BIO cannot.
        signal(SIGPIPE, SIG_IGN)
        let alreadyStarted = server.withLock { state in
            defer { state.started = true }
            return state.started
        }
        guard !alreadyStarted else { throw SystemError("TestProvider.start: already started", errno: EALREADY) }
        let listener: FileDescriptor
        let bound: UInt16
        do {
            listener = try Socket.listenTCP(.ipv4, port: port)
            bound = try Socket.localPort(listener)
        } catch {
            server.withLock { $0.started = false }
            throw error
        }
        server.withLock { state in
            state.port = bound
            state.tls = tls != nil
            state.acceptLoopRunning = true
        }
        // FileDescriptor is not Sendable; the accept thread becomes the listener's only owner.
        let raw = listener.release()
        do {
            try ThreadSpawn.detached { [self] in
                acceptLoop(FileDescriptor(owning: raw), tls: tls)
            }
        } catch {
            _ = Glibc.close(raw)
            server.withLock { $0.acceptLoopRunning = false }
            throw error
        }
        return bound
    }

    /// Closes the listener, so new connections are refused; connections in flight finish or
    /// time out on their own. Returns once the listener is closed.
    public func stop() {
        server.withLock { $0.stopRequested = true }
        let giveUp = Instant.deadline(afterSeconds: 5)
        while server.withLock({ $0.acceptLoopRunning }) && Instant.now(.monotonic) < giveUp {
            ProviderConnection.sleep(seconds: 0.005)
        }
    }

    /// The bound port, 0 before `start`.
    public var port: UInt16 { server.withLock { $0.port } }

    private func acceptLoop(_ listener: FileDescriptor, tls: TLSServerContext?) {
        defer {
            listener.close()
            server.withLock { $0.acceptLoopRunning = false }
        }
        while !server.withLock({ $0.stopRequested }) {
            // A short poll so that stop() is noticed promptly without signalling the thread.
            guard (try? listener.waitFor(writing: false, until: Instant.deadline(afterSeconds: 0.05))) == true else { continue }
            guard let connection = try? Socket.accept(listener) else { continue }
            let admitted = server.withLock { state in
                guard state.connections < Self.maxConnections else { return false }
                state.connections += 1
                return true
            }
            guard admitted else {
                connection.close()
                continue
            }
            let raw = connection.release()
            do {
                try ThreadSpawn.detached { [self] in
                    defer { server.withLock { $0.connections -= 1 } }
                    serveConnection(FileDescriptor(owning: raw), tls: tls)
                }
            } catch {
                _ = Glibc.close(raw)
                server.withLock { $0.connections -= 1 }
            }
        }
    }

    private func serveConnection(_ socket: FileDescriptor, tls: TLSServerContext?) {
        let channel: any ByteChannel
        if let tls {
            let raw = socket.rawValue
            // A failed handshake (a plain-HTTP client, a scanner) just ends the connection;
            // the stream, or its error path, closes the socket.
            guard let stream = try? TLSStream.accept(
                socket: socket, context: tls, deadline: Instant.deadline(afterSeconds: ProviderConnection.ioTimeout))
            else { return }
            channel = TLSChannel(stream, rawSocket: raw)
        } else {
            channel = PlainChannel(socket)
        }
        ProviderConnection.serve(channel) { head, body in respond(to: head, body: body) }
    }
}
