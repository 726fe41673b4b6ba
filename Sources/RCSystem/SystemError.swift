import Glibc

/// A failed system call: the call's name (with what it was about, such as `connect(host)`) and
/// the errno it left. Its text is always the name and strerror, never a bare number.
public struct SystemError: Error, Equatable, CustomStringConvertible {
    /// The C function that failed, such as `"bind"` or `"connect(login.example.com)"`.
    public let call: String
    /// The errno value the call left.
    public let errno: Int32
    /// What the call itself said, for calls that report failure in their own terms (such as
    /// getaddrinfo's EAI_ codes); nil means strerror(errno) says it.
    public let reason: String?

    public init(_ call: String, errno: Int32, reason: String? = nil) {
        self.call = call
        self.errno = errno
        self.reason = reason
    }

    /// "bind: Address already in use".
    public var description: String {
        "\(call): \(reason ?? String(cString: strerror(errno)))"
    }

    /// The current `errno` attributed to `call`.
    public static func last(_ call: String) -> SystemError {
        SystemError(call, errno: Glibc.errno)
    }

    /// `call` ran out of time waiting (ETIMEDOUT): "read: Connection timed out".
    public static func timedOut(_ call: String) -> SystemError {
        SystemError(call, errno: ETIMEDOUT)
    }
}

/// The one EINTR loop: runs `body` (a libc call that returns -1 and sets errno on failure)
/// again for as long as a signal handler interrupts it, and returns the first other result,
/// with errno as the call left it. Every retry on EINTR in the Swift code goes through here;
/// C code in CShim keeps its own loops, which cannot call Swift.
@inline(__always)
public func retryingEINTR<T: FixedWidthInteger>(_ body: () -> T) -> T {
    while true {
        let result = body()
        if result != -1 || Glibc.errno != EINTR { return result }
    }
}

/// Runs a libc call that returns -1 and sets errno on failure, retrying on EINTR, and throws
/// the failure as a `SystemError` named `name`.
@inline(__always)
public func syscall<T: FixedWidthInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T {
    let result = retryingEINTR(body)
    guard result == -1 else { return result }
    let code = Glibc.errno
    throw SystemError(name(), errno: code)
}

/// Like `syscall`, but EAGAIN/EWOULDBLOCK become `nil` (nothing to read, no room to write).
@inline(__always)
public func syscallOrWouldBlock<T: FixedWidthInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws(SystemError) -> T? {
    let result = retryingEINTR(body)
    guard result == -1 else { return result }
    let code = Glibc.errno
    if code == EAGAIN || code == EWOULDBLOCK { return nil }
    throw SystemError(name(), errno: code)
}
