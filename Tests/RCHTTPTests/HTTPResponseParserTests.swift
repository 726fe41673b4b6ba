import RCHTTP
import Testing

@Suite struct HTTPResponseParserTests {
    /// Parses whole, byte by byte, and in uneven pieces, and checks all three agree.
    func parseAllWays(
        _ text: String, close: Bool = false, isResponseToHEAD: Bool = false, maxHead: Int = 65536,
        maxBody: Int = 1 << 20, sourceLocation: SourceLocation = #_sourceLocation
    ) -> HTTPResponseParser.Outcome {
        let input = bytes(text)
        let whole = parseResponse(input, close: close, isResponseToHEAD: isResponseToHEAD, maxHead: maxHead, maxBody: maxBody)
        let single = parseResponse(
            input, pieces: [1], close: close, isResponseToHEAD: isResponseToHEAD, maxHead: maxHead, maxBody: maxBody)
        let uneven = parseResponse(
            input, pieces: [3, 7, 1, 13], close: close, isResponseToHEAD: isResponseToHEAD, maxHead: maxHead,
            maxBody: maxBody)
        #expect(single == whole, sourceLocation: sourceLocation)
        #expect(uneven == whole, sourceLocation: sourceLocation)
        return whole
    }

    func message(_ outcome: HTTPResponseParser.Outcome) -> HTTPResponseMessage? {
        if case .complete(let message) = outcome { return message }
        return nil
    }

    @Test func contentLength() {
        let outcome = parseAllWays("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"a\":\"b\",\"c\"}")
        #expect(
            outcome
                == .complete(
                    HTTPResponseMessage(
                        status: 200, reason: "OK",
                        headers: HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", "13")]),
                        body: bytes("{\"a\":\"b\",\"c\"}"))))
    }

    @Test func incompleteUntilLengthReached() {
        var parser = HTTPResponseParser()
        parser.feed(bytes("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab"))
        #expect(parser.outcome() == .incomplete)
        parser.feed(bytes("cd"))
        #expect(message(parser.outcome())?.body == bytes("abcd"))
        // Extra bytes after a complete response are ignored.
        parser.feed(bytes("garbage"))
        #expect(message(parser.outcome())?.body == bytes("abcd"))
    }

    @Test func zeroLengthCompletesAtHead() {
        #expect(message(parseAllWays("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))?.body == [])
    }

    @Test func chunkedWithExtensionsAndTrailers() {
        let text =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n"
            + "1 ; ext\r\n \r\n"
            + "A\r\n0123456789\r\n"
            + "0\r\nX-Trailer: yes\r\nOther: 1\r\n\r\n"
        let outcome = parseAllWays(text)
        #expect(message(outcome)?.body == bytes("hello 0123456789"))
        #expect(message(outcome)?.headers["X-Trailer"] == nil)
        #expect(message(outcome)?.headers["Transfer-Encoding"] == "chunked")
    }

    @Test func chunkedLowercaseHexAndLeadingZeros() {
        let text = "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n0000a\r\n0123456789\r\n00\r\n\r\n"
        #expect(message(parseAllWays(text))?.body == bytes("0123456789"))
    }

    @Test func chunkedErrors() {
        let base = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(parseAllWays(base + "zz\r\n") == .failed(.malformed("malformed chunk size")))
        #expect(parseAllWays(base + "\r\n") == .failed(.malformed("malformed chunk size")))
        #expect(parseAllWays(base + "5x\r\nhello\r\n") == .failed(.malformed("malformed chunk size")))
        #expect(parseAllWays(base + "FFFFFFFFFFFFFFFFFF\r\n") == .failed(.malformed("chunk size overflow")))
        #expect(parseAllWays(base + "8000000000000000\r\n") == .failed(.malformed("chunk size overflow")))
        #expect(parseAllWays(base + "5\r\nhelloXY0\r\n\r\n") == .failed(.malformed("chunk data not followed by CRLF")))
        #expect(parseAllWays(base + "5\r\nhello\r\n0\r\nBad Trailer\r\n\r\n") == .failed(.malformed("whitespace between field name and colon")))
        #expect(parseAllWays(base + "5;\u{1}\r\n") == .failed(.malformed("control character in chunk extension")))
        #expect(parseAllWays(base + "1000\r\n", maxBody: 100) == .failed(.bodyTooLarge))
        #expect(parseAllWays(base + String(repeating: "0", count: 5000)) == .failed(.malformed("chunk size line too long")))
        #expect(parseAllWays("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") == .failed(.malformed("unsupported Transfer-Encoding")))
        #expect(parseAllWays("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n") == .failed(.malformed("unsupported Transfer-Encoding")))
    }

    @Test func chunkedOverridesContentLength() {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        #expect(message(parseAllWays(text))?.body == bytes("abc"))
    }

    @Test func closeDelimited() {
        let text = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of this until close"
        #expect(parseAllWays(text) == .incomplete)
        #expect(message(parseAllWays(text, close: true))?.body == bytes("all of this until close"))
        #expect(message(parseAllWays("HTTP/1.0 200 OK\r\n\r\n", close: true))?.body == [])
        #expect(parseAllWays("HTTP/1.1 200 OK\r\n\r\n" + String(repeating: "x", count: 101), close: true, maxBody: 100) == .failed(.bodyTooLarge))
    }

    @Test func interimResponsesSkipped() {
        let text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        let outcome = parseAllWays(text)
        #expect(message(outcome)?.status == 200)
        #expect(message(outcome)?.headers["Link"] == nil)
        #expect(message(outcome)?.body == bytes("ok"))
        #expect(parseAllWays("HTTP/1.1 101 Switching Protocols\r\n\r\n") == .failed(.malformed("unexpected 101 Switching Protocols")))
        let endless = String(repeating: "HTTP/1.1 100 Continue\r\n\r\n", count: 20)
        #expect(parseAllWays(endless) == .failed(.malformed("too many interim responses")))
    }

    @Test func noBodyStatusesAndHEAD() {
        #expect(message(parseAllWays("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"))?.body == [])
        #expect(message(parseAllWays("HTTP/1.1 304 Not Modified\r\n\r\n"))?.status == 304)
        let head = parseAllWays("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", isResponseToHEAD: true)
        #expect(message(head)?.body == [])
        #expect(message(head)?.headers["Content-Length"] == "500")
    }

    @Test func truncated() {
        #expect(parseAllWays("", close: true) == .failed(.truncated))
        #expect(parseAllWays("HTTP/1.1 200 OK\r\nContent-Len", close: true) == .failed(.truncated))
        #expect(parseAllWays("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", close: true) == .failed(.truncated))
        #expect(parseAllWays("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", close: true) == .failed(.truncated))
        #expect(parseAllWays("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", close: true) == .failed(.truncated))
    }

    @Test func limits() {
        #expect(parseAllWays("HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 200), maxHead: 100) == .failed(.headTooLarge))
        #expect(parseAllWays("HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", maxBody: 100) == .failed(.bodyTooLarge))
        #expect(message(parseAllWays("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + String(repeating: "a", count: 100), maxBody: 100))?.body.count == 100)
        #expect(parseAllWays("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n32\r\n" + String(repeating: "a", count: 50) + "\r\n33\r\n", maxBody: 100) == .failed(.bodyTooLarge))
    }

    @Test func statusLineVariants() {
        #expect(message(parseAllWays("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"))?.reason == "")
        #expect(message(parseAllWays("HTTP/1.1 400 \r\nContent-Length: 0\r\n\r\n"))?.reason == "")
        #expect(message(parseAllWays("HTTP/1.0 503 Service  Unavailable\nContent-Length: 0\n\n"))?.reason == "Service  Unavailable")
        for bad in ["HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1  200 OK\r\n\r\n", "http/1.1 200 OK\r\n\r\n",
                    "HTTP/1.1 099 Low\r\n\r\n", "HTTP/1.1 600 High\r\n\r\n", "HTTP/2.0 200 OK\r\n\r\n", "HTTP/1.1 200OK\r\n\r\n",
                    "<html>\r\n\r\n", "HTTP/1.1 200 O\u{1}K\r\n\r\n"] {
            guard case .failed(.malformed) = parseAllWays(bad) else {
                Issue.record("accepted \(bad.debugDescription)")
                continue
            }
        }
    }

    @Test func headerStrictness() {
        let cases = [
            "HTTP/1.1 200 OK\r\nX : y\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX: y\r\n folded\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
        ]
        for text in cases {
            guard case .failed(.malformed) = parseAllWays(text) else {
                Issue.record("accepted \(text.debugDescription)")
                continue
            }
        }
        let repeated = parseAllWays("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n")
        #expect(message(repeated)?.headers.values("set-cookie") == ["a=1", "b=2"])
    }

    @Test func largeBodyFedInSmallPiecesIsLinear() {
        let size = 1 << 20
        let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var parser = HTTPResponseParser(maxBody: size)
        parser.feed(bytes("HTTP/1.1 200 OK\r\nContent-Length: \(size)\r\n\r\n"))
        var offset = 0
        while offset < size {
            parser.feed(body[offset..<min(size, offset + 7)])
            offset += 7
        }
        #expect(message(parser.outcome())?.body == body)

        var chunked = HTTPResponseParser(maxBody: size)
        var input = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        var position = 0
        while position < size {
            let length = min(size - position, 1000)
            input += bytes(String(length, radix: 16) + "\r\n") + body[position..<(position + length)] + bytes("\r\n")
            position += length
        }
        input += bytes("0\r\n\r\n")
        offset = 0
        while offset < input.count {
            chunked.feed(input[offset..<min(input.count, offset + 5)])
            offset += 5
        }
        #expect(message(chunked.outcome())?.body == body)
    }
}
