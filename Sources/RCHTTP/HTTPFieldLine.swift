/// One `name: value` line of a header or trailer section (RFC 9112 §5, RFC 9110 §5), parsed the
/// same way for requests and responses.
enum HTTPFieldLine {
    /// A fixed description of what was wrong; it never quotes the input.
    struct Problem: Error, Equatable {
        var reason: String
    }

    /// Parses a line whose terminator (CRLF or LF) has already been removed.
    static func parse(_ line: ArraySlice<UInt8>) -> Result<HTTPHeaders.Field, Problem> {
        guard let first = line.first else { return .failure(Problem(reason: "empty field line")) }
        // RFC 9112 §5.2: obs-fold is deprecated; a server may reject it with 400, and we do
        // because unfolding differently from a proxy is a smuggling vector.
        if HTTPGrammar.isOWS(first) {
            return .failure(Problem(reason: "obsolete line folding in header section"))
        }
        var index = line.startIndex
        while index < line.endIndex, line[index] != HTTPGrammar.colon {
            let byte = line[index]
            if HTTPGrammar.isOWS(byte) {
                // RFC 9112 §5.1: whitespace between name and colon MUST be rejected with 400.
                return .failure(Problem(reason: "whitespace between field name and colon"))
            }
            if !HTTPGrammar.isTokenByte(byte) {
                return .failure(Problem(reason: characterReason(byte, place: "field name")))
            }
            index += 1
        }
        guard index < line.endIndex else { return .failure(Problem(reason: "field line without a colon")) }
        guard index > line.startIndex else { return .failure(Problem(reason: "empty field name")) }
        let name = String(decoding: line[line.startIndex..<index], as: UTF8.self)
        let rawValue = line[(index + 1)...]
        for byte in rawValue where !HTTPGrammar.isFieldValueByte(byte) {
            return .failure(Problem(reason: characterReason(byte, place: "field value")))
        }
        // Non-ASCII (obs-text) is decoded as UTF-8 with replacement; nothing here relies on it.
        let value = String(decoding: HTTPGrammar.trimmingOWS(rawValue), as: UTF8.self)
        return .success(HTTPHeaders.Field(name: name, value: value))
    }

    static func characterReason(_ byte: UInt8, place: String) -> String {
        switch byte {
        case HTTPGrammar.cr: "bare CR in \(place)"
        case 0: "NUL in \(place)"
        case ..<0x20, 0x7F: "control character in \(place)"
        default: "invalid character in \(place)"
        }
    }
}
