import Glibc

/// An open file descriptor with exactly one owner, closed when the owner lets go of it.
///
/// A final class rather than a `~Copyable` struct so that it can sit in dictionaries and
/// closures; it is not `Sendable`: one thread uses it at a time, and it moves between threads
/// only through `sending` parameters.
public final class FileDescriptor {
    /// The raw descriptor, or -1 once closed.
    public private(set) var rawValue: Int32

    /// Takes ownership of `rawValue`.
    public init(owning rawValue: Int32) {
        self.rawValue = rawValue
    }

    deinit {
        if rawValue >= 0 { _ = Glibc.close(rawValue) }
    }

    /// Closes now; later calls do nothing. close(2) is not retried on EINTR: on Linux the
    /// descriptor is released either way.
    public func close() {
        if rawValue >= 0 {
            _ = Glibc.close(rawValue)
            rawValue = -1
        }
    }

    /// Gives up ownership without closing, returning the raw descriptor.
    public func release() -> Int32 {
        let fd = rawValue
        rawValue = -1
        return fd
    }

    /// fcntl(F_SETFL, O_NONBLOCK).
    public func setNonBlocking(_ on: Bool = true) throws(SystemError) {
        let flags = try syscall("fcntl") { fcntl(rawValue, F_GETFL) }
        let new = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        if new != flags { _ = try syscall("fcntl") { fcntl(rawValue, F_SETFL, new) } }
    }

    /// The outcome of one read(2) or write(2) on a non-blocking descriptor.
    public enum IOResult: Equatable {
        case bytes(Int)
        case wouldBlock
        case endOfFile
    }

    /// read(2) into `buffer`, at most `buffer.count` bytes.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult {
        guard let n = try syscallOrWouldBlock("read", { Glibc.read(rawValue, buffer.baseAddress, buffer.count) })
        else { return .wouldBlock }
        return n == 0 ? .endOfFile : .bytes(n)
    }

    /// Appends what one read(2) returns (at most `max` bytes) to `bytes`. The read lands in
    /// uninitialised scratch memory and only what arrived is copied, so a large window costs
    /// nothing when a client sends a byte at a time.
    public func read(appendingTo bytes: inout [UInt8], max: Int = 16384) throws(SystemError) -> IOResult {
        precondition(max > 0)
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max) { scratch in
            Result { () throws(SystemError) in
                let result = try read(into: UnsafeMutableRawBufferPointer(scratch))
                if case .bytes(let n) = result { bytes.append(contentsOf: scratch.prefix(n)) }
                return result
            }
        }.get()
    }

    /// send(2) with MSG_NOSIGNAL for sockets (a peer that went away gives EPIPE, never
    /// SIGPIPE), write(2) for anything else.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError) -> IOResult {
        if bytes.isEmpty { return .bytes(0) }
        let fd = rawValue
        let sent = try syscallOrWouldBlock("send") { () -> Int in
            let n = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n == -1 && Glibc.errno == ENOTSOCK {
                return Glibc.write(fd, bytes.baseAddress, bytes.count)
            }
            return n
        }
        guard let sent else { return .wouldBlock }
        return .bytes(sent)
    }

    /// write(_:) of `bytes[offset...]`.
    public func write(_ bytes: [UInt8], from offset: Int) throws(SystemError) -> IOResult {
        guard offset < bytes.count else { return .bytes(0) }
        return try bytes.withUnsafeBytes { raw in
            Result { () throws(SystemError) in try write(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
        }.get()
    }

    /// Writes all of `bytes`, waiting for the descriptor to become writable until `deadline`.
    public func writeAll(_ bytes: [UInt8], deadline: Instant) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let result = try write(bytes, from: offset)
            switch result {
            case .bytes(let n): offset += n
            case .wouldBlock, .endOfFile:
                guard try waitFor(writing: true, until: deadline) else { throw SystemError.timedOut("write") }
            }
        }
    }

    /// Waits with poll(2) until the descriptor is readable (or writable), or `deadline` passes.
    /// Returns false on time-out. Hang-up and error count as ready: the next call reports them.
    public func waitFor(writing: Bool, until deadline: Instant) throws(SystemError) -> Bool {
        while true {
            let remaining = deadline.nanoseconds - Instant.now(.monotonic).nanoseconds
            if remaining <= 0 { return false }
            var pfd = pollfd(fd: rawValue, events: Int16(writing ? POLLOUT : POLLIN), revents: 0)
            let ms = Int32(clamping: (remaining + 999_999) / 1_000_000)
            let n = try syscall("poll") { Glibc.poll(&pfd, 1, ms) }
            if n > 0 { return true }
        }
    }
}
