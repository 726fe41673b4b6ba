import Glibc
import RCSystem

/// A connected byte stream with deadlines, plain TCP or TLS, so that HTTP over either (the
/// token endpoint client, the test provider and its client) is written once.
public protocol ByteChannel: AnyObject {
    /// Up to `max` bytes; [] at end of stream. Throws when `deadline` passes first.
    func read(max: Int, deadline: Instant) throws -> [UInt8]
    func write(_ bytes: [UInt8], deadline: Instant) throws
    /// An orderly close (TLS close_notify where there is one).
    func close()
    /// Closes with a TCP reset and no reply, as a provider that has gone away would.
    func abort()
}

/// Plain TCP.
public final class PlainChannel: ByteChannel {
    private let socket: FileDescriptor

    public init(_ socket: FileDescriptor) { self.socket = socket }

    public func read(max: Int, deadline: Instant) throws -> [UInt8] {
        var bytes: [UInt8] = []
        while true {
            switch try socket.read(appendingTo: &bytes, max: max) {
            case .bytes: return bytes
            case .endOfFile: return []
            case .wouldBlock:
                guard try socket.waitFor(writing: false, until: deadline) else {
                    throw SystemError.timedOut("read")
                }
            }
        }
    }

    public func write(_ bytes: [UInt8], deadline: Instant) throws {
        try socket.writeAll(bytes, deadline: deadline)
    }

    public func close() {
        // Half-close first so the peer reads the whole reply before it sees the end.
        _ = Glibc.shutdown(socket.rawValue, Int32(SHUT_WR))
        socket.close()
    }

    public func abort() {
        Linger.resetOnClose(socket.rawValue)
        socket.close()
    }
}

/// TLS over a socket whose raw number is kept only to reset it on `abort()`.
public final class TLSChannel: ByteChannel {
    private var stream: TLSStream?
    private let rawSocket: Int32

    public init(_ stream: TLSStream, rawSocket: Int32) {
        self.stream = stream
        self.rawSocket = rawSocket
    }

    public func read(max: Int, deadline: Instant) throws -> [UInt8] {
        guard let stream else { return [] }
        return try stream.read(max: max, deadline: deadline)
    }

    public func write(_ bytes: [UInt8], deadline: Instant) throws {
        guard let stream else { throw SystemError("write", errno: EPIPE) }
        try stream.write(bytes, deadline: deadline)
    }

    public func close() {
        stream?.shutdown()
        stream = nil
    }

    public func abort() {
        // No close_notify: dropping the stream frees the SSL and closes the descriptor it
        // owns, and linger 0 turns that close into a reset.
        Linger.resetOnClose(rawSocket)
        stream = nil
    }
}

/// SO_LINGER with a zero timeout: close(2) then sends RST instead of FIN.
public enum Linger {
    public static func resetOnClose(_ socket: Int32) {
        var option = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(socket, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    }
}
