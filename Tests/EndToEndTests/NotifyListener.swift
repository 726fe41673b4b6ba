import Foundation
import RCSystem

/// The service manager's end of sd_notify: a Unix datagram socket the test binds and passes
/// to the daemon as `NOTIFY_SOCKET`, collecting every message a thread of its own receives.
/// Like systemd with `FileDescriptorStoreMax=`, it keeps the descriptors sent with `FDSTORE=1`
/// under their `FDNAME=` (at most `storeMax`, the rest closed), drops every one of a name on
/// `FDSTOREREMOVE=1`, and hands them to the next start (`DaemonRestartTests`).
final class NotifyListener: Sendable {
    let path: String
    private let fd: Int32
    private let inbox: Inbox

    private final class Inbox: Sendable {
        let messages = Locked<[String]>([])
        /// The file descriptor store: raw descriptors (close-on-exec) and their names.
        let store = Locked<[StoredDescriptor]>([])
        let storeMax: Int

        init(storeMax: Int) { self.storeMax = storeMax }

        /// What systemd does with a notify message and its descriptors.
        func receive(_ message: String, _ descriptors: [Int32]) {
            let lines = message.split(separator: "\n").map(String.init)
            let name = lines.first { $0.hasPrefix("FDNAME=") }.map { String($0.dropFirst("FDNAME=".count)) } ?? "stored"
            store.withLock { store in
                if lines.contains("FDSTOREREMOVE=1") {
                    for entry in store where entry.name == name { close(entry.fd) }
                    store.removeAll { $0.name == name }
                }
                var kept = Set<Int32>()
                if lines.contains("FDSTORE=1") {
                    for fd in descriptors where store.count < storeMax {
                        store.append(StoredDescriptor(name: name, fd: fd))
                        kept.insert(fd)
                    }
                }
                for fd in descriptors where !kept.contains(fd) { close(fd) }
            }
            messages.withLock { $0.append(message) }
        }
    }

    /// A descriptor in the store.
    struct StoredDescriptor: Sendable {
        let name: String
        let fd: Int32
    }

    init(directory: String, storeMax: Int = 4) throws {
        inbox = Inbox(storeMax: storeMax)
        path = directory + "/notify.sock"
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        fd = descriptor
        guard descriptor >= 0 else { throw HarnessFailure("socket(AF_UNIX, SOCK_DGRAM): \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw HarnessFailure("\(path) is too long for a socket") }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            close(descriptor)
            throw HarnessFailure("bind(\(path)): \(String(cString: strerror(errno)))")
        }
        let inbox = self.inbox
        Thread {
            while true {
                // recvmsg, retried on EINTR; 0 bytes and no descriptor once shutdown() ran.
                guard let (bytes, descriptors) = try? Socket.receiveDatagram(descriptor, maxBytes: 4096),
                    !bytes.isEmpty || !descriptors.isEmpty
                else { return }
                inbox.receive(String(decoding: bytes, as: UTF8.self), descriptors.map { $0.release() })
            }
        }.start()
    }

    deinit {
        // shutdown wakes the receiving thread's recv, which then returns.
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
        inbox.store.withLock { store in
            for entry in store { close(entry.fd) }
        }
    }

    /// The descriptors in the store now, in the order they were stored (as systemd passes them).
    var stored: [StoredDescriptor] { inbox.store.withLock { $0 } }

    /// Puts `fd` (owned from now on) in the store under `name`, as if the daemon had sent it.
    func inject(name: String, fd: Int32) {
        inbox.store.withLock { $0.append(StoredDescriptor(name: name, fd: fd)) }
    }

    /// Empties the store, as `systemctl stop` then `start` does on systemd 252.
    func emptyStore() {
        inbox.store.withLock { store in
            for entry in store { close(entry.fd) }
            store.removeAll()
        }
    }

    /// Every message so far, in arrival order.
    var messages: [String] { inbox.messages.withLock { $0 } }

    /// Waits until a message satisfies `matches` (counting from message `after`); returns its index.
    @discardableResult
    func waitFor(_ what: String, after skip: Int = 0, timeout: Double = 10, where matches: (String) -> Bool) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let index = messages.indices.dropFirst(skip).first(where: { matches(messages[$0]) }) { return index }
            if Date() >= deadline { throw HarnessFailure("no notify message \(what) within \(timeout) s; got: \(messages)") }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// `waitFor` a message that holds the assignment `line` (such as `READY=1`).
    @discardableResult
    func waitFor(_ line: String, after skip: Int = 0, timeout: Double = 10) throws -> Int {
        try waitFor("with \(line)", after: skip, timeout: timeout) { $0.split(separator: "\n").contains(Substring(line)) }
    }
}
