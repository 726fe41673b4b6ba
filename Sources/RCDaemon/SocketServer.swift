import Glibc
import RCSystem

/// The Unix sockets local processes read tokens from.
///
/// Each client is one short exchange driven by the event loop (`ConnectionCore`): checked
/// for its uid, then either answered at once (`<account>.sock` writes on connect, so a bare
/// `nc -U` works) or after reading one request line (`control.sock`).
final class SocketServer {
    /// What a client sent so far, and who waits for its request line.
    struct Request {
        fileprivate var input: [UInt8] = []
        fileprivate var lineHandler: ((String?) -> Void)?
    }

    /// One accepted client.
    typealias Client = ConnectionCore<Request>.Connection

    /// Long enough for a reply that waits for a refresh (`RefreshPolicy.waitForRefresh`).
    static let clientDeadlineSeconds: Double = RefreshPolicy.waitForRefresh + 10
    /// Room for `rejected NAME TOKEN`: an Entra access token with many group claims runs
    /// past 4 KiB.
    static let maximumRequestLine = 16384

    private let logger: Logger
    private let ownerUID = getuid()
    /// `ownsPath` is false for a socket systemd made (socket activation): its file is systemd's.
    private var listeners: [String: (fd: FileDescriptor, ownsPath: Bool)] = [:]
    /// No cap: only the daemon's own user gets in (mode 0600, SO_PEERCRED), and closing one of
    /// its clients to make room for another would help none of them.
    private let core: ConnectionCore<Request>
    /// accept(2) fails the same way for every waiting client (EMFILE): one line a second.
    private let acceptFailures: RateLimitedLog

    init(loop: EventLoop, logger: Logger) {
        self.logger = logger
        self.acceptFailures = RateLimitedLog(event: "accept_failed", scheduler: loop, logger: logger)
        core = ConnectionCore(loop: loop, maximumConnections: nil, session: Request())
        core.onReady = { [weak self] client, readiness in self?.handle(client, readiness) }
        core.onDrop = { client in client.session.lineHandler.take()?(nil) }
    }

    /// Open client connections, for tests and status.
    var clientCount: Int { core.count }

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
        try core.listen(listener) { [weak self] error in
            self?.acceptFailures.warning("\(name): \(error)")
        } accepted: { [weak self] in self?.accept($0, name: name, onClient: onClient) }
        listeners[path] = (listener, ownsPath)
    }

    /// The paths listened on.
    var paths: Set<String> { Set(listeners.keys) }

    /// Stops listening at `path` and removes its file (if it is ours). Clients already
    /// accepted finish their exchange.
    func stopListening(path: String) {
        guard let listener = listeners.removeValue(forKey: path) else { return }
        core.stopListening(listener.fd)
        if listener.ownsPath { unlink(path) }
    }

    /// Closes every listener (removing the socket files that are ours) and client.
    func close() {
        for path in Array(listeners.keys) { stopListening(path: path) }
        core.dropAll()
    }

    private func accept(_ client: Client, name: String, onClient: (Client) -> Void) {
        let uid = (try? Socket.peerUID(client.fd)) ?? uid_t.max
        guard uid == ownerUID else {
            logger.warning(
                "peer_refused", "\(name): refused a connection from uid \(uid); only uid \(ownerUID) is served",
                ["PEER_UID": String(uid)])
            _ = try? client.fd.write(Array("error: this socket serves uid \(ownerUID) only\n".utf8), from: 0)
            return core.drop(client)
        }
        onClient(client)
        // The usual fetch is over already: no deadline to set up and tear down.
        if client.isOpen { core.setDeadline(client, seconds: Self.clientDeadlineSeconds) }
    }

    /// Reads one line (without its newline; nil if the client left or sent too much).
    func readLine(from client: Client, _ handler: @escaping (String?) -> Void) {
        client.session.lineHandler = handler
    }

    /// Writes `line` and a newline, then closes. Only the first reply counts.
    func reply(_ client: Client, _ line: String) {
        client.session.lineHandler = nil
        core.write(Array(line.utf8) + [0x0A], to: client, then: .close)
    }

    private func handle(_ client: Client, _ readiness: EventLoop.Readiness) {
        guard let handler = client.session.lineHandler else {
            // A write-on-connect client that sends data or hangs up while its reply waits
            // for a refresh: discard the data; the reply goes out or the deadline closes it.
            return readiness.hangUp ? core.drop(client) : core.discardInput(client)
        }
        let result = core.read(client, appendingTo: &client.session.input, max: 1024)
        let input = client.session.input
        if let newline = input.firstIndex(of: 0x0A) {
            var line = Array(input[..<newline])
            if line.last == 0x0D { line.removeLast() }
            client.session.lineHandler = nil
            handler(String(decoding: line, as: UTF8.self))
        } else if input.count > Self.maximumRequestLine {
            client.session.lineHandler = nil
            handler(nil)
        } else if result == .endOfFile {
            client.session.lineHandler = nil
            // `printf status | nc -U -N`: a last line without a newline still counts.
            handler(input.isEmpty ? nil : String(decoding: input, as: UTF8.self))
        }
    }
}
