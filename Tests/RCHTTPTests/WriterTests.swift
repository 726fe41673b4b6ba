import RCHTTP
import Testing

@Suite struct WriterTests {
    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func responseSerialization() {
        var headers = HTTPHeaders([("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "999")])
        headers.add("Cache-Control", "no-store")
        let response = HTTPResponse(status: 200, headers: headers, body: bytes("<p>hi</p>"))
        #expect(
            text(response.serialize())
                == "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: 9\r\n\r\n<p>hi</p>")
        #expect(
            text(response.serialize(includeBody: false))
                == "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\nContent-Length: 9\r\n\r\n")
    }

    @Test func responseWithoutContent() {
        #expect(text(HTTPResponse(status: 204, body: bytes("x")).serialize()) == "HTTP/1.1 204 No Content\r\n\r\n")
        #expect(text(HTTPResponse(status: 404).serialize()) == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        #expect(text(HTTPResponse(status: 599).serialize()) == "HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n")
    }

    @Test func reasonPhrases() {
        #expect(HTTPResponse.reasonPhrase(405) == "Method Not Allowed")
        #expect(HTTPResponse.reasonPhrase(414) == "URI Too Long")
        #expect(HTTPResponse.reasonPhrase(431) == "Request Header Fields Too Large")
        #expect(HTTPResponse.reasonPhrase(505) == "HTTP Version Not Supported")
        #expect(HTTPResponse.reasonPhrase(302) == "Found")
    }

    @Test func headerInjectionNeutralised() {
        let response = HTTPResponse(status: 302, headers: HTTPHeaders([("Location", "http://x/\r\nSet-Cookie: evil")]))
        let output = text(response.serialize())
        #expect(output == "HTTP/1.1 302 Found\r\nLocation: http://x/  Set-Cookie: evil\r\nContent-Length: 0\r\n\r\n")
        var parser = HTTPResponseParser()
        parser.feed(response.serialize())
        if case .complete(let message) = parser.outcome() {
            #expect(message.headers["Set-Cookie"] == nil)
        } else {
            Issue.record("own output did not parse")
        }
    }

    @Test func requestSerialization() {
        let body = bytes(FormEncoding.encode([("grant_type", "authorization_code"), ("code", "a b")]))
        let output = HTTPRequestWriter.serialize(
            method: "POST", target: "/tenant/oauth2/v2.0/token", host: "login.microsoftonline.com",
            headers: HTTPHeaders([("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"), ("Host", "evil"), ("Content-Length", "1")]),
            body: body)
        #expect(
            text(output)
                == "POST /tenant/oauth2/v2.0/token HTTP/1.1\r\nHost: login.microsoftonline.com\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\nContent-Length: 40\r\n\r\ngrant_type=authorization_code&code=a%20b")
        let get = HTTPRequestWriter.serialize(method: "GET", target: "/", host: "x", headers: HTTPHeaders(), body: nil)
        #expect(text(get) == "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let empty = HTTPRequestWriter.serialize(method: "POST", target: "/", host: "x", headers: HTTPHeaders(), body: [])
        #expect(text(empty) == "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func writtenRequestParsesBack() throws {
        let output = HTTPRequestWriter.serialize(
            method: "POST", target: "/callback", host: "localhost:8400", headers: HTTPHeaders([("X-A", "1")]), body: bytes("abc"))
        guard case .complete(let head, let length) = HTTPRequestParser().parse(output) else {
            Issue.record("did not parse")
            return
        }
        #expect(head.headers["Host"] == "localhost:8400")
        #expect(try head.bodyLength() == 3)
        #expect(Array(output[length...]) == bytes("abc"))
    }

    @Test func headersAPI() {
        var headers = HTTPHeaders()
        headers.add("A", "1")
        headers.add("b", "2")
        headers.add("a", "3")
        #expect(headers["a"] == "1")
        #expect(headers.values("A") == ["1", "3"])
        #expect(headers.count == 3)
        #expect(headers.contains("B"))
        headers.set("A", "9")
        #expect(headers.values("a") == ["9"])
        #expect(Array(headers).map(\.name) == ["A", "b"])
        headers.remove("B")
        #expect(headers.count == 1)
        #expect(headers["missing"] == nil)
        #expect(HTTPHeaders([("A", "1")]) == HTTPHeaders([("A", "1")]))
        #expect(HTTPHeaders([("A", "1")]) != HTTPHeaders([("A", "2")]))
    }
}
