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
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try syscall("getsockname") {
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd.rawValue, $0, &length) }
            }
        }
        return withUnsafePointer(to: &storage) { pointer -> ListeningAddress in
            switch Int32(pointer.pointee.ss_family) {
            case AF_INET:
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    let host = UInt32(bigEndian: sin.pointee.sin_addr.s_addr)
                    let text = [24, 16, 8, 0].map { String((host >> UInt32($0)) & 0xFF) }.joined(separator: ".")
                    return .tcp(address: text, loopback: host >> 24 == 127, wildcard: host == 0, port: UInt16(bigEndian: sin.pointee.sin_port))
                }
            case AF_INET6:
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var address = sin6.pointee.sin6_addr
                    let bytes = withUnsafeBytes(of: &address) { Array($0) }
                    var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                    _ = inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
                    let loopback = bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1
                    return .tcp(
                        address: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), loopback: loopback, wildcard: bytes.allSatisfy { $0 == 0 },
                        port: UInt16(bigEndian: sin6.pointee.sin6_port))
                }
            case AF_UNIX:
                return pointer.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { sun in
                    let pathLength = Int(length) - MemoryLayout<sa_family_t>.size
                    guard pathLength > 0 else { return .unix(path: "") }
                    let raw = withUnsafeBytes(of: sun.pointee.sun_path) { Array($0.prefix(pathLength)) }
                    guard raw.first != 0 else { return .unix(path: "") }
                    return .unix(path: String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self))
                }
            default:
                return .other("a socket of address family \(pointer.pointee.ss_family)")
            }
        }
    }
}
