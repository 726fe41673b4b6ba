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

    /// One connection's request, as far as it has come; the answer is the core's to write.
    private struct Exchange {
        enum Phase { case head, body(head: HTTPRequestHead, target: RequestTarget, headLength: Int, bodyLength: Int), handling }

        var buffer: [UInt8] = []
        var phase = Phase.head
        var isHEAD = false
    }

    private typealias Connection = ConnectionCore<Exchange>.Connection

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
    private let core: ConnectionCore<Exchange>
    private let router: (BrowserRequest, @escaping Respond) -> Void
    private var rejectionLogs: [String: RateLimitedLog] = [:]

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
        core = ConnectionCore(loop: loop, maximumConnections: limits.maximumConnections, session: Exchange())
        core.onReady = { [weak self] connection, readiness in self?.handle(connection, readiness) }
        for listener in listeners {
            try core.listen(listener) { [weak self] error in
                // EMFILE and friends: the core evicts a dawdler and leaves the rest in the backlog.
                self?.rejectionLog("accept_failed").warning("HTTP listener: \(error)")
            } accepted: { [weak self] in self?.accept($0) }
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
    var connectionCount: Int { core.count }

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
        for listener in listeners { core.stopListening(listener) }
        listeners.removeAll()
        core.dropAll()
    }

    private func accept(_ connection: Connection) {
        if let refusal = refusal(of: connection.fd) {
            // Answered before a byte of the request is read: no route runs, so nothing is
            // started, redeemed or shown, not even the account names.
            return send(Page.error(status: 403, title: "This listener belongs to another user", detail: refusal), on: connection)
        }
        // A request head that has not arrived in time: the core closes without a word.
        core.setDeadline(connection, seconds: limits.headDeadlineSeconds)
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

    private func handle(_ connection: Connection, _ readiness: EventLoop.Readiness) {
        switch connection.session.phase {
        case .head, .body: readRequest(connection)
        case .handling:
            // The peer went away while its code was being redeemed; the exchange goes on.
            if readiness.hangUp { core.drop(connection) }
        }
    }

    private func readRequest(_ connection: Connection) {
        switch core.read(connection, appendingTo: &connection.session.buffer) {
        case .wouldBlock: return
        case .endOfFile: return core.drop(connection)
        case .bytes: break
        }
        if case .head = connection.session.phase {
            switch parser.parse(connection.session.buffer) {
            case .incomplete: return
            case .failed(let error): return refuse(connection, error)
            case .complete(let head, let headLength):
                connection.session.isHEAD = head.method == "HEAD"
                let target: RequestTarget
                let length: Int
                do {
                    target = try RequestTarget.parse(head.target)
                    length = try head.bodyLength()
                } catch {
                    return refuse(connection, error)
                }
                if length > limits.maximumBody {
                    let detail = "The request body is larger than this page accepts."
                    return send(Page.error(status: 413, title: HTTPResponse.reasonPhrase(413), detail: detail), on: connection)
                }
                connection.session.phase = .body(head: head, target: target, headLength: headLength, bodyLength: length)
            }
        }
        guard case .body(let head, let target, let headLength, let bodyLength) = connection.session.phase,
            connection.session.buffer.count >= headLength + bodyLength
        else { return }
        let body = Array(connection.session.buffer[headLength..<(headLength + bodyLength)])
        connection.session.buffer = []
        connection.session.phase = .handling
        connection.evictable = false
        core.clearDeadline(connection)
        var answered = false
        router(BrowserRequest(method: head.method, target: target, headers: head.headers, body: body)) {
            [weak self, weak connection] response in
            guard !answered else { return }
            answered = true
            guard let self, let connection, connection.isOpen else { return }
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
        let page = Page.error(status: error.status, title: HTTPResponse.reasonPhrase(error.status), detail: Self.describe(error))
        send(page, on: connection)
    }

    /// Sends `response` within the write deadline, then lingers (see `ConnectionCore.AfterWrite`).
    private func send(_ response: HTTPResponse, on connection: Connection) {
        var response = response
        response.headers.add("Connection", "close")
        core.setDeadline(connection, seconds: limits.writeDeadlineSeconds)
        core.write(
            response.serialize(includeBody: !connection.session.isHEAD), to: connection, then: .linger(seconds: limits.lingerSeconds))
    }
}
