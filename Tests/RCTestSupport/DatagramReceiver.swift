import Glibc
import RCSystem

/// A bound Unix datagram socket (a path, or "@name" for the abstract namespace): a stand-in
/// for NOTIFY_SOCKET or the journal's socket.
public final class DatagramReceiver {
    public let fd: FileDescriptor

    public init(path: String) throws {
        fd = FileDescriptor(owning: socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0))
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let name = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: name)
            if path.hasPrefix("@") { raw[0] = 0 }
        }
        let length =
            path.hasPrefix("@")
            ? socklen_t(MemoryLayout<sa_family_t>.size + name.count)
            : socklen_t(MemoryLayout<sockaddr_un>.size)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd.rawValue, $0, length) }
        }
        if rc != 0 { throw SystemError.last("bind") }
    }

    /// One datagram, or nil after `timeoutMilliseconds`.
    public func receive(timeoutMilliseconds: Int32 = 1000) -> String? {
        var pfd = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, timeoutMilliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd.rawValue, &buffer, buffer.count, 0)
        return n < 0 ? nil : String(decoding: buffer.prefix(n), as: UTF8.self)
    }
}
