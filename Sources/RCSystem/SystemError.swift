import Glibc

/// A failed system call: the call's name and the errno it left.
public struct SystemError: Error, Equatable, CustomStringConvertible {
    /// The C function that failed, such as `"bind"` or `"connect"`.
    public let call: String
    /// The errno value the call left.
    public let errno: Int32

    public init(_ call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    /// "bind: Address already in use".
    public var description: String {
        "\(call): \(String(cString: strerror(errno)))"
    }

    /// The current `errno` attributed to `call`.
    public static func last(_ call: String) -> SystemError {
        SystemError(call, errno: Glibc.errno)
    }
}

/// Runs a libc call that returns -1 and sets errno on failure, retrying on EINTR.
/// Every system call in this package goes through here or `syscallOrWouldBlock`.
@inline(__always)
public func syscall<T: FixedWidthInteger>(_ name: String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = Glibc.errno
        if code == EINTR { continue }
        throw SystemError(name, errno: code)
    }
}

/// Like `syscall`, but EAGAIN/EWOULDBLOCK (and EINPROGRESS for connect) become `nil`.
@inline(__always)
public func syscallOrWouldBlock<T: FixedWidthInteger>(_ name: String, _ body: () -> T) throws(SystemError) -> T? {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = Glibc.errno
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return nil }
        throw SystemError(name, errno: code)
    }
}
