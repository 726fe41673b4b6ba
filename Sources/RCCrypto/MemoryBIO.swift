import COpenSSL

/// An owned in-memory BIO: how PEM text goes into and comes out of OpenSSL without files.
///
/// The BIO copies what is written to it, so nothing here depends on a Swift buffer staying put
/// (BIO_new_mem_buf would borrow the caller's bytes for the BIO's whole life).
final class MemoryBIO {
    let pointer: OpaquePointer

    init() throws(TLSError) {
        guard let bio = BIO_new(BIO_s_mem()) else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("BIO_new failed: out of memory"))
        }
        pointer = bio
    }

    /// A BIO holding `text`, ready to be read from.
    convenience init(text: String) throws(TLSError) {
        try self.init()
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { BIO_write(pointer, $0.baseAddress, Int32(clamping: $0.count)) }
        guard written == bytes.count || bytes.isEmpty else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("BIO_write failed"))
        }
    }

    deinit { BIO_free(pointer) }

    /// Everything written to the BIO and not yet read, as text (PEM is ASCII).
    func readAll() -> String {
        let pending = Int(BIO_ctrl_pending(pointer))
        var bytes = [UInt8](repeating: 0, count: pending)
        let n = bytes.withUnsafeMutableBytes { BIO_read(pointer, $0.baseAddress, Int32(clamping: $0.count)) }
        return String(decoding: bytes.prefix(max(Int(n), 0)), as: UTF8.self)
    }
}
