import RCHTTP
import Testing

@Suite struct HTTPRequestParserTests {
    let parser = HTTPRequestParser()

    func expectFailure(
        _ text: String, _ expected: HTTPRequestError, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let input = bytes(text)
        #expect(parser.parse(input) == .failed(expected), sourceLocation: sourceLocation)
        #expect(parseIncrementally(input) == .failed(expected), sourceLocation: sourceLocation)
    }

    func expectStatus(_ text: String, _ status: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        let input = bytes(text)
        guard case .failed(let error) = parser.parse(input) else {
            Issue.record("expected failure \(status), got \(parser.parse(input))", sourceLocation: sourceLocation)
            return
        }
        #expect(error.status == status, sourceLocation: sourceLocation)
        #expect(parseIncrementally(input) == .failed(error), sourceLocation: sourceLocation)
    }

    @Test func simpleGet() throws {
        let text = "GET /callback?code=abc&state=xyz HTTP/1.1\r\nHost: localhost:8400\r\nUser-Agent: test\r\n\r\n"
        let outcome = parser.parse(bytes(text))
        guard case .complete(let head, let length) = outcome else {
            Issue.record("not complete: \(outcome)")
            return
        }
        #expect(length == text.utf8.count)
        #expect(head.method == "GET")
        #expect(head.target == "/callback?code=abc&state=xyz")
        #expect(head.version == .http1_1)
        #expect(head.headers["host"] == "localhost:8400")
        #expect(head.headers["USER-AGENT"] == "test")
        #expect(try head.bodyLength() == 0)
    }

    @Test func postWithBody() throws {
        let headText = "POST /callback HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\n"
        let input = bytes(headText + "code=a&st=b")
        guard case .complete(let head, let length) = parser.parse(input) else {
            Issue.record("not complete")
            return
        }
        #expect(length == headText.utf8.count)
        #expect(head.method == "POST")
        #expect(try head.bodyLength() == 11)
        #expect(Array(input[length...]) == bytes("code=a&st=b"))
    }

    @Test func headAndMethodCaseKept() {
        let outcome = parser.parse(bytes("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(head(outcome)?.method == "HEAD")
        #expect(head(parser.parse(bytes("get / HTTP/1.1\r\nHost: x\r\n\r\n")))?.method == "get")
    }

    @Test func repeatedHeadersKeptInOrder() {
        let outcome = parser.parse(bytes("GET / HTTP/1.1\r\nHost: x\r\nAccept: a\r\nX-A: 1\r\naccept: b\r\n\r\n"))
        let headers = head(outcome)?.headers
        #expect(headers?.values("Accept") == ["a", "b"])
        #expect(headers?["Accept"] == "a")
        #expect(headers?.count == 4)
        #expect(headers.map { Array($0).map(\.name) } == ["Host", "Accept", "X-A", "accept"])
    }

    @Test func valueWhitespaceTrimmed() {
        let outcome = parser.parse(bytes("GET / HTTP/1.1\r\nHost:\t x \t\r\nX-Empty:\r\nX-Inner: a  b\r\n\r\n"))
        #expect(head(outcome)?.headers["Host"] == "x")
        #expect(head(outcome)?.headers["X-Empty"] == "")
        #expect(head(outcome)?.headers["X-Inner"] == "a  b")
    }

    @Test func incompleteUntilEmptyLine() {
        let text = "GET / HTTP/1.1\r\nHost: x\r\n"
        for end in 0...text.utf8.count {
            #expect(parser.parse(Array(bytes(text)[..<end])) == .incomplete)
        }
    }

    @Test func byteByByteMatchesWhole() {
        let samples = [
            "GET /a?b=c HTTP/1.1\r\nHost: localhost:8400\r\nAccept: */*\r\n\r\n",
            "\r\nPOST /callback HTTP/1.1\r\nHost: l\r\nContent-Length: 3\r\n\r\nabc",
            "GET / HTTP/1.0\n\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
            "GET /\0 HTTP/1.1\r\n",
            "GE\rT / HTTP/1.1\r\n\r\n",
            "GET  / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1 \r\n\r\n",
        ]
        for sample in samples {
            let input = bytes(sample)
            #expect(parseIncrementally(input) == parser.parse(input), "\(sample.debugDescription)")
        }
    }

    @Test func http10WithoutHostAccepted() {
        let outcome = parser.parse(bytes("GET /callback HTTP/1.0\r\n\r\n"))
        #expect(head(outcome)?.version == .http1_0)
    }

    @Test func bareLineFeedsAccepted() {
        let outcome = parser.parse(bytes("GET / HTTP/1.1\nHost: x\n\n"))
        #expect(head(outcome)?.headers["Host"] == "x")
    }

    @Test func leadingEmptyLinesIgnoredUpToLimit() {
        let text = "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"
        guard case .complete(_, let length) = parser.parse(bytes(text)) else {
            Issue.record("not complete")
            return
        }
        #expect(length == text.utf8.count)
        expectStatus("\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 400)
    }

    @Test func pipelinedRequestsHeadLengthStopsAtFirst() {
        let first = "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
        let second = "GET /two HTTP/1.1\r\nHost: x\r\n\r\n"
        let input = bytes(first + second)
        guard case .complete(let head, let length) = parser.parse(input) else {
            Issue.record("not complete")
            return
        }
        #expect(head.target == "/one")
        #expect(length == first.utf8.count)
        guard case .complete(let next, let nextLength) = parser.parse(input[length...]) else {
            Issue.record("second not complete")
            return
        }
        #expect(next.target == "/two")
        #expect(nextLength == second.utf8.count)
    }

    @Test func absoluteFormTargetKeptRaw() throws {
        let outcome = parser.parse(bytes("GET http://localhost:8400/callback?x=1 HTTP/1.1\r\nHost: localhost:8400\r\n\r\n"))
        let target = try RequestTarget.parse(head(outcome)?.target ?? "")
        #expect(target == RequestTarget(path: "/callback", query: "x=1", authority: "localhost:8400"))
    }

    @Test func missingHostOnHTTP11() {
        expectFailure("GET / HTTP/1.1\r\n\r\n", .badRequest("missing Host header"))
    }

    @Test func duplicateHost() {
        expectFailure("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", .badRequest("more than one Host header"))
        expectStatus("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", 400)
    }

    @Test func contentLengthRules() {
        expectStatus("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400)
        expectStatus("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 6\r\n\r\n", 400)
        expectStatus("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400)
        expectStatus("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\n", 400)
        expectStatus("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n", 400)
        expectStatus("POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", 400)
        expectStatus("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n", 400)
        expectStatus("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2147483648\r\n\r\n", 400)
        expectStatus("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999999\r\n\r\n", 400)
        let same = parser.parse(bytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5, 5\r\n\r\n"))
        #expect((try? head(same)?.bodyLength()) == 5)
        let max = parser.parse(bytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2147483647\r\n\r\n"))
        #expect((try? head(max)?.bodyLength()) == 2_147_483_647)
    }

    @Test func transferEncodingRefused() {
        expectFailure(
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
            .badRequest("both Transfer-Encoding and Content-Length"))
        expectStatus("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 501)
        expectStatus("POST / HTTP/1.1\r\nHost: x\r\ntransfer-encoding: gzip, chunked\r\n\r\n", 501)
    }

    @Test func bodyLengthOnConstructedHead() {
        var headers = HTTPHeaders([("Content-Length", "12")])
        var head = HTTPRequestHead(method: "POST", target: "/", version: .http1_1, headers: headers)
        #expect(throws: Never.self) { try head.bodyLength() }
        headers.add("Transfer-Encoding", "chunked")
        head.headers = headers
        #expect(throws: HTTPRequestError.badRequest("both Transfer-Encoding and Content-Length")) {
            try head.bodyLength()
        }
    }

    @Test func bareCRRefused() {
        expectStatus("GET / HTTP/1.1\rHost: x\r\n\r\n", 400)
        expectStatus("GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400)
        expectStatus("GET / HTTP/1.1\r\nHost: x\r\n\r\r\n", 400)
        expectStatus("GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n", 400)
        expectStatus("\rGET / HTTP/1.1\r\nHost: x\r\n\r\n", 400)
    }

    @Test func nulAndControlCharactersRefused() {
        expectFailure("GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n", .badRequest("NUL in request line"))
        expectFailure("GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n", .badRequest("NUL in field value"))
        expectFailure("GET / HTTP/1.1\r\nHost: x\u{1}\r\n\r\n", .badRequest("control character in field value"))
        expectStatus("GET / HTTP/1.1\r\nX: \u{7F}\r\nHost: x\r\n\r\n", 400)
        expectStatus("GET /caf\u{E9} HTTP/1.1\r\nHost: x\r\n\r\n", 400)
    }

    @Test func controlCharacterInPartialRequestLineFailsEarly() {
        #expect(parser.parse(bytes("GET /\0")) == .failed(.badRequest("NUL in request line")))
        #expect(parser.parse(bytes("GE\u{1}")) == .failed(.badRequest("control character in method")))
        #expect(parser.parse(bytes("GET / HTTP/1.1\r")) == .incomplete)
    }

    @Test func obsFoldRefused() {
        expectFailure(
            "GET / HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n  continued\r\n\r\n",
            .badRequest("obsolete line folding in header section"))
        expectStatus("GET / HTTP/1.1\r\n\tHost: x\r\n\r\n", 400)
    }

    @Test func whitespaceBeforeColonRefused() {
        expectFailure("GET / HTTP/1.1\r\nHost : x\r\n\r\n", .badRequest("whitespace between field name and colon"))
        expectStatus("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", 400)
    }

    @Test func badFieldNamesRefused() {
        expectStatus("GET / HTTP/1.1\r\nHost: x\r\n: empty\r\n\r\n", 400)
        expectStatus("GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", 400)
        expectStatus("GET / HTTP/1.1\r\nHost: x\r\nBad(name): y\r\n\r\n", 400)
        expectStatus("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400)
    }

    @Test func requestLineShape() {
        expectStatus("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400)
        expectStatus("GET / HTTP/1.1 \r\nHost: x\r\n\r\n", 400)
        expectStatus("GET /  HTTP/1.1\r\nHost: x\r\n\r\n", 400)
        expectStatus("GET /\r\nHost: x\r\n\r\n", 400)
        expectStatus("GET\r\n\r\n", 400)
        expectStatus("G@T / HTTP/1.1\r\nHost: x\r\n\r\n", 400)
        expectStatus("GET / http/1.1\r\nHost: x\r\n\r\n", 400)
        expectStatus("GET / HTTP/1.10\r\nHost: x\r\n\r\n", 400)
        expectStatus("GET / HTTP/1\r\nHost: x\r\n\r\n", 400)
        expectStatus("GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", 400)
    }

    @Test func otherVersions() {
        expectFailure("GET / HTTP/2.0\r\nHost: x\r\n\r\n", .versionNotSupported)
        expectFailure("GET / HTTP/1.2\r\nHost: x\r\n\r\n", .versionNotSupported)
        expectFailure("GET / HTTP/0.9\r\n\r\n", .versionNotSupported)
        // The HTTP/2 connection preface fails on its request line, before the rest arrives.
        expectFailure("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", .versionNotSupported)
        #expect(parser.parse(bytes("PRI * HTTP/2.0\r\n")) == .failed(.versionNotSupported))
        #expect(HTTPRequestError.versionNotSupported.status == 505)
    }

    @Test func tlsClientHelloFailsOnFirstByte() {
        let clientHello: [UInt8] = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03]
        #expect(parser.parse([0x16]) == .failed(.badRequest("TLS handshake on a plain HTTP port")))
        #expect(parser.parse(clientHello) == .failed(.badRequest("TLS handshake on a plain HTTP port")))
    }

    @Test func nonTokenFirstByteFailsImmediately() {
        for first: UInt8 in [0x00, 0x01, 0x20, 0x80, 0xFF, UInt8(ascii: "("), UInt8(ascii: "{"), UInt8(ascii: "/")] {
            guard case .failed(let error) = parser.parse([first]) else {
                Issue.record("byte \(first) not refused at once")
                continue
            }
            #expect(error.status == 400)
        }
        #expect(parser.parse([]) == .incomplete)
        #expect(parser.parse(bytes("\r")) == .incomplete)
        #expect(parser.parse(bytes("G")) == .incomplete)
    }

    @Test func longRequestLineFailsBeforeCRLF() {
        let limits = HTTPRequestParser.Limits.standard
        let prefix = bytes("GET /") + Array(repeating: UInt8(ascii: "a"), count: limits.requestLine - 6)
        #expect(parser.parse(prefix) == .incomplete)
        #expect(parser.parse(prefix + bytes("a")) == .failed(.uriTooLong))
        // Exactly at the limit including CRLF is still fine.
        let fits = bytes("GET /") + Array(repeating: UInt8(ascii: "a"), count: limits.requestLine - 16) + bytes(" HTTP/1.1\r\n")
        #expect(fits.count == limits.requestLine)
        #expect(head(parser.parse(fits + bytes("Host: x\r\n\r\n"))) != nil)
        #expect(parser.parse(fits.dropLast(2) + bytes("a\r\n")) == .failed(.uriTooLong))
        #expect(HTTPRequestError.uriTooLong.status == 414)
    }

    @Test func hugeHeaderSectionFailsBeforeEnd() {
        var input = bytes("GET / HTTP/1.1\r\nHost: x\r\nX-Big: ")
        input += Array(repeating: UInt8(ascii: "b"), count: 20000)
        #expect(parser.parse(input) == .failed(.headersTooLarge))
        #expect(HTTPRequestError.headersTooLarge.status == 431)
        var many = "GET / HTTP/1.1\r\nHost: x\r\n"
        for index in 0..<300 { many += "X-\(index): \(String(repeating: "v", count: 60))\r\n" }
        expectFailure(many + "\r\n", .headersTooLarge)
    }

    @Test func tooManyHeaders() {
        var text = "GET / HTTP/1.1\r\nHost: x\r\n"
        for index in 0..<63 { text += "X-\(index): v\r\n" }
        #expect(head(parser.parse(bytes(text + "\r\n"))) != nil)
        expectFailure(text + "X-last: v\r\n\r\n", .headersTooLarge)
    }

    @Test func customLimits() {
        let small = HTTPRequestParser(limits: .init(requestLine: 32, headerSection: 40, headerCount: 2))
        #expect(small.parse(bytes(String(repeating: "A", count: 32))) == .failed(.uriTooLong))
        #expect(small.parse(bytes("GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n")) == .failed(.headersTooLarge))
        #expect(small.parse(bytes("GET / HTTP/1.1\r\nHost: x\r\nX: " + String(repeating: "y", count: 40))) == .failed(.headersTooLarge))
    }

    @Test func rawBufferOverloads() {
        let input = bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let whole = parser.parse(input)
        #expect(input.withUnsafeBytes { parser.parse($0) } == whole)
        let shifted = bytes("junk") + input
        #expect(parser.parse(shifted[4...]) == whole)
    }

    @Test func errorStatusesAndReasonsDoNotEchoInput() {
        #expect(HTTPRequestError.badRequest("x").status == 400)
        #expect(HTTPRequestError.notImplemented("x").status == 501)
        let secret = "GET /<script>alert(1)</script>\0 HTTP/1.1\r\nHost: x\r\n\r\n"
        if case .failed(let error) = parser.parse(bytes(secret)) {
            #expect(!error.reason.contains("script"))
        } else {
            Issue.record("not refused")
        }
    }
}
