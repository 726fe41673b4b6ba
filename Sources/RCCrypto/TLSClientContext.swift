import COpenSSL
import Glibc

/// How the daemon's TLS client trusts servers: the system trust store
/// (SSL_CTX_set_default_verify_paths), or, when `caFile` is given, only the CAs in that file.
/// TLS 1.2 minimum. Verification (SSL_VERIFY_PEER) is always on and there is no switch to turn
/// it off: a private CA is trusted by naming it, never by not checking.
///
/// `@unchecked Sendable` because OpenSSL documents an SSL_CTX as safe to share between threads
/// once it is configured: SSL_new only reads it and bumps its reference count under OpenSSL's
/// own lock. Everything that changes it happens in `init`, before anyone else can see it, and
/// nothing changes it afterwards.
public final class TLSClientContext: @unchecked Sendable {
    let context: SSLContext
    /// Where trust comes from, for error messages ("the system trust store" or the file).
    let trustSource: String

    /// - Parameter caFile: a PEM file of CA certificates to trust instead of the system store.
    /// - Throws: `.configuration`, naming the file, when it is missing, unreadable, or holds no
    ///   valid certificate.
    public init(caFile: String?) throws(TLSError) {
        context = try SSLContext(server: false)
        SSL_CTX_set_verify(context.pointer, SSL_VERIFY_PEER, nil)
        OpenSSLErrorQueue.clear()
        if let caFile {
            trustSource = "ca_file \(caFile)"
            // Opening it ourselves first turns OpenSSL's generic "system lib" into the errno a
            // person can act on (no such file, permission denied).
            let fd = open(caFile, O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                let reason = String(cString: strerror(errno))
                throw TLSError(.configuration, "ca_file \(caFile): cannot open: \(reason)")
            }
            Glibc.close(fd)
            guard SSL_CTX_load_verify_file(context.pointer, caFile) == 1 else {
                throw TLSError(
                    .configuration,
                    OpenSSLErrorQueue.message("ca_file \(caFile): not a PEM file of CA certificates"))
            }
        } else {
            trustSource = "the system trust store"
            guard SSL_CTX_set_default_verify_paths(context.pointer) == 1 else {
                throw TLSError(.configuration, OpenSSLErrorQueue.message("cannot load the system trust store"))
            }
        }
    }
}
