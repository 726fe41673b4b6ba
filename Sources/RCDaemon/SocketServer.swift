import Glibc
import RCSystem

/// The Unix sockets local processes read tokens from.
///
/// Each client is one short exchange driven by the event loop: checked for its uid, then
/// either answered at once (`<account>.sock` writes on connect, so a bare `nc -U` works) or
/// after reading one request line (`control.sock`). Writes never block; a client that
/// stops reading or vanishes costs one descriptor until its deadline, never a thread, and
/// never a SIGPIPE (sends use MSG_NOSIGNAL).
final class SocketServer {
    /// One accepted client.
    final class Client {
        fileprivate let fd: FileDescriptor
        fileprivate var pending: [UInt8] = []
        fileprivate var offset = 0
        fileprivate var input: [UInt8] = []
        fileprivate var timer: EventLoop.TimerID?
        fileprivate var lineHandler: ((String?) -> Void)?
        fileprivate var replied = false

        fileprivate init(fd: FileDescriptor) { self.fd = fd }
    }

    /// Long enough for a reply that waits for a refresh (`RefreshPolicy.waitForRefresh`).
    static let clientDeadlineSeconds: Double = RefreshPolicy.waitForRefresh + 10
    /// Room for `rejected NAME TOKEN`: an Entra access token with many group claims runs
    /// past 4 KiB.
    static let maximumRequestLine = 16384

    private struct Listener {
        let fd: FileDescriptor
        /// False for a socket systemd made (socket activation): its file is systemd's to remove.
        let ownsPath: Bool
    }

    private let loop: EventLoop
    private let logger: Logger
    private let ownerUID = getuid()
    private var listeners: [String: Listener] = [:]
    private var clients: [Int32: Client] = [:]
    /// accept(2) fails the same way for every waiting client (EMFILE): one line a second.
    private let acceptFailures: RateLimitedLog

    init(loop: EventLoop, logger: Logger) {
        self.loop = loop
        self.logger = logger
        self.acceptFailures = RateLimitedLog(event: "accept_failed", scheduler: loop, logger: logger)
    }

    /// Open client connections, for tests and status.
    var clientCount: Int { clients.count }

    /// Listens at `path` (mode 0600, after `RuntimeDirectory.claimSocketPath`) and hands
    /// each client of this uid to `onClient`.
    func listen(path: String, onClient: @escaping (Client) -> Void) throws(SystemError) {
        try serve(Socket.listenUnix(path: path, mode: 0o600), path: path, ownsPath: true, onClient: onClient)
    }

    /// Serves on a listening socket someone else bound at `path` (systemd, with socket
    /// activation), which stays theirs: closing does not remove its file.
    func adopt(_ listener: FileDescriptor, path: String, onClient: @escaping (Client) -> Void) throws(SystemError) {
        try serve(listener, path: path, ownsPath: false, onClient: onClient)
    }

    private func serve(_ listener: FileDescriptor, path: String, ownsPath: Bool, onClient: @escaping (Client) -> Void) throws(SystemError) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        try loop.register(listener.rawValue, interest: .read) { [weak self] _ in
            self?.acceptAll(listener, name: name, onClient: onClient)
        }
        listeners[path] = Listener(fd: listener, ownsPath: ownsPath)
    }

    /// The paths listened on.
    var paths: Set<String> { Set(listeners.keys) }

    /// Stops listening at `path` and removes its file (if it is ours). Clients already
    /// accepted finish their exchange.
    func stopListening(path: String) {
        guard let listener = listeners.removeValue(forKey: path) else { return }
        loop.unregister(listener.fd.rawValue)
        listener.fd.close()
        if listener.ownsPath { unlink(path) }
    }

    /// Closes every listener (removing the socket files that are ours) and client.
    func close() {
        for path in Array(listeners.keys) { stopListening(path: path) }
        for client in Array(clients.values) { drop(client) }
    }

    /// The most connections a listener accepts in one turn of the loop. The listeners are
    /// level-triggered, so the rest of a backlog is taken in the next turns; meanwhile the
    /// other descriptors that became ready are served, and a thousand connections arriving at
    /// once on the HTTP port do not hold up a token client for all of their accepts.
    static let maximumAcceptsPerTurn = 64

    private func acceptAll(_ listener: FileDescriptor, name: String, onClient: (Client) -> Void) {
        for _ in 0..<Self.maximumAcceptsPerTurn {
            let accepted: FileDescriptor?
            do {
                accepted = try Socket.accept(listener)
            } catch {
                // EMFILE and friends: the client waits in the backlog until a descriptor frees
                // up; the listener stays readable, so stop watching it for a moment.
                acceptFailures.warning("\(name): \(error)")
                loop.pauseReading(listener.rawValue, seconds: 0.1)
                return
            }
            guard let fd = accepted else { return }
            let uid = (try? Socket.peerUID(fd)) ?? uid_t.max
            guard uid == ownerUID else {
                logger.warning(
                    "peer_refused", "\(name): refused a connection from uid \(uid); only uid \(ownerUID) is served",
                    ["PEER_UID": String(uid)])
                _ = try? fd.write(Array("error: this socket serves uid \(ownerUID) only\n".utf8), from: 0)
                continue
            }
            let client = Client(fd: fd)
            clients[fd.rawValue] = client
            onClient(client)
            // The usual fetch (a token in memory, a reply that fits the socket buffer) is
            // over already: no epoll registration and no deadline to set up and tear down.
            guard client.fd.rawValue >= 0 else { continue }
            do {
                try loop.register(fd.rawValue, interest: client.replied ? .write : .read) { [weak self, weak client] readiness in
                    guard let self, let client else { return }
                    self.handle(client, readiness)
                }
            } catch {
                drop(client)
                continue
            }
            client.timer = loop.schedule(at: loop.now.adding(seconds: Self.clientDeadlineSeconds)) { [weak self, weak client] in
                guard let self, let client else { return }
                self.drop(client)
            }
        }
    }

    /// Reads one line (without its newline; nil if the client left or sent too much).
    func readLine(from client: Client, _ handler: @escaping (String?) -> Void) {
        client.lineHandler = handler
    }

    /// Writes `line` and a newline, then closes. Only the first reply counts.
    func reply(_ client: Client, _ line: String) {
        guard !client.replied, client.fd.rawValue >= 0 else { return }
        client.replied = true
        client.lineHandler = nil
        client.pending = Array(line.utf8) + [0x0A]
        flush(client)
    }

    private func handle(_ client: Client, _ readiness: EventLoop.Readiness) {
        if client.replied {
            if readiness.writable { flush(client) } else if readiness.hangUp { drop(client) }
            return
        }
        guard let handler = client.lineHandler else {
            // A write-on-connect client that sends data or hangs up while its reply waits
            // for a refresh: discard the data; the reply goes out or the deadline closes it.
            if readiness.hangUp { drop(client) } else { discardInput(client) }
            return
        }
        let result = (try? client.fd.read(appendingTo: &client.input, max: 1024)) ?? .endOfFile
        if let newline = client.input.firstIndex(of: 0x0A) {
            var line = Array(client.input[..<newline])
            if line.last == 0x0D { line.removeLast() }
            client.lineHandler = nil
            handler(String(decoding: line, as: UTF8.self))
        } else if client.input.count > Self.maximumRequestLine {
            client.lineHandler = nil
            handler(nil)
        } else if result == .endOfFile {
            client.lineHandler = nil
            // `printf status | nc -U -N`: a last line without a newline still counts.
            handler(client.input.isEmpty ? nil : String(decoding: client.input, as: UTF8.self))
        }
    }

    private func discardInput(_ client: Client) {
        var scratch: [UInt8] = []
        if (try? client.fd.read(appendingTo: &scratch, max: 4096)) ?? .endOfFile == .endOfFile { drop(client) }
    }

    private func flush(_ client: Client) {
        while client.offset < client.pending.count {
            switch (try? client.fd.write(client.pending, from: client.offset)) ?? .endOfFile {
            case .bytes(let n):
                client.offset += n
            case .wouldBlock:
                try? loop.modify(client.fd.rawValue, interest: .write)
                return
            case .endOfFile:
                drop(client)
                return
            }
        }
        drop(client)
    }

    private func drop(_ client: Client) {
        if let timer = client.timer { loop.cancel(timer) }
        client.timer = nil
        guard client.fd.rawValue >= 0 else { return }
        clients.removeValue(forKey: client.fd.rawValue)
        loop.unregister(client.fd.rawValue)
        client.fd.close()
        client.lineHandler?(nil)
        client.lineHandler = nil
    }
}
