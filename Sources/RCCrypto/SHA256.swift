import COpenSSL

/// SHA-256 with OpenSSL's implementation, called directly rather than through EVP (see
/// `rc_sha256` in the COpenSSL shim for why).
public enum SHA256 {
    /// The 32-byte digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        let ok = bytes.withUnsafeBytes { input in
            digest.withUnsafeMutableBytes { output in
                rc_sha256(input.baseAddress, input.count, output.baseAddress?.assumingMemoryBound(to: UInt8.self))
            }
        }
        // SHA256_Init/Update/Final only compute; they have no way to fail here.
        precondition(ok == 1, "SHA-256 failed")
        return digest
    }

    /// The digest of a string's UTF-8 bytes.
    public static func hash(_ text: String) -> [UInt8] { hash(Array(text.utf8)) }
}

/// SHA-1, only for certificate thumbprints that a peer asks for by it (JOSE's `x5t`, which AD
/// FS takes): never for anything that must resist collisions.
public enum SHA1 {
    /// The 20-byte digest of `bytes`.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 20)
        let ok = bytes.withUnsafeBytes { input in
            digest.withUnsafeMutableBytes { output in
                rc_sha1(input.baseAddress, input.count, output.baseAddress?.assumingMemoryBound(to: UInt8.self))
            }
        }
        precondition(ok == 1, "SHA-1 failed")
        return digest
    }
}
