/// Percent-encoding for query strings and `application/x-www-form-urlencoded` bodies.
///
/// Everything outside RFC 3986 unreserved is escaped, and space is always %20: that form is
/// read correctly both as a URI component and as a form, whereas '+' is a literal plus in a
/// URI path and sub-delims are interpreted differently by different providers.
public enum FormEncoding {
    /// Keeps ALPHA DIGIT - . _ ~ (RFC 3986 §2.3) and writes every other UTF-8 byte as %XX.
    public static func percentEncode(_ text: String) -> String {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                bytes.append(byte)
            } else {
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// "a=b&c=d" with both sides percent-encoded, in the order given.
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { percentEncode($0.0) + "=" + percentEncode($0.1) }.joined(separator: "&")
    }

    /// RFC 3986 §2.3 unreserved characters: ALPHA, DIGIT, "-", ".", "_", "~".
    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
