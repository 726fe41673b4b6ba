import Glibc

/// A socket address as the kernel takes and gives it: a sockaddr_storage and how many of its
/// bytes are in use. The casts between sockaddr_storage, sockaddr and a family's own struct
/// live here once, in `withSockaddr` (for bind, connect, sendto) and `init(_:reading:)` (for
/// getsockname, getpeername), instead of in every call.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    private var storage = sockaddr_storage()
    /// The bytes of the storage in use: what the kernel is given, or gave back.
    public private(set) var length: socklen_t

    private init<Address>(bytesOf address: Address, length: Int = MemoryLayout<Address>.size) {
        self.length = socklen_t(length)
        withUnsafeBytes(of: address) { source in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) } }
    }

    /// An IPv4 address and port; `host` in host byte order (0x7F00_0001 is 127.0.0.1).
    public static func ipv4(_ host: UInt32, port: UInt16) -> SocketAddress {
        SocketAddress(bytesOf: sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: port.bigEndian, sin_addr: in_addr(s_addr: host.bigEndian), sin_zero: (0, 0, 0, 0, 0, 0, 0, 0)))
    }

    /// An IPv6 address and port (`in6addr_loopback` is ::1).
    public static func ipv6(_ host: in6_addr, port: UInt16) -> SocketAddress {
        SocketAddress(bytesOf: sockaddr_in6(sin6_family: sa_family_t(AF_INET6), sin6_port: port.bigEndian, sin6_flowinfo: 0, sin6_addr: host, sin6_scope_id: 0))
    }

    /// A Unix socket's path; a leading "@" names an abstract socket (first byte NUL, length
    /// exactly its bytes), as systemd's NOTIFY_SOCKET may. A path that does not fit is refused
    /// (ENAMETOOLONG) rather than truncated; an empty one or one with a NUL is EINVAL.
    public static func unix(_ path: String) throws(SystemError) -> SocketAddress {
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        guard !bytes.isEmpty, !bytes.contains(0) else { throw SystemError("sockaddr_un(\(path))", errno: EINVAL) }
        // A path needs room for its terminating NUL; an abstract name has none.
        guard bytes.count < Socket.unixPathCapacity + (abstract ? 1 : 0) else { throw SystemError("sockaddr_un(\(path))", errno: ENAMETOOLONG) }
        if abstract { bytes[0] = 0 }
        var sun = sockaddr_un()
        sun.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &sun.sun_path) { $0.copyBytes(from: bytes) }
        return SocketAddress(bytesOf: sun, length: MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
    }

    /// The address a call writes, such as getsockname(2) or getpeername(2): `body` gets room
    /// for any family and the length to update, and is retried on EINTR; failure throws as `call`.
    public init(_ call: @autoclosure () -> String, reading body: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> Int32) throws(SystemError) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try syscall(call()) { withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, &length) } } }
        self.init(bytesOf: storage, length: min(Int(length), MemoryLayout<sockaddr_storage>.size))
    }

    /// getsockname(2): the address `socket` is bound to.
    public static func local(of socket: FileDescriptor) throws(SystemError) -> SocketAddress {
        try SocketAddress("getsockname") { getsockname(socket.rawValue, $0, $1) }
    }

    /// getpeername(2): the address at the other end of a connected `socket`.
    public static func peer(of socket: FileDescriptor) throws(SystemError) -> SocketAddress {
        try SocketAddress("getpeername") { getpeername(socket.rawValue, $0, $1) }
    }

    /// Lends the address as the `const struct sockaddr *` and length that bind(2), connect(2)
    /// and sendto(2) take.
    public func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafePointer(to: storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) } }
    }

    /// The address family: AF_INET, AF_INET6, AF_UNIX, or another.
    public var family: Int32 { Int32(storage.ss_family) }

    private func read<Address, Value>(as type: Address.Type, _ body: (Address) -> Value) -> Value {
        withUnsafePointer(to: storage) { $0.withMemoryRebound(to: Address.self, capacity: 1) { body($0.pointee) } }
    }

    /// The port of an IPv4 or IPv6 address; nil for other families.
    public var port: UInt16? {
        switch family {
        case AF_INET: read(as: sockaddr_in.self) { UInt16(bigEndian: $0.sin_port) }
        case AF_INET6: read(as: sockaddr_in6.self) { UInt16(bigEndian: $0.sin6_port) }
        default: nil
        }
    }

    /// The IP address as inet_ntop(3) writes it ("127.0.0.1", "::1", "::"); nil for other families.
    public var hostText: String? {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let written: UnsafePointer<CChar>? =
            switch family {
            case AF_INET: read(as: sockaddr_in.self) { withUnsafeBytes(of: $0.sin_addr) { inet_ntop(AF_INET, $0.baseAddress, &text, socklen_t(text.count)) } }
            case AF_INET6: read(as: sockaddr_in6.self) { withUnsafeBytes(of: $0.sin6_addr) { inet_ntop(AF_INET6, $0.baseAddress, &text, socklen_t(text.count)) } }
            default: nil
            }
        return written == nil ? nil : String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A Unix socket's path, "@name" for an abstract one, "" for an unnamed one; nil for others.
    public var unixPath: String? {
        guard family == AF_UNIX else { return nil }
        let count = max(0, Int(length) - MemoryLayout<sa_family_t>.size)
        let raw = read(as: sockaddr_un.self) { sun in withUnsafeBytes(of: sun.sun_path) { Array($0.prefix(count)) } }
        guard raw.first == 0 else { return String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
        return raw.isEmpty ? "" : "@" + String(decoding: raw.dropFirst(), as: UTF8.self)
    }

    /// "127.0.0.1:8080", "[::1]:8080", a Unix path, or what the address is not.
    public var description: String {
        if let text = hostText, let port { return family == AF_INET6 ? "[\(text)]:\(port)" : "\(text):\(port)" }
        if let path = unixPath { return path.isEmpty ? "an unnamed Unix socket" : path }
        return "a socket of address family \(family)"
    }

    /// Equal when the same bytes are in use.
    public static func == (a: SocketAddress, b: SocketAddress) -> Bool {
        a.length == b.length && withUnsafeBytes(of: a.storage) { x in withUnsafeBytes(of: b.storage) { x.prefix(Int(a.length)).elementsEqual($0.prefix(Int(a.length))) } }
    }
}
