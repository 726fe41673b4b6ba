import COpenSSL
import Glibc
import RCSystem

/// One TLS connection over a socket it owns, with a blocking-style API and deadlines.
///
/// Underneath, the socket is non-blocking and every SSL_ERROR_WANT_READ/WANT_WRITE becomes a
/// poll on the socket until the deadline, so no call can hang past its deadline however the
/// peer behaves. Not `Sendable`: one thread uses a stream at a time (the SSL object is not
/// thread-safe).
///
/// SIGPIPE: OpenSSL's socket BIO writes with write(2), which raises SIGPIPE when the peer has
/// gone. The process must ignore SIGPIPE (the daemon does so at start; tests do so too); the
/// write then fails with EPIPE, reported as `.closed`.
public final class TLSStream {
    let ssl: OpaquePointer
    let socket: FileDescriptor
    /// Who is at the other end, for messages: the host name for a client, "a TLS client" for a server.
    let peer: String
    /// False after a fatal error, a timed-out write, or `shutdown()`. OpenSSL forbids
    /// SSL_shutdown after a fatal error, and a stream whose socket is closed must not touch it.
    var usable = true

    /// The server name (SNI) the client asked for, on the server side; nil when it sent none,
    /// which a client does for IP literals.
    public internal(set) var requestedServerName: String?

    init(context: SSLContext, socket: FileDescriptor, peer: String) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context.pointer) else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("SSL_new failed"))
        }
        // From here on the SSL has its owner: every later failure frees it in deinit.
        self.ssl = ssl
        self.socket = socket
        self.peer = peer
        do {
            try socket.setNonBlocking()
        } catch {
            throw TLSError(.io, "TLS with \(peer): \(error)")
        }
        // The socket BIO is created with BIO_NOCLOSE: the FileDescriptor stays the fd's only owner.
        guard SSL_set_fd(ssl, socket.rawValue) == 1 else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("SSL_set_fd failed"))
        }
    }

    deinit { SSL_free(ssl) }

    /// Writes all of `bytes`, or throws. A write that times out leaves the stream unusable: part
    /// of a TLS record may have gone out.
    public func write(_ bytes: [UInt8], deadline: Instant) throws(TLSError) {
        try requireUsable()
        var offset = 0
        while offset < bytes.count {
            OpenSSLErrorQueue.clear()
            var written = 0
            let rc = bytes.withUnsafeBytes { raw in
                let rest = UnsafeRawBufferPointer(rebasing: raw[offset...])
                return SSL_write_ex(ssl, rest.baseAddress, rest.count, &written)
            }
            if rc == 1 {
                offset += written
                continue
            }
            let code = SSL_get_error(ssl, rc)
            let savedErrno = errno
            switch code {
            case SSL_ERROR_WANT_WRITE: try wait(writing: true, until: deadline, doing: "writing", recoverable: false)
            case SSL_ERROR_WANT_READ: try wait(writing: false, until: deadline, doing: "writing", recoverable: false)
            default: throw failure(code: code, errno: savedErrno, doing: "writing")
            }
        }
    }

    /// Reads at most `max` bytes, waiting until some arrive or the deadline passes.
    ///
    /// Returns `[]` at the end of the stream: after the peer's close_notify, and also when the
    /// peer simply closed the TCP connection without one. Many HTTPS servers (and load balancers)
    /// do that, so OpenSSL 3's SSL_R_UNEXPECTED_EOF_WHILE_READING is switched off
    /// (SSL_OP_IGNORE_UNEXPECTED_EOF); the truncation it would guard against is caught one layer
    /// up, where HTTP's Content-Length or chunked framing says whether the body is complete.
    /// A read that times out leaves the stream usable: nothing was consumed.
    public func read(max: Int, deadline: Instant) throws(TLSError) -> [UInt8] {
        precondition(max > 0, "read(max:) needs room for at least one byte: [] means end of stream")
        try requireUsable()
        var buffer = [UInt8](repeating: 0, count: max)
        while true {
            OpenSSLErrorQueue.clear()
            var count = 0
            let rc = buffer.withUnsafeMutableBytes { SSL_read_ex(ssl, $0.baseAddress, $0.count, &count) }
            if rc == 1 {
                buffer.removeLast(max - count)
                return buffer
            }
            let code = SSL_get_error(ssl, rc)
            let savedErrno = errno
            switch code {
            case SSL_ERROR_WANT_READ: try wait(writing: false, until: deadline, doing: "reading", recoverable: true)
            case SSL_ERROR_WANT_WRITE: try wait(writing: true, until: deadline, doing: "reading", recoverable: true)
            case SSL_ERROR_ZERO_RETURN: return []
            default: throw failure(code: code, errno: savedErrno, doing: "reading")
            }
        }
    }

    /// Sends close_notify if the connection is still healthy, then closes the socket. Best
    /// effort: it does not wait for the peer's close_notify, and waits at most 100 ms for room
    /// to send ours. Later reads and writes throw `.closed`.
    public func shutdown() {
        defer {
            usable = false
            socket.close()
        }
        guard usable else { return }
        let deadline = Instant.deadline(afterSeconds: 0.1)
        for _ in 0..<2 {
            OpenSSLErrorQueue.clear()
            let rc = SSL_shutdown(ssl)
            guard rc < 0, SSL_get_error(ssl, rc) == SSL_ERROR_WANT_WRITE,
                (try? socket.waitFor(writing: true, until: deadline)) == true
            else { break }
        }
        OpenSSLErrorQueue.clear()
    }

    func requireUsable() throws(TLSError) {
        guard usable else { throw TLSError(.closed, "TLS connection with \(peer) is closed") }
    }

    /// Polls the socket until OpenSSL can make progress, turning a missed deadline into `.timeout`.
    func wait(writing: Bool, until deadline: Instant, doing what: String, recoverable: Bool) throws(TLSError) {
        let ready: Bool
        do {
            ready = try socket.waitFor(writing: writing, until: deadline)
        } catch {
            usable = false
            throw TLSError(.io, "TLS \(what) with \(peer): \(error)")
        }
        if !ready {
            if !recoverable { usable = false }
            throw TLSError(.timeout, "TLS \(what) with \(peer): timed out")
        }
    }

    /// The error for a failed SSL_read/SSL_write; the stream cannot be used afterwards.
    func failure(code: Int32, errno savedErrno: Int32, doing what: String) -> TLSError {
        usable = false
        switch code {
        case SSL_ERROR_ZERO_RETURN:
            return TLSError(.closed, "TLS \(what) with \(peer): the peer closed the connection")
        case SSL_ERROR_SYSCALL where savedErrno == EPIPE || savedErrno == ECONNRESET:
            _ = OpenSSLErrorQueue.drain()
            return TLSError(.closed, "TLS \(what) with \(peer): the peer closed the connection (\(SystemError(what, errno: savedErrno)))")
        case SSL_ERROR_SYSCALL where savedErrno != 0:
            return TLSError(.io, OpenSSLErrorQueue.message("TLS \(what) with \(peer): \(SystemError(what, errno: savedErrno))"))
        default:
            return TLSError(.io, OpenSSLErrorQueue.message("TLS \(what) with \(peer) failed"))
        }
    }
}
