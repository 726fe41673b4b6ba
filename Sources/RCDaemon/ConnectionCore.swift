import Glibc
import RCSystem

/// What the redirect listener and the token sockets share of a connection's life, so that both
/// bound it the same way: accepting in batches, the cap on open connections and its eviction,
/// deadlines, buffered writes and the drop. Each server keeps only what differs (parsing HTTP;
/// the token or control reply) in its handlers and `Session`, its state of one connection.
/// Writes never block: a peer that stops reading or vanishes costs one descriptor until its
/// deadline, never a thread, and never a SIGPIPE (sends use MSG_NOSIGNAL).
final class ConnectionCore<Session> {
    /// One accepted connection.
    final class Connection {
        let fd: FileDescriptor
        /// Grows with every accept: the lowest is the oldest, which eviction takes first.
        let serial: UInt64
        var session: Session
        /// Whether the cap may evict it: while the peer owes its request or the answer lingers,
        /// not while the server makes the answer the peer waits for or writes it.
        var evictable = true
        fileprivate var stage = Stage.open
        fileprivate var output: [UInt8] = []
        fileprivate var written = 0
        fileprivate var timer: EventLoop.TimerID?

        fileprivate init(fd: FileDescriptor, serial: UInt64, session: Session) { (self.fd, self.serial, self.session) = (fd, serial, session) }

        /// False once dropped.
        var isOpen: Bool { fd.rawValue >= 0 }
        fileprivate var interest: EventLoop.Interest { if case .writing = stage { .write } else { .read } }
    }

    /// What follows the last byte of an answer: `close` at once (the peer reads to end of file),
    /// or `linger`.
    enum AfterWrite {
        case close
        /// Half-close, then read and discard what the peer still sends for up to `seconds`:
        /// unread bytes (a pipelined request, an ignored body) would turn the close into a
        /// reset that could destroy the answer before the peer reads it.
        case linger(seconds: Double)
    }

    /// While `open`, the server's: `onReady` hears of every event.
    fileprivate enum Stage { case open, writing(then: AfterWrite), lingering }

    /// The most connections a listener accepts in one turn of the loop. The listeners are
    /// level-triggered, so the rest of a backlog comes back next turn, after whatever else
    /// became ready: a thousand connections arriving at once on the HTTP port do not hold up a
    /// token client for all of their accepts.
    static var maximumAcceptsPerTurn: Int { 64 }

    /// Called for every event of a connection its server still owns (not writing or lingering).
    var onReady: (Connection, EventLoop.Readiness) -> Void = { _, _ in }
    /// Called once for each connection that closes, whoever closed it.
    var onDrop: (Connection) -> Void = { _ in }

    private let loop: EventLoop
    private let maximumConnections: Int?
    private let newSession: Session
    private var connections: [Int32: Connection] = [:]
    private var nextSerial: UInt64 = 0

    /// `maximumConnections` (nil: no cap) is the most open at once: an accept beyond it first
    /// closes the oldest evictable connection. Each connection starts with `session`.
    init(loop: EventLoop, maximumConnections: Int?, session: Session) {
        self.loop = loop
        self.maximumConnections = maximumConnections
        self.newSession = session
    }

    /// Open connections, for tests and status.
    var count: Int { connections.count }

    /// Watches `listener` and hands each connection accepted from it to `accepted`, which
    /// checks the peer and may answer at once. Only a connection still open afterwards is
    /// registered with epoll: the usual token fetch (a token in memory, a reply that fits the
    /// socket buffer) is over by then. `failed` hears of a failed accept (EMFILE).
    func listen(_ listener: FileDescriptor, failed: @escaping (SystemError) -> Void, accepted: @escaping (Connection) -> Void) throws(SystemError) {
        let batch = AcceptBatch()
        try loop.register(listener.rawValue, interest: .read) { [weak self] _ in self?.acceptSome(listener, batch, failed, accepted) }
    }

    /// Stops watching `listener` and closes it; connections it accepted go on.
    func stopListening(_ listener: FileDescriptor) {
        loop.unregister(listener.rawValue)
        listener.close()
    }

    /// How many connections a listener takes on its next readiness. Accepting until EAGAIN
    /// costs a failing accept(2) per wake-up, one in six system calls of a one-client token
    /// fetch; taking one costs an extra epoll_wait whenever more were waiting. So: one at a time
    /// after a batch that found a single connection, a whole batch every ninth wake-up to look,
    /// and whole batches for as long as they find more than one (a backlog under load).
    private final class AcceptBatch {
        var limit = 1
        var singles = 0

        func ended(taken: Int, ranDry: Bool) {
            singles = ranDry ? 0 : singles + 1
            if ranDry && taken <= 1 {
                limit = 1
            } else if ranDry || singles >= 8 {
                limit = ConnectionCore.maximumAcceptsPerTurn
            }
        }
    }

    private func acceptSome(_ listener: FileDescriptor, _ batch: AcceptBatch, _ failed: (SystemError) -> Void, _ accepted: (Connection) -> Void) {
        var taken = 0
        while taken < batch.limit {
            let next: FileDescriptor?
            do {
                next = try Socket.accept(listener)
            } catch {
                // The peer waits in the backlog until a descriptor frees up; the listener stays
                // readable, so stop watching it for a moment.
                failed(error)
                if maximumConnections != nil { evictOldest() }
                loop.pauseReading(listener.rawValue, seconds: 0.1)
                return
            }
            guard let fd = next else { return batch.ended(taken: taken, ranDry: true) }
            taken += 1
            if let cap = maximumConnections, connections.count >= cap { evictOldest() }
            nextSerial += 1
            let connection = Connection(fd: fd, serial: nextSerial, session: newSession)
            connections[fd.rawValue] = connection
            accepted(connection)
            guard connection.isOpen else { continue }
            do {
                try loop.register(fd.rawValue, interest: connection.interest) { [weak self, weak connection] readiness in
                    guard let self, let connection else { return }
                    self.handle(connection, readiness)
                }
            } catch {
                drop(connection)
            }
        }
        batch.ended(taken: taken, ranDry: false)
    }

    private func handle(_ connection: Connection, _ readiness: EventLoop.Readiness) {
        switch connection.stage {
        case .open: onReady(connection, readiness)
        case .writing: if readiness.writable { flush(connection) } else if readiness.hangUp { drop(connection) }
        case .lingering: discardInput(connection)
        }
    }

    /// Closes `connection` without a word `seconds` from now, unless it closes first; replaces
    /// its earlier deadline.
    func setDeadline(_ connection: Connection, seconds: Double) {
        clearDeadline(connection)
        connection.timer = loop.schedule(at: loop.now.adding(seconds: seconds)) { [weak self, weak connection] in
            guard let self, let connection else { return }
            self.drop(connection)
        }
    }

    /// Takes back the deadline while the server, not the peer, is the one to act.
    func clearDeadline(_ connection: Connection) {
        if let timer = connection.timer { loop.cancel(timer) }
        connection.timer = nil
    }

    /// One read(2) of at most `max` bytes, appended to `bytes`; a failed read counts as the end.
    func read(_ connection: Connection, appendingTo bytes: inout [UInt8], max: Int = 16384) -> FileDescriptor.IOResult {
        (try? connection.fd.read(appendingTo: &bytes, max: max)) ?? .endOfFile
    }

    /// Reads and throws away what the peer has sent (more comes back next turn); closes at its
    /// end of file.
    func discardInput(_ connection: Connection) {
        var ignored: [UInt8] = []
        if read(connection, appendingTo: &ignored) == .endOfFile { drop(connection) }
    }

    /// Sends `bytes`, then does `then`, within the connection's deadline. Only the first
    /// answer counts.
    func write(_ bytes: [UInt8], to connection: Connection, then: AfterWrite) {
        guard connection.isOpen, case .open = connection.stage else { return }
        connection.stage = .writing(then: then)
        connection.evictable = false
        connection.output = bytes
        flush(connection)
    }

    private func flush(_ connection: Connection) {
        while connection.written < connection.output.count {
            switch (try? connection.fd.write(connection.output, from: connection.written)) ?? .endOfFile {
            case .bytes(let n): connection.written += n
            case .wouldBlock: return watch(connection)
            case .endOfFile: return drop(connection)
            }
        }
        guard case .writing(then: .linger(let seconds)) = connection.stage else { return drop(connection) }
        _ = Glibc.shutdown(connection.fd.rawValue, Int32(SHUT_WR))
        connection.stage = .lingering
        connection.evictable = true
        connection.output = []
        watch(connection)
        setDeadline(connection, seconds: seconds)
    }

    /// Tells epoll what the connection waits for now; one still in `accepted` is not registered
    /// (the loop refuses without a system call) and gets its interest when it is.
    private func watch(_ connection: Connection) {
        try? loop.modify(connection.fd.rawValue, interest: connection.interest)
    }

    /// Closes the connection that has waited longest for its peer.
    private func evictOldest() {
        if let oldest = connections.values.lazy.filter(\.evictable).min(by: { $0.serial < $1.serial }) { drop(oldest) }
    }

    /// Closes `connection` now; later calls do nothing.
    func drop(_ connection: Connection) {
        clearDeadline(connection)
        guard connection.isOpen else { return }
        connections.removeValue(forKey: connection.fd.rawValue)
        loop.unregister(connection.fd.rawValue)
        connection.fd.close()
        onDrop(connection)
    }

    /// Closes every connection.
    func dropAll() {
        for connection in Array(connections.values) { drop(connection) }
    }
}
