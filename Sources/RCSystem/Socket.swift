import CShim
import Glibc

/// Socket system calls: loopback TCP listeners, Unix listeners, accept, connect, peer uid.
public enum Socket {
    /// The two loopback addresses the redirect listener binds; never a wildcard address.
    public enum Loopback: Sendable, CaseIterable {
        case ipv4, ipv6

        public var text: String { self == .ipv4 ? "127.0.0.1" : "::1" }

        /// This address with `port`.
        public func address(port: UInt16) -> SocketAddress {
            self == .ipv4 ? .ipv4(0x7F00_0001, port: port) : .ipv6(in6addr_loopback, port: port)
        }
    }

    /// socket + setsockopt(SO_REUSEADDR, and IPV6_V6ONLY for ::1) + bind + listen on a
    /// loopback address. `port` 0 lets the kernel choose. Close-on-exec and non-blocking.
    /// No SO_REUSEPORT: a second daemon must fail to bind, not share the port.
    public static func listenTCP(_ address: Loopback, port: UInt16, backlog: Int32 = 128) throws(SystemError) -> FileDescriptor {
        let family = address == .ipv4 ? AF_INET : AF_INET6
        let fd = FileDescriptor(
            owning: try syscall("socket") {
                Glibc.socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            })
        var one: Int32 = 1
        _ = try syscall("setsockopt(SO_REUSEADDR)") {
            setsockopt(fd.rawValue, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        if address == .ipv6 {
            _ = try syscall("setsockopt(IPV6_V6ONLY)") {
                setsockopt(fd.rawValue, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
            }
        }
        let local = address.address(port: port)
        _ = try syscall("bind") { local.withSockaddr { bind(fd.rawValue, $0, $1) } }
        _ = try syscall("listen") { Glibc.listen(fd.rawValue, backlog) }
        return fd
    }

    /// The local port a TCP socket is bound to (getsockname); EAFNOSUPPORT for a socket
    /// that has no port.
    public static func localPort(_ fd: FileDescriptor) throws(SystemError) -> UInt16 {
        guard let port = try SocketAddress.local(of: fd).port else { throw SystemError("getsockname", errno: EAFNOSUPPORT) }
        return port
    }

    private static let umaskLock = Locked(())

    /// The longest path a sockaddr_un holds, including its terminating NUL.
    public static let unixPathCapacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)

    /// socket(AF_UNIX) + bind + listen at `path`, non-blocking and close-on-exec. The caller
    /// has removed any stale file there and set the umask; `mode` is applied with fchmod-like
    /// chmod right after bind.
    public static func listenUnix(path: String, mode: mode_t = 0o600, backlog: Int32 = 128) throws(SystemError) -> FileDescriptor {
        let address = try SocketAddress.unix(path)
        let fd = FileDescriptor(
            owning: try syscall("socket") {
                Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            })
        // The umask keeps the socket private from the moment bind creates it. The umask is
        // per process, so the set-bind-restore runs under a lock: two threads interleaving
        // would otherwise leave 0177 behind for good.
        try umaskLock.withLock { _ throws(SystemError) in
            let oldMask = umask(0o177)
            defer { umask(oldMask) }
            _ = try syscall("bind(\(path))") { address.withSockaddr { bind(fd.rawValue, $0, $1) } }
        }
        _ = try syscall("chmod(\(path))") { chmod(path, mode) }
        _ = try syscall("listen") { Glibc.listen(fd.rawValue, backlog) }
        return fd
    }

    /// A blocking connect to the Unix socket at `path`, close-on-exec.
    public static func connectUnix(path: String) throws(SystemError) -> FileDescriptor {
        let address = try SocketAddress.unix(path)
        let fd = FileDescriptor(
            owning: try syscall("socket") {
                Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            })
        _ = try syscall("connect(\(path))") { address.withSockaddr { connect(fd.rawValue, $0, $1) } }
        return fd
    }

    /// accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC; nil when no connection is waiting.
    /// ECONNABORTED (the peer left before accept) also gives nil.
    public static func accept(_ listener: FileDescriptor) throws(SystemError) -> FileDescriptor? {
        let fd = retryingEINTR { rc_accept_nonblocking(listener.rawValue) }
        if fd >= 0 { return FileDescriptor(owning: fd) }
        if errno == ECONNABORTED || errno == EAGAIN || errno == EWOULDBLOCK { return nil }
        throw SystemError.last("accept4")
    }

    /// The uid of the process at the other end of a Unix socket (SO_PEERCRED).
    public static func peerUID(_ fd: FileDescriptor) throws(SystemError) -> uid_t {
        var uid: uid_t = 0
        _ = try syscall("getsockopt(SO_PEERCRED)") { rc_peer_uid(fd.rawValue, &uid) }
        return uid
    }

    /// The uid that owns the socket at the other end of an accepted loopback TCP connection,
    /// found by its exact address and ports through the kernel's socket diagnostics
    /// (NETLINK_SOCK_DIAG, as `ss -e` reads it). ENOENT when no live socket of a process is
    /// there any more. Inside a user namespace (systemd's `PrivateUsers=yes`), a uid that the
    /// namespace does not map reads as the overflow uid, never as the caller's own.
    public static func tcpPeerUID(_ fd: FileDescriptor) throws(SystemError) -> uid_t {
        var uid: uid_t = 0
        _ = try syscall("sock_diag") { rc_tcp_peer_uid(fd.rawValue, &uid) }
        return uid
    }

    /// Resolves `host` (getaddrinfo, blocking: call it off the event loop) and connects to
    /// the first address that answers before `deadline`. Returns a non-blocking socket.
    public static func connectTCP(host: String, port: UInt16, deadline: Instant) throws(SystemError) -> FileDescriptor {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        if rc != 0 {
            // EAI_* codes are not errnos: the errno says "host unreachable", gai_strerror why.
            throw SystemError("getaddrinfo(\(host))", errno: EHOSTUNREACH, reason: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        var lastError = SystemError("connect(\(host))", errno: EHOSTUNREACH)
        var cursor = list
        while let info = cursor {
            cursor = info.pointee.ai_next
            do throws(SystemError) {
                let fd = FileDescriptor(
                    owning: try syscall("socket") {
                        Glibc.socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
                    })
                let started = connect(fd.rawValue, info.pointee.ai_addr, info.pointee.ai_addrlen)
                if started != 0 {
                    // Interrupted (EINTR), a non-blocking connect goes on just as with EINPROGRESS:
                    // it is waited for below, never started again.
                    guard errno == EINPROGRESS || errno == EINTR else { throw SystemError.last("connect(\(host))") }
                    guard try fd.waitFor(writing: true, until: deadline) else { throw SystemError.timedOut("connect(\(host))") }
                    var soError: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    _ = try syscall("getsockopt(SO_ERROR)") { getsockopt(fd.rawValue, SOL_SOCKET, SO_ERROR, &soError, &len) }
                    if soError != 0 { throw SystemError("connect(\(host))", errno: soError) }
                }
                var one: Int32 = 1
                _ = setsockopt(fd.rawValue, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return fd
            } catch {
                lastError = error
                if error.errno == ETIMEDOUT { throw error }
            }
        }
        throw lastError
    }
}

extension Socket {
    /// Sends one datagram to the Unix datagram socket at `path` (a leading "@" names an
    /// abstract socket, as systemd's NOTIFY_SOCKET may). Used for sd_notify.
    /// One datagram to the Unix socket at `path` with `descriptors` as SCM_RIGHTS (the way
    /// sd_pid_notify_with_fds(3) hands descriptors to the service manager). The receiver gets
    /// copies; the caller still owns and closes its own.
    public static func sendDatagram(_ bytes: [UInt8], toUnixPath path: String, passing descriptors: [Int32]) throws(SystemError) {
        guard descriptors.count <= Int(RC_MAX_PASSED_FDS) else { throw SystemError("sendmsg(\(path))", errno: EINVAL) }
        let address = try SocketAddress.unix(path)
        let fd = FileDescriptor(
            owning: try syscall("socket") {
                Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            })
        _ = try syscall("sendmsg(\(path))") {
            bytes.withUnsafeBytes { raw in
                descriptors.withUnsafeBufferPointer { fds in
                    address.withSockaddr { rc_send_with_fds(fd.rawValue, raw.baseAddress, raw.count, $0, $1, fds.baseAddress, Int32(fds.count)) }
                }
            }
        }
    }

    /// One datagram from `fd` (blocking as the descriptor is), with the descriptors that came
    /// with it as SCM_RIGHTS, owned by the caller from now on. At most `maxBytes` of it.
    public static func receiveDatagram(_ fd: Int32, maxBytes: Int) throws(SystemError) -> (bytes: [UInt8], descriptors: [FileDescriptor]) {
        var buffer = [UInt8](repeating: 0, count: maxBytes)
        var fds = [Int32](repeating: -1, count: Int(RC_MAX_PASSED_FDS))
        var count: Int32 = 0
        let n = try syscall("recvmsg") {
            buffer.withUnsafeMutableBytes { raw in
                fds.withUnsafeMutableBufferPointer { rc_recv_with_fds(fd, raw.baseAddress, raw.count, $0.baseAddress, Int32($0.count), &count) }
            }
        }
        return (Array(buffer.prefix(n)), fds.prefix(Int(count)).map { FileDescriptor(owning: $0) })
    }

    public static func sendDatagram(_ bytes: [UInt8], toUnixPath path: String) throws(SystemError) {
        let address = try SocketAddress.unix(path)
        let fd = FileDescriptor(
            owning: try syscall("socket") {
                Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            })
        _ = try syscall("sendto(\(path))") {
            bytes.withUnsafeBytes { raw in address.withSockaddr { sendto(fd.rawValue, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL), $0, $1) } }
        }
    }
}
