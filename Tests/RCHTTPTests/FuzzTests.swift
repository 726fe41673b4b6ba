import RCHTTP
import RCTestSupport
import Testing

/// Deterministic mutation fuzzing: the parsers must never crash, must always give a definite
/// answer, and must not depend on how the bytes were split. Seeds are fixed so a failure
/// replays exactly.
@Suite struct FuzzTests {
    static let requestCorpus: [[UInt8]] = [
        "GET /callback?code=abc&state=xyz HTTP/1.1\r\nHost: localhost:8400\r\nAccept: text/html\r\n\r\n",
        "POST /callback HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 14\r\n\r\ncode=a&state=b",
        "HEAD /signin/dynamics HTTP/1.0\r\n\r\n",
        "\r\nGET http://localhost:8400/x HTTP/1.1\nHost: localhost:8400\nX: 1\nX: 2\n\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\nTransfer-Encoding: chunked\r\n\r\n",
    ].map { Array($0.utf8) }

    static let responseCorpus: [[UInt8]] = [
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"access_token\"}",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n3\r\nabc\r\n0\r\nT: 1\r\n\r\n",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\n{}",
        "HTTP/1.0 503 Service Unavailable\r\nRetry-After: 120\r\n\r\nclose delimited body",
        "HTTP/1.1 204 No Content\r\n\r\n",
    ].map { Array($0.utf8) }

    /// Bytes that sit on parser decision points, so mutations reach interesting paths often.
    static let interestingBytes: [UInt8] = [
        0x0D, 0x0A, 0x20, 0x09, 0x3A, 0x00, 0x16, 0x7F, 0x80, 0xFF, 0x25, 0x2B, 0x3D, 0x26,
        0x3B, 0x30, 0x46, 0x61, 0x2F, 0x3F, 0x23, 0x40, 0x5B, 0x5D, 0x2C,
    ]

    static func randomByte(_ random: inout SplitMix64) -> UInt8 {
        random.next() % 2 == 0
            ? interestingBytes[Int(random.next() % UInt64(interestingBytes.count))]
            : UInt8(truncatingIfNeeded: random.next())
    }

    /// One to four random edits: flip, insert, delete, truncate, splice, duplicate a range.
    static func mutate(_ input: [UInt8], corpus: [[UInt8]], random: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0...(random.next() % 4) {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
            switch random.next() % 6 {
            case 0 where !bytes.isEmpty:
                bytes[position] ^= UInt8(1) << UInt8(random.next() % 8)
            case 1:
                bytes.insert(randomByte(&random), at: min(position, bytes.count))
            case 2 where !bytes.isEmpty:
                bytes.remove(at: position)
            case 3:
                bytes = Array(bytes.prefix(position))
            case 4:
                let other = corpus[Int(random.next() % UInt64(corpus.count))]
                let cut = other.isEmpty ? 0 : Int(random.next() % UInt64(other.count))
                bytes = Array(bytes.prefix(position)) + other[cut...]
            default:
                guard !bytes.isEmpty else { continue }
                let length = Int(random.next() % 16)
                let end = min(bytes.count, position + length)
                bytes.insert(contentsOf: bytes[position..<end], at: end)
            }
        }
        return bytes
    }

    static func randomBytes(_ random: inout SplitMix64, maxCount: Int) -> [UInt8] {
        (0..<Int(random.next() % UInt64(maxCount + 1))).map { _ in randomByte(&random) }
    }

    @Test func requestParser() throws {
        var random = SplitMix64(seed: 0x5EED_0001)
        let parser = HTTPRequestParser()
        let small = HTTPRequestParser(limits: .init(requestLine: 40, headerSection: 60, headerCount: 3))
        for iteration in 0..<6000 {
            let input =
                iteration % 5 == 4
                ? Self.randomBytes(&random, maxCount: 120)
                : Self.mutate(
                    Self.requestCorpus[iteration % Self.requestCorpus.count], corpus: Self.requestCorpus,
                    random: &random)
            for candidate in [parser, small] {
                let whole = candidate.parse(input)
                let seed = random.next()
                var stepRandom = SplitMix64(seed: seed)
                let chunked = parseIncrementally(
                    input, step: { _ in Int(stepRandom.next() % 9) + 1 }, parser: candidate)
                #expect(chunked == whole, "iteration \(iteration) input \(input)")
                switch whole {
                case .complete(let head, let length):
                    #expect(length <= input.count)
                    #expect(throws: Never.self) { try head.bodyLength() }
                    #expect(candidate.parse(input[..<length]) == whole)
                    #expect(head.version == .http11 || head.version == .http10)
                case .incomplete:
                    // Closing every possible open line must force a decision.
                    let closed = candidate.parse(input + Array("\r\n\r\n\r\n\r\n".utf8))
                    #expect(closed != .incomplete, "iteration \(iteration) input \(input)")
                case .failed(let error):
                    #expect([400, 414, 431, 501, 505].contains(error.status))
                }
            }
        }
    }

    @Test func responseParser() {
        var random = SplitMix64(seed: 0x5EED_0002)
        for iteration in 0..<6000 {
            let input =
                iteration % 5 == 4
                ? Self.randomBytes(&random, maxCount: 150)
                : Self.mutate(
                    Self.responseCorpus[iteration % Self.responseCorpus.count], corpus: Self.responseCorpus,
                    random: &random)
            let isHEAD = iteration % 7 == 0
            let maxBody = iteration % 3 == 0 ? 10 : 1 << 20
            let maxHead = iteration % 4 == 0 ? 50 : 65536
            let pieces = (0..<5).map { _ in Int(random.next() % 11) + 1 }
            let whole = parseResponse(input, isResponseToHEAD: isHEAD, maxHead: maxHead, maxBody: maxBody)
            let split = parseResponse(
                input, pieces: pieces, isResponseToHEAD: isHEAD, maxHead: maxHead, maxBody: maxBody)
            #expect(split == whole, "iteration \(iteration) input \(input)")
            let finished = parseResponse(
                input, pieces: pieces, close: true, isResponseToHEAD: isHEAD, maxHead: maxHead, maxBody: maxBody)
            #expect(finished != .incomplete)
            if case .complete(let message) = whole {
                #expect(finished == whole)
                #expect(message.body.count <= maxBody)
                #expect((100...599).contains(message.status))
            }
        }
    }

    @Test func formDecoding() throws {
        var random = SplitMix64(seed: 0x5EED_0003)
        let alphabet = Array("%+=&azAZ09-~ \u{E9}".utf8) + [0x00, 0x0A, 0xC3, 0x28, 0xFF]
        for _ in 0..<5000 {
            let count = Int(random.next() % 40)
            let raw = (0..<count).map { _ in
                random.next() % 4 == 0
                    ? Self.randomByte(&random) : alphabet[Int(random.next() % UInt64(alphabet.count))]
            }
            let text = String(decoding: raw, as: UTF8.self)
            if let pairs = try? FormDecoding.decode(text, maxPairs: 8) {
                #expect(pairs.count <= 8)
                let reencoded = FormEncoding.encode(pairs.map { ($0.name, $0.value) })
                let again = try FormDecoding.decode(reencoded, maxPairs: 8)
                #expect(again.map(\.name) == pairs.map(\.name))
                #expect(again.map(\.value) == pairs.map(\.value))
            }
            if let decoded = try? FormDecoding.percentDecode(text) {
                #expect(try FormDecoding.percentDecode(FormEncoding.percentEncode(decoded)) == decoded)
            }
        }
    }

    @Test func formEncodingRoundTripsUnicode() throws {
        var random = SplitMix64(seed: 0x5EED_0004)
        for _ in 0..<3000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<(random.next() % 12) {
                let value = UInt32(random.next() % 0x11_0000)
                guard let scalar = Unicode.Scalar(value), scalar.properties.generalCategory != .control else {
                    continue
                }
                scalars.append(scalar)
            }
            let text = String(scalars)
            let decoded = try FormDecoding.decode(FormEncoding.encode([("k", text)]))
            #expect(decoded.first?.value == text)
            #expect(try FormDecoding.percentDecode(FormEncoding.percentEncode(text)) == text)
        }
    }

    @Test func webURL() throws {
        var random = SplitMix64(seed: 0x5EED_0005)
        let corpus = [
            "https://login.microsoftonline.com/common/oauth2/v2.0/token?x=1", "http://localhost:8400/callback",
            "http://[::1]:8400/cb", "https://10.0.0.1:443/adfs/oauth2/token", "HTTP://Example.COM",
        ].map { Array($0.utf8) }
        for iteration in 0..<5000 {
            let input = Self.mutate(corpus[iteration % corpus.count], corpus: corpus, random: &random)
            guard let url = try? WebURL.parse(String(decoding: input, as: UTF8.self)) else { continue }
            // The description is a fixed point: parsing it gives the same URL back.
            let reparsed = try WebURL.parse(url.description)
            #expect(reparsed == url, "iteration \(iteration): \(url)")
            #expect(url.scheme == "http" || url.scheme == "https")
            #expect(!url.host.isEmpty)
            #expect(url.path.hasPrefix("/"))
        }
    }

    @Test func base64AndDates() {
        var random = SplitMix64(seed: 0x5EED_0006)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_= ".utf8)
        for _ in 0..<5000 {
            let count = Int(random.next() % 24)
            let text = String(
                decoding: (0..<count).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }, as: UTF8.self)
            if let decoded = Base64.decode(text) {
                #expect(Base64.encode(decoded) == text)
            }
            if let decoded = Base64.decodeURL(text) {
                #expect(Base64.encodeURL(decoded) == String(text.filter { $0 != "=" }))
            }
            let dates = [Array("Sun, 06 Nov 1994 08:49:37 GMT".utf8), Array("Sun Nov  6 08:49:37 1994".utf8)]
            let date = String(decoding: Self.mutate(dates[count % 2], corpus: dates, random: &random), as: UTF8.self)
            if let seconds = HTTPDate.parse(date) {
                #expect(HTTPDate.parse(HTTPDate.format(seconds)) == seconds)
            }
        }
    }
}
