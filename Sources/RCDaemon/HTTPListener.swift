import Glibc
import RCHTTP
import RCSystem

/// A request that reached the router: its head, and the body for a `form_post`.
struct BrowserRequest {
    let method: String
    let target: RequestTarget
    let headers: HTTPHeaders
    let body: [UInt8]
}

/// The minimal HTTP/1.1 server on 127.0.0.1 and ::1 that the browser talks to.
///
/// One request per connection (every response says `Connection: close`), bounded at each
/// step: a deadline for the request head, a cap on its size and on a form body, and a cap
/// on open connections that evicts the oldest one still dawdling over its head, so that
/// slow or silent clients cannot keep the real callback out. The router may answer later
/// (after the code exchange); the connection waits without blocking anything else.
final class HTTPListener {
    /// Limits, named after what they stop.
    struct Limits {
        var headDeadlineSeconds: Double = 10
        var writeDeadlineSeconds: Double = 10
        var lingerSeconds: Double = 2
        var maximumBody = 64 * 1024
        var maximumConnections = 1024
    }

    /// Answers one request; call it once.
    typealias Respond = (HTTPResponse) -> Void

    private final class Connection {
        enum Phase {
            case head
            case body(BrowserRequestHead)
            case handling
            case writing([UInt8], offset: Int)
            case lingering
        }

        let fd: FileDescriptor
        let serial: UInt64
        var buffer: [UInt8] = []
        var phase = Phase.head
        var timer: EventLoop.TimerID?
        var isHEAD = false

        init(fd: FileDescriptor, serial: UInt64) {
            self.fd = fd
            self.serial = serial
        }
    }

    private struct BrowserRequestHead {
        let head: HTTPRequestHead
        let target: RequestTarget
        let headLength: Int
        let bodyLength: Int
    }

    /// Finds the uid that owns the client end of an accepted connection.
    typealias PeerOwner = (FileDescriptor) throws(SystemError) -> uid_t

    let port: UInt16
    /// The only uid served: the daemon's own. Every other user of the machine could otherwise
    /// start a sign-in here and deliver the callback of one they completed as themselves,
    /// making this person's sockets serve the other user's identity.
    private let ownerUID: uid_t
    private let peerOwner: PeerOwner
    private let loop: EventLoop
    private let logger: Logger
    private let limits: Limits
    private let parser = HTTPRequestParser()
    private var listeners: [FileDescriptor] = []
    private var connections: [Int32: Connection] = [:]
    private var nextSerial: UInt64 = 0
    private let router: (BrowserRequest, @escaping Respond) -> Void
    private var rejectionLogs: [String: RateLimitedLog] = [:]
    /// Every read lands here first: one buffer for all connections, since the loop reads one at a time.
    private var scratch = [UInt8](repeating: 0, count: 16384)

    /// Binds 127.0.0.1 and ::1 on `port` (0: a free port, the same on both). A machine
    /// without IPv6 loopback gets 127.0.0.1 alone.
    convenience init(
        loop: EventLoop, port requested: UInt16, logger: Logger, limits: Limits = Limits(),
        peerOwner: @escaping PeerOwner = Socket.tcpPeerUID,
        router: @escaping (BrowserRequest, @escaping Respond) -> Void
    ) throws(SystemError) {
        let (listeners, port) = try Self.bind(port: requested, logger: logger)
        try self.init(
            loop: loop, listeners: listeners, port: port, logger: logger, limits: limits, peerOwner: peerOwner, router: router)
    }

    /// Serves on loopback sockets already listening on `port` (from systemd, with socket
    /// activation; the caller has checked what they are bound to).
    init(
        loop: EventLoop, listeners: [FileDescriptor], port: UInt16, logger: Logger, limits: Limits = Limits(),
        peerOwner: @escaping PeerOwner = Socket.tcpPeerUID,
        router: @escaping (BrowserRequest, @escaping Respond) -> Void
    ) throws(SystemError) {
        self.ownerUID = getuid()
        self.peerOwner = peerOwner
        self.loop = loop
        self.logger = logger
        self.limits = limits
        self.router = router
        self.port = port
        self.listeners = listeners
        for listener in listeners {
            try loop.register(listener.rawValue, interest: .read) { [weak self] _ in self?.acceptAll(listener) }
        }
    }

    private static func bind(port requested: UInt16, logger: Logger) throws(SystemError) -> ([FileDescriptor], UInt16) {
        var attempt = 0
        while true {
            attempt += 1
            let v4 = try Socket.listenTCP(.ipv4, port: requested)
            let bound = try Socket.localPort(v4)
            do {
                let v6 = try Socket.listenTCP(.ipv6, port: bound)
                return ([v4, v6], bound)
            } catch where error.errno == EADDRNOTAVAIL || error.errno == EAFNOSUPPORT {
                logger.warning("ipv6_unavailable", "no IPv6 loopback (\(error)): listening on 127.0.0.1 only")
                return ([v4], bound)
            } catch where error.errno == EADDRINUSE && requested == 0 && attempt < 8 {
                continue  // the kernel's free IPv4 port is taken on ::1; pick another
            }
        }
    }

    /// Open connections, for tests and status.
    var connectionCount: Int { connections.count }

    /// The rate-limited log for one kind of refused request (`callback_rejected`, ...): any
    /// local process can send these as fast as it likes, and the journal must not pay for it.
    func rejectionLog(_ event: String) -> RateLimitedLog {
        if let log = rejectionLogs[event] { return log }
        let log = RateLimitedLog(event: event, scheduler: loop, logger: logger)
        rejectionLogs[event] = log
        return log
    }

    /// Closes the listening sockets and every connection.
    func close() {
        for listener in listeners {
            loop.unregister(listener.rawValue)
            listener.close()
        }
        listeners.removeAll()
        for connection in Array(connections.values) { drop(connection) }
    }

    private func acceptAll(_ listener: FileDescriptor) {
        // At most a batch a turn: the listener is level-triggered, so the rest of the backlog
        // comes back next turn, after whatever else became ready (see `SocketServer`).
        for _ in 0..<SocketServer.maximumAcceptsPerTurn {
            let accepted: FileDescriptor?
            do {
                accepted = try Socket.accept(listener)
            } catch {
                // EMFILE and friends: leave the rest in the backlog until a descriptor frees up.
                rejectionLog("accept_failed").warning("HTTP listener: \(error)")
                evictOldestDawdler()
                loop.pauseReading(listener.rawValue, seconds: 0.1)
                return
            }
            guard let fd = accepted else { return }
            if connections.count >= limits.maximumConnections { evictOldestDawdler() }
            nextSerial += 1
            let connection = Connection(fd: fd, serial: nextSerial)
            do {
                try loop.register(fd.rawValue, interest: .read) { [weak self, weak connection] readiness in
                    guard let self, let connection else { return }
                    self.handle(connection, readiness)
                }
            } catch {
                continue
            }
            connections[fd.rawValue] = connection
            if let refusal = refusal(of: fd) {
                // Answered before a byte of the request is read: no route runs, so nothing is
                // started, redeemed or shown, not even the account names.
                connection.phase = .handling
                send(Page.error(status: 403, title: "This listener belongs to another user", detail: refusal), on: connection)
                continue
            }
            connection.timer = loop.schedule(at: loop.now.adding(seconds: limits.headDeadlineSeconds)) {
                [weak self, weak connection] in
                guard let self, let connection else { return }
                // A request head that has not arrived in time: close without a word.
                self.drop(connection)
            }
        }
    }

    /// Why a fresh connection is refused, as the page says it, or nil when the daemon's own
    /// user made it. A connection whose owner cannot be found is refused too (fail closed).
    private func refusal(of fd: FileDescriptor) -> String? {
        let uid: uid_t
        do {
            uid = try peerOwner(fd)
        } catch {
            let hint =
                error.errno == EAFNOSUPPORT || error.errno == EPERM || error.errno == EACCES
                ? " (the daemon may not open AF_NETLINK sockets: its unit needs AF_NETLINK in RestrictAddressFamilies=)" : ""
            rejectionLog("peer_refused").warning(
                "refused a browser connection whose owner could not be found (\(error))\(hint); only uid \(ownerUID) is served")
            return "redirect-catcher could not find out which user of this machine opened this connection, so it refused it:"
                + " it serves only the user who runs it. Try again; if this keeps happening, the daemon's journal says why."
        }
        guard uid != ownerUID else { return nil }
        rejectionLog("peer_refused").warning(
            "refused a browser connection from uid \(uid); only uid \(ownerUID) is served", ["PEER_UID": String(uid)])
        return "This sign-in listener belongs to another user of this machine, and only that user can use it."
            + " To sign in to accounts of your own, run redirect-catcher as yourself, on a port of your own."
    }

    /// Closes the connection that has waited longest for its request head or body.
    private func evictOldestDawdler() {
        var oldest: Connection?
        for connection in connections.values {
            switch connection.phase {
            case .head, .body, .lingering:
                if oldest == nil || connection.serial < (oldest?.serial ?? .max) { oldest = connection }
            case .handling, .writing:
                break
            }
        }
        if let oldest { drop(oldest) }
    }

    private func drop(_ connection: Connection) {
        if let timer = connection.timer { loop.cancel(timer) }
        connection.timer = nil
        guard connection.fd.rawValue >= 0 else { return }
        connections.removeValue(forKey: connection.fd.rawValue)
        loop.unregister(connection.fd.rawValue)
        connection.fd.close()
    }

    private func handle(_ connection: Connection, _ readiness: EventLoop.Readiness) {
        switch connection.phase {
        case .head, .body:
            readRequest(connection)
        case .handling:
            // The peer went away while its code was being redeemed; the exchange goes on.
            if readiness.hangUp { drop(connection) }
        case .writing:
            if readiness.hangUp && !readiness.writable { drop(connection) } else { flush(connection) }
        case .lingering:
            while true {
                switch (try? readSome(connection.fd)) ?? .endOfFile {
                case .bytes: continue
                case .wouldBlock: return
                case .endOfFile:
                    drop(connection)
                    return
                }
            }
        }
    }

    /// One read(2) into `scratch`. Not `FileDescriptor.read(appendingTo:)`, which zero-fills
    /// its whole window element by element on every call: with a byte a second from each of
    /// a thousand slow clients, that alone kept an unoptimised build's loop busy.
    private func readSome(_ fd: FileDescriptor) throws(SystemError) -> FileDescriptor.IOResult {
        let result = scratch.withUnsafeMutableBytes { buffer in
            Result { () throws(SystemError) -> FileDescriptor.IOResult in try fd.read(into: buffer) }
        }
        return try result.get()
    }

    private func readRequest(_ connection: Connection) {
        let result: FileDescriptor.IOResult
        do {
            result = try readSome(connection.fd)
            if case .bytes(let count) = result { connection.buffer.append(contentsOf: scratch[0..<count]) }
        } catch {
            drop(connection)
            return
        }
        switch result {
        case .wouldBlock: return
        case .endOfFile:
            drop(connection)
            return
        case .bytes: break
        }
        if case .head = connection.phase {
            switch parser.parse(connection.buffer) {
            case .incomplete:
                return
            case .failed(let error):
                refuse(connection, error)
                return
            case .complete(let head, let headLength):
                connection.isHEAD = head.method == "HEAD"
                let target: RequestTarget
                let length: Int
                do {
                    target = try RequestTarget.parse(head.target)
                    length = try head.bodyLength()
                } catch {
                    refuse(connection, error)
                    return
                }
                if length > limits.maximumBody {
                    respondWithError(connection, status: 413, detail: "The request body is larger than this page accepts.")
                    return
                }
                connection.phase = .body(BrowserRequestHead(head: head, target: target, headLength: headLength, bodyLength: length))
            }
        }
        guard case .body(let request) = connection.phase else { return }
        guard connection.buffer.count >= request.headLength + request.bodyLength else { return }
        let body = Array(connection.buffer[request.headLength..<(request.headLength + request.bodyLength)])
        connection.buffer = []
        connection.phase = .handling
        if let timer = connection.timer { loop.cancel(timer) }
        connection.timer = nil
        let serial = connection.serial
        var answered = false
        router(BrowserRequest(method: request.head.method, target: request.target, headers: request.head.headers, body: body)) {
            [weak self, weak connection] response in
            guard !answered else { return }
            answered = true
            guard let self, let connection, connection.serial == serial, connection.fd.rawValue >= 0 else { return }
            self.send(response, on: connection)
        }
    }

    private static func describe(_ error: HTTPRequestError) -> String {
        switch error {
        case .badRequest: "The request was malformed."
        case .uriTooLong: "The address is too long."
        case .headersTooLarge: "The request headers are too large."
        case .notImplemented: "This request form is not supported."
        case .versionNotSupported: "Only HTTP/1.1 and HTTP/1.0 are spoken here."
        }
    }

    /// Answers a request the parser refused; the reason is the parser's fixed text, never the
    /// peer's bytes, so it is safe to log.
    private func refuse(_ connection: Connection, _ error: HTTPRequestError) {
        rejectionLog("request_rejected").warning("refused an HTTP request with \(error.status): \(error.reason)")
        respondWithError(connection, status: error.status, detail: Self.describe(error))
    }

    private func respondWithError(_ connection: Connection, status: Int, detail: String) {
        if let timer = connection.timer { loop.cancel(timer) }
        connection.timer = nil
        send(Page.error(status: status, title: HTTPResponse.reasonPhrase(status), detail: detail), on: connection)
    }

    private func send(_ response: HTTPResponse, on connection: Connection) {
        var response = response
        response.headers.add("Connection", "close")
        connection.phase = .writing(response.serialize(includeBody: !connection.isHEAD), offset: 0)
        connection.timer = loop.schedule(at: loop.now.adding(seconds: limits.writeDeadlineSeconds)) {
            [weak self, weak connection] in
            guard let self, let connection else { return }
            self.drop(connection)
        }
        flush(connection)
    }

    private func flush(_ connection: Connection) {
        guard case .writing(let bytes, var offset) = connection.phase else { return }
        while offset < bytes.count {
            switch (try? connection.fd.write(bytes, from: offset)) ?? .endOfFile {
            case .bytes(let n):
                offset += n
            case .wouldBlock:
                connection.phase = .writing(bytes, offset: offset)
                try? loop.modify(connection.fd.rawValue, interest: .write)
                return
            case .endOfFile:
                drop(connection)
                return
            }
        }
        // Half-close and read what the client still sends before closing, so that unread
        // bytes (a pipelined request, an ignored body) do not turn the close into a reset
        // that could destroy the response before the browser reads it.
        _ = Glibc.shutdown(connection.fd.rawValue, Int32(SHUT_WR))
        connection.phase = .lingering
        try? loop.modify(connection.fd.rawValue, interest: .read)
        if let timer = connection.timer { loop.cancel(timer) }
        connection.timer = loop.schedule(at: loop.now.adding(seconds: limits.lingerSeconds)) { [weak self, weak connection] in
            guard let self, let connection else { return }
            self.drop(connection)
        }
    }
}
