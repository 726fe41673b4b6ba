import COpenSSL

extension X509Certificate {
    /// The certificate's DER encoding (i2d_X509), the bytes its thumbprints are taken over.
    func der() throws(TLSError) -> [UInt8] {
        let length = i2d_X509(pointer, nil)
        guard length > 0 else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("i2d_X509 failed"))
        }
        var bytes = [UInt8](repeating: 0, count: Int(length))
        let written = bytes.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return i2d_X509(pointer, &cursor)
        }
        guard written == length else {
            throw TLSError(.configuration, OpenSSLErrorQueue.message("i2d_X509 failed"))
        }
        return bytes
    }

    /// notAfter as OpenSSL prints it ("Jan  2 03:04:05 2027 GMT").
    var notAfterText: String {
        guard let bio = try? MemoryBIO(), ASN1_TIME_print(bio.pointer, X509_get0_notAfter(pointer)) == 1 else {
            return "an unreadable date"
        }
        return bio.readAll()
    }
}
