import RCCrypto

/// HMAC-SHA256 (RFC 2104) built on `SHA256.hash`, for signing the test provider's id_tokens.
///
/// Package.swift does not let this module import COpenSSL, and the construction is short enough
/// that writing it out is cheaper than widening RCCrypto's surface for a test-only need.
enum HMACSHA256 {
    /// SHA-256 processes 64-byte blocks; RFC 2104 pads or hashes the key to that size.
    private static let blockSize = 64

    static func authenticate(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        var block = key.count > blockSize ? SHA256.hash(key) : key
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        let inner = SHA256.hash(block.map { $0 ^ 0x36 } + message)
        return SHA256.hash(block.map { $0 ^ 0x5c } + inner)
    }
}
