/// Base64 and base64url (RFC 4648 §4 and §5), for PKCE challenges, state values, JWT parts
/// and HTTP Basic credentials.
///
/// Decoding is strict (canonical input only: no whitespace, no stray characters, zero padding
/// bits) so that one value has exactly one encoding, which matters when encoded values are
/// compared.
public enum Base64 {
    private static let standardAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Standard alphabet, padded with '='.
    public static func encode(_ bytes: [UInt8]) -> String {
        encode(bytes, alphabet: standardAlphabet, pad: true)
    }

    /// URL-safe alphabet without padding (RFC 4648 §5; RFC 7636 §4.2 for PKCE).
    public static func encodeURL(_ bytes: [UInt8]) -> String {
        encode(bytes, alphabet: urlAlphabet, pad: false)
    }

    /// Standard alphabet; padding is required, so the length must be a multiple of 4.
    public static func decode(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard bytes.count % 4 == 0 else { return nil }
        return decode(bytes, plus: UInt8(ascii: "+"), slash: UInt8(ascii: "/"))
    }

    /// URL-safe alphabet; padding is optional but must be correct when present.
    public static func decodeURL(_ text: String) -> [UInt8]? {
        var bytes = Array(text.utf8)
        if bytes.contains(UInt8(ascii: "=")) {
            guard bytes.count % 4 == 0 else { return nil }
        } else {
            guard bytes.count % 4 != 1 else { return nil }
            bytes += Array(repeating: UInt8(ascii: "="), count: (4 - bytes.count % 4) % 4)
        }
        return decode(bytes, plus: UInt8(ascii: "-"), slash: UInt8(ascii: "_"))
    }

    private static func encode(_ bytes: [UInt8], alphabet: [UInt8], pad: Bool) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { output.append(alphabet[Int(group >> UInt32(shift) & 0x3F)]) }
            index += 3
        }
        let remaining = bytes.count - index
        if remaining > 0 {
            var group = UInt32(bytes[index]) << 16
            if remaining == 2 { group |= UInt32(bytes[index + 1]) << 8 }
            let characters = remaining + 1
            for (position, shift) in [18, 12, 6].enumerated() where position < characters {
                output.append(alphabet[Int(group >> UInt32(shift) & 0x3F)])
            }
            if pad { output += Array(repeating: UInt8(ascii: "="), count: 3 - remaining) }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes padded input (length a multiple of 4) with the given characters for 62 and 63.
    private static func decode(_ bytes: [UInt8], plus: UInt8, slash: UInt8) -> [UInt8]? {
        func value(_ byte: UInt8) -> UInt32? {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0") + 52)
            case plus: 62
            case slash: 63
            default: nil
            }
        }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count / 4 * 3)
        var index = 0
        while index < bytes.count {
            let isLast = index + 4 == bytes.count
            var padding = 0
            var group: UInt32 = 0
            for offset in 0..<4 {
                let byte = bytes[index + offset]
                if byte == UInt8(ascii: "=") {
                    // Padding only in the last group, only in its last two places, and only
                    // followed by more padding.
                    guard isLast, offset >= 2 else { return nil }
                    padding += 1
                    group <<= 6
                } else {
                    guard padding == 0, let sextet = value(byte) else { return nil }
                    group = group << 6 | sextet
                }
            }
            let decoded = [UInt8(group >> 16 & 0xFF), UInt8(group >> 8 & 0xFF), UInt8(group & 0xFF)]
            // Non-zero bits hidden under the padding would give a second encoding of the same bytes.
            if padding == 1, decoded[2] != 0 { return nil }
            if padding == 2, decoded[1] != 0 || decoded[2] != 0 { return nil }
            output += decoded.prefix(3 - padding)
            index += 4
        }
        return output
    }
}
