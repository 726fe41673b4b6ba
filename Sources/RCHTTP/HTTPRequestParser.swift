/// Parses the head of an HTTP/1.1 request from the bytes received so far on a connection.
///
/// The parser keeps no state between calls: the caller appends what it reads and calls again,
/// which keeps the connection code trivial and makes chunked feeding agree with whole feeding
/// by construction. Heads are bounded by ``Limits``, so re-scanning costs little. It is strict
/// where leniency has been used for request smuggling, and fails as early as the bytes allow so
/// that a hostile or confused peer (a TLS client, an HTTP/2 client) is turned away at once.
public struct HTTPRequestParser: Sendable {
    /// Size limits; exceeding one fails the request with the matching status.
    public struct Limits: Sendable {
        /// The request line including its CRLF. RFC 9112 §3 recommends supporting at least
        /// 8000 octets; exceeding it gives 414 (RFC 9112 §3).
        public var requestLine = 8192
        /// The header section including the empty line that ends it; exceeding it gives 431
        /// (RFC 6585 §5).
        public var headerSection = 16384
        /// The number of field lines; more gives 431.
        public var headerCount = 64
        /// Empty lines tolerated before the request line (RFC 9112 §2.2 asks servers to ignore
        /// at least one, left over from a previous body's CRLF).
        public var leadingEmptyLines = 2

        public init(requestLine: Int = 8192, headerSection: Int = 16384, headerCount: Int = 64, leadingEmptyLines: Int = 2) {
            self.requestLine = requestLine
            self.headerSection = headerSection
            self.headerCount = headerCount
            self.leadingEmptyLines = leadingEmptyLines
        }

        public static let standard = Limits()
    }

    /// The result of looking at the bytes received so far.
    public enum Outcome: Equatable, Sendable {
        /// The head is not complete yet and nothing seen so far is wrong: read more.
        case incomplete
        /// A valid head; the body (if any) starts at `headLength` in the bytes given.
        case complete(HTTPRequestHead, headLength: Int)
        /// The request must be refused with the error's status; the connection should be closed.
        case failed(HTTPRequestError)
    }

    public let limits: Limits

    public init(limits: Limits = .standard) {
        self.limits = limits
    }

    /// Looks at all bytes received so far on a connection (the caller appends and calls again).
    public func parse(_ bytes: [UInt8]) -> Outcome {
        parse(bytes[...])
    }

    /// Looks at all bytes received so far; `headLength` counts from the slice's start.
    public func parse(_ bytes: ArraySlice<UInt8>) -> Outcome {
        switch parseHead(bytes) {
        case .success(let result): return result
        case .failure(let error): return .failed(error)
        }
    }

    /// Looks at all bytes received so far, for callers that read into a raw buffer.
    public func parse(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        parse(Array(bytes)[...])
    }

    private func parseHead(_ bytes: ArraySlice<UInt8>) -> Result<Outcome, HTTPRequestError> {
        let start = bytes.startIndex
        let end = bytes.endIndex
        var position = start

        var emptyLines = 0
        while position < end, bytes[position] == HTTPGrammar.cr || bytes[position] == HTTPGrammar.lf {
            if bytes[position] == HTTPGrammar.cr {
                guard position + 1 < end else { return .success(.incomplete) }
                guard bytes[position + 1] == HTTPGrammar.lf else {
                    return .failure(.badRequest("bare CR before the request line"))
                }
                position += 2
            } else {
                position += 1
            }
            emptyLines += 1
            guard emptyLines <= limits.leadingEmptyLines else {
                return .failure(.badRequest("too many empty lines before the request line"))
            }
        }
        guard position < end else { return .success(.incomplete) }

        // Fail fast on obvious non-HTTP so the peer is not left waiting for a timeout.
        let first = bytes[position]
        if first == 0x16 { return .failure(.badRequest("TLS handshake on a plain HTTP port")) }
        guard HTTPGrammar.isTokenByte(first) else { return .failure(.badRequest("not an HTTP request")) }

        let lineStart = position
        guard let lineFeed = firstLineFeed(in: bytes, from: lineStart, within: limits.requestLine) else {
            // RFC 9112 §3: a request line over the limit gets 414; say so as soon as the limit
            // is reached instead of waiting for a CRLF that may never come.
            // Garbage within the limit is reported first, so the answer does not depend on how
            // the bytes were split across reads.
            let window = bytes[lineStart..<min(end, lineStart + limits.requestLine)]
            if case .failure(let error) = parseRequestLine(window, isComplete: false) {
                return .failure(error)
            }
            if end - lineStart >= limits.requestLine { return .failure(.uriTooLong) }
            return .success(.incomplete)
        }
        let requestLine: ParsedRequestLine
        switch parseRequestLine(lineContent(bytes, from: lineStart, lineFeed: lineFeed), isComplete: true) {
        case .success(let parsed?): requestLine = parsed
        case .success(nil): return .failure(.badRequest("malformed request line"))
        case .failure(let error): return .failure(error)
        }

        let sectionStart = lineFeed + 1
        var lineBegin = sectionStart
        var headers = HTTPHeaders()
        while true {
            let remaining = limits.headerSection - (lineBegin - sectionStart)
            guard remaining > 0, let fieldLineFeed = firstLineFeed(in: bytes, from: lineBegin, within: remaining)
            else {
                if end - sectionStart >= limits.headerSection { return .failure(.headersTooLarge) }
                return .success(.incomplete)
            }
            let content = lineContent(bytes, from: lineBegin, lineFeed: fieldLineFeed)
            lineBegin = fieldLineFeed + 1
            if content.isEmpty { break }
            if content.contains(HTTPGrammar.cr) { return .failure(.badRequest("bare CR in header section")) }
            switch HTTPFieldLine.parse(content) {
            case .success(let field): headers.add(field.name, field.value)
            case .failure(let problem): return .failure(.badRequest(problem.reason))
            }
            guard headers.count <= limits.headerCount else { return .failure(.headersTooLarge) }
        }

        let head = HTTPRequestHead(
            method: requestLine.method, target: requestLine.target, version: requestLine.version, headers: headers)
        let hosts = head.headers.values("Host")
        // RFC 9112 §3.2: a server MUST respond 400 to an HTTP/1.1 request without Host, or with
        // more than one Host field line.
        if hosts.count > 1 { return .failure(.badRequest("more than one Host header")) }
        if hosts.isEmpty, head.version == .http1_1 { return .failure(.badRequest("missing Host header")) }
        // Refuse bad framing here too, so a complete head always has a usable body length.
        do {
            _ = try head.bodyLength()
        } catch {
            return .failure(error)
        }
        return .success(.complete(head, headLength: lineBegin - start))
    }

    /// The index of the first LF at or after `from` among the next `within` bytes.
    private func firstLineFeed(in bytes: ArraySlice<UInt8>, from: Int, within: Int) -> Int? {
        let limit = min(bytes.endIndex, from + within)
        guard from < limit else { return nil }
        return bytes[from..<limit].firstIndex(of: HTTPGrammar.lf)
    }

    /// The line without its terminator; RFC 9112 §2.2 lets a recipient accept a bare LF.
    private func lineContent(_ bytes: ArraySlice<UInt8>, from: Int, lineFeed: Int) -> ArraySlice<UInt8> {
        var contentEnd = lineFeed
        if contentEnd > from, bytes[contentEnd - 1] == HTTPGrammar.cr { contentEnd -= 1 }
        return bytes[from..<contentEnd]
    }

    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3), with exactly
    /// one SP between parts: lenient whitespace parsing is a known desynchronisation vector.
    ///
    /// With `isComplete` false the line is still arriving: the same checks run in the same
    /// order, so garbage fails before any CRLF and with the error a complete line would give,
    /// and nil means "nothing wrong yet".
    private func parseRequestLine(
        _ line: ArraySlice<UInt8>, isComplete: Bool
    ) -> Result<ParsedRequestLine?, HTTPRequestError> {
        let malformed = HTTPRequestError.badRequest("malformed request line")
        var line = line
        // An unfinished line may end in the CR of its CRLF.
        if !isComplete, line.last == HTTPGrammar.cr { line = line.dropLast() }
        var index = line.startIndex
        while index < line.endIndex, line[index] != HTTPGrammar.space {
            let byte = line[index]
            if !HTTPGrammar.isTokenByte(byte) {
                return .failure(.badRequest(HTTPFieldLine.characterReason(byte, place: "method")))
            }
            index += 1
        }
        let method = line[line.startIndex..<index]
        guard index < line.endIndex else { return isComplete ? .failure(malformed) : .success(nil) }
        index += 1

        let targetStart = index
        while index < line.endIndex, line[index] != HTTPGrammar.space {
            let byte = line[index]
            if !HTTPGrammar.isVisible(byte) {
                let reason =
                    byte >= 0x80
                    ? "non-ASCII byte in request target" : HTTPFieldLine.characterReason(byte, place: "request line")
                return .failure(.badRequest(reason))
            }
            index += 1
        }
        let target = line[targetStart..<index]
        guard index < line.endIndex else { return isComplete ? .failure(malformed) : .success(nil) }
        guard !target.isEmpty else { return .failure(malformed) }
        index += 1

        let versionBytes = line[index...]
        for byte in versionBytes where !HTTPGrammar.isVisible(byte) {
            let reason =
                byte == HTTPGrammar.space ? "malformed request line" : HTTPFieldLine.characterReason(byte, place: "request line")
            return .failure(.badRequest(reason))
        }
        guard isComplete else { return .success(nil) }
        guard let version = Self.parseVersion(versionBytes) else {
            return .failure(.badRequest("malformed HTTP version"))
        }
        // RFC 9110 §6.2 / §15.6.6: a server may refuse a major version it does not implement
        // with 505. HTTP/2 arrives here as its connection preface "PRI * HTTP/2.0".
        guard version == .http1_1 || version == .http1_0 else { return .failure(.versionNotSupported) }
        return .success(
            ParsedRequestLine(
                method: String(decoding: method, as: UTF8.self), target: String(decoding: target, as: UTF8.self),
                version: version))
    }

    private struct ParsedRequestLine {
        var method: String
        var target: String
        var version: HTTPVersion
    }

    /// HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3); the name is case-sensitive.
    static func parseVersion(_ bytes: ArraySlice<UInt8>) -> HTTPVersion? {
        let expected: [UInt8] = Array("HTTP/".utf8)
        guard bytes.count == 8, bytes.prefix(5).elementsEqual(expected) else { return nil }
        let major = bytes[bytes.startIndex + 5]
        let dot = bytes[bytes.startIndex + 6]
        let minor = bytes[bytes.startIndex + 7]
        guard HTTPGrammar.isDigit(major), dot == UInt8(ascii: "."), HTTPGrammar.isDigit(minor) else { return nil }
        return HTTPVersion(major: Int(major - UInt8(ascii: "0")), minor: Int(minor - UInt8(ascii: "0")))
    }
}
