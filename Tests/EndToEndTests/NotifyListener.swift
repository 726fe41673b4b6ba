import Foundation
import RCSystem

/// The service manager's end of sd_notify: a Unix datagram socket the test binds and passes
/// to the daemon as `NOTIFY_SOCKET`, collecting every message a thread of its own receives.
final class NotifyListener: Sendable {
    let path: String
    private let fd: Int32
    private let inbox = Inbox()

    private final class Inbox: Sendable {
        let messages = Locked<[String]>([])
    }

    init(directory: String) throws {
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
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                inbox.messages.withLock { $0.append(String(decoding: buffer[0..<n], as: UTF8.self)) }
            }
        }.start()
    }

    deinit {
        // shutdown wakes the receiving thread's recv, which then returns.
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
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
