/// Reads one HTTP/1.x response incrementally, as a client (for the token endpoint).
///
/// Bytes are consumed as they arrive and never re-scanned, so a large body costs linear time
/// however it is split. Framing follows RFC 9112 §6.3: no body for HEAD, 204 and 304; then
/// chunked; then Content-Length; otherwise the body runs until the server closes. Interim 1xx
/// responses are skipped. Everything is bounded by `maxHead` and `maxBody`.
public struct HTTPResponseParser: Sendable {
    /// The state of the response after the bytes fed so far.
    public enum Outcome: Equatable, Sendable {
        case incomplete
        case complete(HTTPResponseMessage)
        case failed(HTTPResponseError)
    }

    private enum State: Sendable {
        case statusLine
        case headerLines
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case done(HTTPResponseMessage)
        case failed(HTTPResponseError)
    }

    /// A chunk-size line is a hex number and optional extensions; nothing legitimate is long.
    static let maxChunkSizeLine = 4096
    /// Interim responses are bounded too, so a server cannot keep the parser busy forever.
    static let maxInterimResponses = 16

    private let maxHead: Int
    private let maxBody: Int
    private let isResponseToHEAD: Bool

    private var state = State.statusLine
    private var buffer: [UInt8] = []
    /// The first byte of `buffer` not yet consumed.
    private var cursor = 0
    /// Bytes before this index (and at or after `cursor`) are known to contain no LF.
    private var scannedUpTo = 0
    /// Bytes of head (or trailer section) consumed so far, checked against `maxHead`.
    private var sectionBytes = 0
    private var interimResponses = 0

    private var status = 0
    private var reason = ""
    private var headers = HTTPHeaders()
    private var body: [UInt8] = []

    public init(maxHead: Int = 65536, maxBody: Int = 1 << 20, isResponseToHEAD: Bool = false) {
        self.maxHead = maxHead
        self.maxBody = maxBody
        self.isResponseToHEAD = isResponseToHEAD
    }

    /// Adds bytes read from the connection and parses as far as they allow.
    public mutating func feed(_ bytes: some Collection<UInt8>) {
        switch state {
        case .done, .failed: return
        default: break
        }
        buffer.append(contentsOf: bytes)
        process()
        // Drop consumed bytes once they dominate the buffer: amortised linear, never quadratic.
        if cursor > 0, cursor >= buffer.count / 2 {
            buffer.removeSubrange(0..<cursor)
            scannedUpTo -= cursor
            cursor = 0
        }
    }

    public mutating func outcome() -> Outcome {
        switch state {
        case .done(let message): .complete(message)
        case .failed(let error): .failed(error)
        default: .incomplete
        }
    }

    /// The peer closed the connection: completes a close-delimited body, or fails with
    /// `.truncated` when the response was not complete.
    public mutating func finish() -> Outcome {
        switch state {
        case .untilClose:
            state = .done(HTTPResponseMessage(status: status, reason: reason, headers: headers, body: body))
        case .done, .failed:
            break
        default:
            state = .failed(.truncated)
        }
        return outcome()
    }

    private mutating func process() {
        while true {
            switch state {
            case .done, .failed:
                return
            case .statusLine, .headerLines, .trailers:
                let budget = maxHead - sectionBytes
                guard let line = nextLine(limit: budget) else {
                    if buffer.count - cursor >= budget { fail(isTrailers ? .malformed("trailer section too large") : .headTooLarge) }
                    return
                }
                sectionBytes += line.consumed
                handleSectionLine(line.content)
            case .fixedBody(let remaining):
                let taken = takeBody(upTo: remaining)
                if taken == remaining {
                    finishMessage()
                } else {
                    state = .fixedBody(remaining: remaining - taken)
                    return
                }
            case .chunkSize:
                guard let line = nextLine(limit: Self.maxChunkSizeLine) else {
                    if buffer.count - cursor >= Self.maxChunkSizeLine { fail(.malformed("chunk size line too long")) }
                    return
                }
                handleChunkSize(line.content)
            case .chunkData(let remaining):
                let taken = takeBody(upTo: remaining)
                if taken == remaining {
                    state = .chunkDataEnd
                } else {
                    state = .chunkData(remaining: remaining - taken)
                    return
                }
            case .chunkDataEnd:
                guard let line = nextLine(limit: 2) else {
                    if buffer.count - cursor >= 2 { fail(.malformed("chunk data not followed by CRLF")) }
                    return
                }
                if line.content.isEmpty {
                    state = .chunkSize
                } else {
                    fail(.malformed("chunk data not followed by CRLF"))
                }
            case .untilClose:
                let available = buffer.count - cursor
                guard available > 0 else { return }
                guard body.count + available <= maxBody else { return fail(.bodyTooLarge) }
                body.append(contentsOf: buffer[cursor...])
                cursor = buffer.count
                scannedUpTo = cursor
                return
            }
        }
    }

    private var isTrailers: Bool {
        if case .trailers = state { return true }
        return false
    }

    private mutating func fail(_ error: HTTPResponseError) {
        state = .failed(error)
    }

    private mutating func finishMessage() {
        state = .done(HTTPResponseMessage(status: status, reason: reason, headers: headers, body: body))
    }

    /// Copies up to `limit` available bytes into the body and returns how many.
    private mutating func takeBody(upTo limit: Int) -> Int {
        let count = min(limit, buffer.count - cursor)
        body.append(contentsOf: buffer[cursor..<(cursor + count)])
        cursor += count
        scannedUpTo = max(scannedUpTo, cursor)
        return count
    }

    /// The next line without its terminator (CRLF, or a bare LF per RFC 9112 §2.2), if one
    /// ends within `limit` bytes. Bytes already searched are not searched again.
    private mutating func nextLine(limit: Int) -> (content: ArraySlice<UInt8>, consumed: Int)? {
        let searchEnd = min(buffer.count, cursor + max(limit, 0))
        let searchStart = max(scannedUpTo, cursor)
        guard searchStart < searchEnd,
            let lineFeed = buffer[searchStart..<searchEnd].firstIndex(of: HTTPGrammar.lf)
        else {
            scannedUpTo = max(searchStart, searchEnd)
            return nil
        }
        var contentEnd = lineFeed
        if contentEnd > cursor, buffer[contentEnd - 1] == HTTPGrammar.cr { contentEnd -= 1 }
        let content = buffer[cursor..<contentEnd]
        let consumed = lineFeed + 1 - cursor
        cursor = lineFeed + 1
        scannedUpTo = cursor
        return (content, consumed)
    }

    private mutating func handleSectionLine(_ line: ArraySlice<UInt8>) {
        if line.contains(HTTPGrammar.cr) { return fail(.malformed("bare CR in response head")) }
        switch state {
        case .statusLine:
            parseStatusLine(line)
        case .headerLines where line.isEmpty:
            endOfHead()
        case .trailers where line.isEmpty:
            finishMessage()
        default:
            switch HTTPFieldLine.parse(line) {
            case .success(let field):
                // Trailer fields are checked for syntax but dropped: nothing here uses them,
                // and merging them into the headers could let them override framing fields.
                if case .headerLines = state { headers.add(field.name, field.value) }
            case .failure(let problem):
                fail(.malformed(problem.reason))
            }
        }
    }

    /// status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 §4); a missing
    /// SP before an empty reason is tolerated because real servers omit it.
    private mutating func parseStatusLine(_ line: ArraySlice<UInt8>) {
        let start = line.startIndex
        guard line.count >= 12, let version = HTTPRequestParser.parseVersion(line[start..<(start + 8)]) else {
            return fail(.malformed("malformed status line"))
        }
        guard version.major == 1 else { return fail(.malformed("unsupported HTTP version")) }
        let digits = line[(start + 9)..<(start + 12)]
        guard line[start + 8] == HTTPGrammar.space, digits.allSatisfy(HTTPGrammar.isDigit) else {
            return fail(.malformed("malformed status line"))
        }
        let code = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        // RFC 9110 §15: status codes are 100 to 599.
        guard (100...599).contains(code) else { return fail(.malformed("status code out of range")) }
        var reasonBytes = line[(start + 12)...]
        if let first = reasonBytes.first {
            guard first == HTTPGrammar.space else { return fail(.malformed("malformed status line")) }
            reasonBytes = reasonBytes.dropFirst()
        }
        for byte in reasonBytes where !HTTPGrammar.isFieldValueByte(byte) {
            return fail(.malformed(HTTPFieldLine.characterReason(byte, place: "reason phrase")))
        }
        status = code
        reason = String(decoding: reasonBytes, as: UTF8.self)
        headers = HTTPHeaders()
        state = .headerLines
    }

    private mutating func endOfHead() {
        if (100...199).contains(status) {
            // A 101 would switch protocols; this client never asks for that.
            guard status != 101 else { return fail(.malformed("unexpected 101 Switching Protocols")) }
            interimResponses += 1
            guard interimResponses <= Self.maxInterimResponses else {
                return fail(.malformed("too many interim responses"))
            }
            sectionBytes = 0
            state = .statusLine
            return
        }
        // RFC 9112 §6.3 rule 1: these responses never have content, whatever the headers say.
        if isResponseToHEAD || status == 204 || status == 304 {
            return finishMessage()
        }
        let codings = headers.values("Transfer-Encoding")
        if !codings.isEmpty {
            // RFC 9112 §6.3 rule 3: Transfer-Encoding overrides Content-Length. Only a lone
            // "chunked" is accepted: other codings (gzip, ...) would need decoding we don't do.
            let list = codings.flatMap { $0.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) }
                .map { String(decoding: HTTPGrammar.trimmingOWS(ArraySlice($0)), as: UTF8.self) }
            guard list.count == 1, HTTPGrammar.asciiCaseInsensitiveEquals(list[0], "chunked") else {
                return fail(.malformed("unsupported Transfer-Encoding"))
            }
            state = .chunkSize
            return
        }
        switch ContentLength.parse(headers.values("Content-Length")) {
        case .failure(let problem):
            fail(.malformed(problem.reason))
        case .success(.some(let length)):
            guard length <= maxBody else { return fail(.bodyTooLarge) }
            if length == 0 { finishMessage() } else { state = .fixedBody(remaining: length) }
        case .success(.none):
            // RFC 9112 §6.3 rule 8: the body is delimited by the server closing the connection.
            state = .untilClose
        }
    }

    /// chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF (RFC 9112 §7.1); extensions are
    /// checked for stray control bytes and otherwise ignored (§7.1.1).
    private mutating func handleChunkSize(_ line: ArraySlice<UInt8>) {
        var index = line.startIndex
        var size = 0
        while index < line.endIndex, let digit = HTTPGrammar.hexValue(line[index]) {
            let (shifted, overflow) = size.multipliedReportingOverflow(by: 16)
            guard !overflow, shifted <= Int.max - Int(digit) else { return fail(.malformed("chunk size overflow")) }
            size = shifted + Int(digit)
            index += 1
        }
        guard index > line.startIndex else { return fail(.malformed("malformed chunk size")) }
        let rest = line[index...]
        for byte in rest where !HTTPGrammar.isFieldValueByte(byte) {
            return fail(.malformed(HTTPFieldLine.characterReason(byte, place: "chunk extension")))
        }
        let afterWhitespace = rest.drop(while: HTTPGrammar.isOWS)
        guard afterWhitespace.isEmpty || afterWhitespace.first == UInt8(ascii: ";") else {
            return fail(.malformed("malformed chunk size"))
        }
        guard size <= maxBody - body.count else { return fail(.bodyTooLarge) }
        if size == 0 {
            sectionBytes = 0
            state = .trailers
        } else {
            state = .chunkData(remaining: size)
        }
    }
}
