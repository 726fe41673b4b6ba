/// Decoding of `application/x-www-form-urlencoded` bodies, query strings and percent-encoded
/// paths.
///
/// Decoding is strict: a malformed escape, invalid UTF-8 or a control character is an error
/// rather than something silently repaired, because the values (state, code, error_description)
/// are compared, logged and shown, and a repaired value is one the sender did not send.
public enum FormDecoding {
    /// Decodes `name=value&...` pairs: split on '&', name and value on the first '=', '+' is a
    /// space, %XX strict. Empty segments are skipped; a name without '=' gets the value "".
    /// `allowingLineBreaks` lets tab, CR and LF through (a provider's `error_description` may
    /// span lines; the page escapes it and the log flattens it); every other control
    /// character, NUL included, is still an error.
    public static func decode(
        _ text: String, maxPairs: Int = 256, allowingLineBreaks: Bool = false
    ) throws(FormDecodingError) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for segment in text.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            guard pairs.count < maxPairs else { throw .tooManyPairs }
            let name: Substring.UTF8View.SubSequence
            let value: Substring.UTF8View.SubSequence
            if let equals = segment.firstIndex(of: UInt8(ascii: "=")) {
                name = segment[..<equals]
                value = segment[segment.index(after: equals)...]
            } else {
                name = segment
                value = segment[segment.endIndex...]
            }
            pairs.append(
                (
                    name: try decodeComponent(name, plusIsSpace: true, allowingLineBreaks: false),
                    value: try decodeComponent(value, plusIsSpace: true, allowingLineBreaks: allowingLineBreaks)
                ))
        }
        return pairs
    }

    /// Decodes %XX escapes for a path segment; '+' stays '+' (it is only a space in forms).
    public static func percentDecode(_ text: String) throws(FormDecodingError) -> String {
        try decodeComponent(text.utf8[...], plusIsSpace: false, allowingLineBreaks: false)
    }

    private static func decodeComponent(
        _ encoded: some Collection<UInt8>, plusIsSpace: Bool, allowingLineBreaks: Bool
    ) throws(FormDecodingError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.count)
        var iterator = encoded.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(HTTPGrammar.hexValue),
                    let low = iterator.next().flatMap(HTTPGrammar.hexValue)
                else { throw .badPercentEscape }
                bytes.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
        // General category Cc covers C0 (NUL, CR, LF, ...), DEL and the C1 controls.
        let isForbidden = { (scalar: Unicode.Scalar) -> Bool in
            guard scalar.properties.generalCategory == .control else { return false }
            return !(allowingLineBreaks && (scalar == "\t" || scalar == "\n" || scalar == "\r"))
        }
        if decoded.unicodeScalars.contains(where: isForbidden) {
            throw .controlCharacter
        }
        return decoded
    }
}
