/// A strict RFC 8259 parser.
///
/// Strict because its input decides security-relevant things (token lifetimes, configuration):
/// it rejects duplicate member names, invalid UTF-8, lone surrogates, comments, trailing commas,
/// leading zeros, NaN and Infinity, and anything after the value. A leading UTF-8 byte order
/// mark is skipped, as RFC 8259 §8.1 allows.
public enum JSONParser {
    /// Parses one JSON text. `maxDepth` bounds nesting of arrays and objects, which bounds the
    /// recursion, so hostile input cannot exhaust the stack.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        var reader = JSONReader(bytes: bytes, maxDepth: maxDepth)
        return try reader.document()
    }

    /// Parses one JSON text given as a string.
    public static func parse(_ text: String, maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }
}

/// The cursor behind ``JSONParser``: a recursive descent over bytes.
struct JSONReader {
    let bytes: [UInt8]
    let maxDepth: Int
    var position = 0
    var depth = 0
    var path: [JSONPathElement] = []

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func document() throws(JSONParseError) -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        skipWhitespace()
        guard position < bytes.count else { throw failure("expected a value, found the end of the input") }
        let value = try self.value()
        skipWhitespace()
        guard position == bytes.count else { throw failure("unexpected \(describeByte()) after the value") }
        return value
    }

    private mutating func value() throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw failure("expected a value, found the end of the input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return .object(try object())
        case UInt8(ascii: "["): return .array(try array())
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("expected a value, found \(describeByte())")
        }
    }

    private mutating func object() throws(JSONParseError) -> JSONObject {
        try enterContainer()
        position += 1
        var object = JSONObject()
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            position += 1
            depth -= 1
            return object
        }
        while true {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else {
                throw failure(position < bytes.count ? "expected a member name in double quotes" : "unterminated object")
            }
            let keyOffset = position
            let key = try string()
            if object[key] != nil {
                throw failure("duplicate key \"\(key)\"", at: keyOffset, duplicateKey: key)
            }
            skipWhitespace()
            guard peek(UInt8(ascii: ":")) else { throw failure("expected ':' after the member name") }
            position += 1
            skipWhitespace()
            path.append(.key(key))
            object[key] = try value()
            path.removeLast()
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                position += 1
                skipWhitespace()
                if peek(UInt8(ascii: "}")) { throw failure("trailing comma before '}'") }
                continue
            }
            if peek(UInt8(ascii: "}")) {
                position += 1
                depth -= 1
                return object
            }
            throw failure("expected ',' or '}'")
        }
    }

    private mutating func array() throws(JSONParseError) -> [JSONValue] {
        try enterContainer()
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            position += 1
            depth -= 1
            return elements
        }
        while true {
            skipWhitespace()
            path.append(.index(elements.count))
            elements.append(try value())
            path.removeLast()
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                position += 1
                skipWhitespace()
                if peek(UInt8(ascii: "]")) { throw failure("trailing comma before ']'") }
                continue
            }
            if peek(UInt8(ascii: "]")) {
                position += 1
                depth -= 1
                return elements
            }
            throw failure("expected ',' or ']'")
        }
    }

    private mutating func enterContainer() throws(JSONParseError) {
        guard depth < maxDepth else { throw failure("nesting deeper than \(maxDepth) levels") }
        depth += 1
    }

    private mutating func literal(_ word: String) throws(JSONParseError) {
        let expected = word.utf8
        guard bytes.count - position >= expected.count,
            bytes[position..<position + expected.count].elementsEqual(expected)
        else { throw failure("expected a value, found \(describeByte())") }
        position += expected.count
    }

    private mutating func number() throws(JSONParseError) -> JSONNumber {
        guard let length = JSONNumber.syntaxLength(bytes, from: position) else {
            throw failure("malformed number")
        }
        let end = position + length
        // "01" parses as "0" followed by "1": name the real problem instead of "unexpected '1'".
        if end < bytes.count, bytes[end] >= UInt8(ascii: "0"), bytes[end] <= UInt8(ascii: "9") {
            throw failure("leading zeros are not allowed in numbers")
        }
        let text = String(decoding: bytes[position..<end], as: UTF8.self)
        position = end
        return JSONNumber(validatedText: text)
    }

    private mutating func string() throws(JSONParseError) -> String {
        let start = position
        position += 1
        var scalars = String.UnicodeScalarView()
        var runStart = position
        // Unescaped runs are validated and copied in one piece; escapes are decoded one by one.
        func flush(_ end: Int) {
            if end > runStart {
                scalars.append(contentsOf: String(decoding: bytes[runStart..<end], as: UTF8.self).unicodeScalars)
            }
        }
        while true {
            guard position < bytes.count else { throw failure("unterminated string", at: start) }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                flush(position)
                position += 1
                return String(scalars)
            case UInt8(ascii: "\\"):
                flush(position)
                scalars.append(try escape())
                runStart = position
            case 0x00..<0x20:
                throw failure("control character U+\(hex4(UInt32(byte))) must be escaped in a string")
            case 0x20..<0x80:
                position += 1
            default:
                try skipUTF8Sequence()
            }
        }
    }

    private mutating func escape() throws(JSONParseError) -> Unicode.Scalar {
        let escapeStart = position
        position += 1
        guard position < bytes.count else { throw failure("unterminated string") }
        let letter = bytes[position]
        position += 1
        switch letter {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let first = try hexQuad()
            switch first {
            case 0xD800..<0xDC00:
                guard bytes.count - position >= 2, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                else { throw failure("lone high surrogate \\u\(hex4(first))", at: escapeStart) }
                position += 2
                let second = try hexQuad()
                guard (0xDC00..<0xE000).contains(second) else {
                    throw failure("high surrogate \\u\(hex4(first)) not followed by a low surrogate", at: escapeStart)
                }
                let combined = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                guard let scalar = Unicode.Scalar(combined) else { throw failure("invalid surrogate pair", at: escapeStart) }
                return scalar
            case 0xDC00..<0xE000:
                throw failure("lone low surrogate \\u\(hex4(first))", at: escapeStart)
            default:
                guard let scalar = Unicode.Scalar(first) else { throw failure("invalid \\u escape", at: escapeStart) }
                return scalar
            }
        default:
            throw failure("invalid escape sequence", at: escapeStart)
        }
    }

    private mutating func hexQuad() throws(JSONParseError) -> UInt32 {
        guard bytes.count - position >= 4 else { throw failure("\\u needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("\\u needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// Steps over one multi-byte UTF-8 sequence, rejecting what RFC 3629 forbids: overlong
    /// forms, surrogates encoded directly, values past U+10FFFF, and truncated sequences.
    private mutating func skipUTF8Sequence() throws(JSONParseError) {
        let lead = bytes[position]
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: throw failure("invalid UTF-8")
        }
        guard bytes.count - position >= length else { throw failure("invalid UTF-8") }
        let second = bytes[position + 1]
        guard second >= lower, second <= upper else { throw failure("invalid UTF-8") }
        for offset in 2..<max(2, length) where bytes[position + offset] & 0xC0 != 0x80 {
            throw failure("invalid UTF-8")
        }
        position += length
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func peek(_ byte: UInt8) -> Bool { position < bytes.count && bytes[position] == byte }

    private func describeByte() -> String {
        guard position < bytes.count else { return "the end of the input" }
        let byte = bytes[position]
        if byte >= 0x21, byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    private func failure(_ reason: String, at offset: Int? = nil, duplicateKey: String? = nil) -> JSONParseError {
        let where_ = min(offset ?? position, bytes.count)
        var line = 1
        var column = 1
        for byte in bytes[0..<where_] {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return JSONParseError(
            offset: where_, line: line, column: column, reason: reason, path: path, duplicateKey: duplicateKey)
    }
}
