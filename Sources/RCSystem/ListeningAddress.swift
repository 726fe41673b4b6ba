import Glibc

/// What a listening socket that someone else opened is bound to (getsockname, SO_TYPE,
/// SO_ACCEPTCONN), so that a socket handed over by systemd can be checked before it is used.
public enum ListeningAddress: Equatable, Sendable, CustomStringConvertible {
    /// A listening TCP socket: its address as text (`127.0.0.1`, `::1`, `0.0.0.0`), whether
    /// that is a loopback or a wildcard address, and its port.
    case tcp(address: String, loopback: Bool, wildcard: Bool, port: UInt16)
    /// A listening Unix stream socket and its path ("" when unnamed or abstract).
    case unix(path: String)
    /// Anything else: not listening, a datagram socket, another family.
    case other(String)

    public var description: String {
        switch self {
        case .tcp(let address, _, _, let port): address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
        case .unix(let path): path.isEmpty ? "an unnamed Unix socket" : path
        case .other(let what): what
        }
    }

    /// Inspects `fd`.
    public static func of(_ fd: FileDescriptor) throws(SystemError) -> ListeningAddress {
        func option(_ name: Int32, _ call: String) throws(SystemError) -> Int32 {
            var value: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = try syscall(call) { getsockopt(fd.rawValue, SOL_SOCKET, name, &value, &length) }
            return value
        }
        guard try option(SO_TYPE, "getsockopt(SO_TYPE)") == Int32(SOCK_STREAM.rawValue) else {
            return .other("not a stream socket")
        }
        guard try option(SO_ACCEPTCONN, "getsockopt(SO_ACCEPTCONN)") != 0 else { return .other("not a listening socket") }
        let address = try SocketAddress.local(of: fd)
        if let text = address.hostText, let port = address.port {
            // inet_ntop's text is canonical: 127.x.y.z and ::1 are loopback, 0.0.0.0 and :: wildcards.
            return .tcp(address: text, loopback: text.hasPrefix("127.") || text == "::1", wildcard: text == "0.0.0.0" || text == "::", port: port)
        }
        if let path = address.unixPath { return .unix(path: path.hasPrefix("@") ? "" : path) }
        return .other(address.description)
    }
}
