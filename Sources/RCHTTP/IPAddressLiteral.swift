/// Strict parsing of IP address literals as they appear in URL hosts (RFC 3986 §3.2.2).
///
/// Only canonical dotted-decimal IPv4 is accepted (no leading zeros, no shortened forms such as
/// "127.1"), since resolvers disagree on what those mean. IPv6 zone identifiers are refused.
enum IPAddressLiteral {
    static let ipv6Loopback: [UInt8] = Array(repeating: 0, count: 15) + [1]

    /// Four decimal octets, or nil.
    static func parseIPv4(_ text: String) -> [UInt8]? {
        parseIPv4(Array(text.utf8)[...])
    }

    static func parseIPv4(_ bytes: ArraySlice<UInt8>) -> [UInt8]? {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(HTTPGrammar.isDigit) else { return nil }
            if part.count > 1, part.first == UInt8(ascii: "0") { return nil }
            let value = part.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            guard value <= 255 else { return nil }
            octets.append(UInt8(value))
        }
        return octets
    }

    /// Sixteen bytes for an RFC 4291 §2.2 text form (with at most one "::" and an optional
    /// dotted IPv4 tail), or nil.
    static func parseIPv6(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes.count <= 45 else { return nil }
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawCompression = false
        var index = 0
        if bytes.starts(with: [UInt8(ascii: ":"), UInt8(ascii: ":")]) {
            sawCompression = true
            index = 2
        } else if bytes[0] == UInt8(ascii: ":") {
            return nil
        }
        while index < bytes.count {
            let groupEnd = bytes[index...].firstIndex(of: UInt8(ascii: ":")) ?? bytes.count
            let group = bytes[index..<groupEnd]
            if groupEnd == bytes.count, group.contains(UInt8(ascii: ".")) {
                guard let v4 = parseIPv4(group) else { return nil }
                let words = [UInt16(v4[0]) << 8 | UInt16(v4[1]), UInt16(v4[2]) << 8 | UInt16(v4[3])]
                if sawCompression { tail += words } else { head += words }
                index = groupEnd
                break
            }
            guard (1...4).contains(group.count) else { return nil }
            var word: UInt16 = 0
            for byte in group {
                guard let digit = HTTPGrammar.hexValue(byte) else { return nil }
                word = word << 4 | UInt16(digit)
            }
            if sawCompression { tail.append(word) } else { head.append(word) }
            index = groupEnd
            if index < bytes.count {
                // Skip the separator; a second colon right after it is the "::" compression.
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
                    guard !sawCompression else { return nil }
                    sawCompression = true
                    index += 1
                } else if index == bytes.count {
                    return nil
                }
            }
        }
        let total = head.count + tail.count
        if sawCompression {
            guard total <= 7 else { return nil }
        } else {
            guard total == 8 else { return nil }
        }
        let words = head + Array(repeating: 0, count: 8 - total) + tail
        return words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}
