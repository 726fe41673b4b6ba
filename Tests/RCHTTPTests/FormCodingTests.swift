import RCHTTP
import Testing

@Suite struct FormCodingTests {
    func pairs(_ text: String) throws(FormDecodingError) -> [[String]] {
        try FormDecoding.decode(text).map { [$0.name, $0.value] }
    }

    @Test func decodesPairs() throws {
        #expect(try pairs("code=abc&state=x%2By+z") == [["code", "abc"], ["state", "x+y z"]])
        #expect(try pairs("a=1&&b=2&") == [["a", "1"], ["b", "2"]])
        #expect(try pairs("flag&x=") == [["flag", ""], ["x", ""]])
        #expect(try pairs("a=b=c") == [["a", "b=c"]])
        #expect(try pairs("=v") == [["", "v"]])
        #expect(try pairs("") == [])
        #expect(try pairs("k=v&k=w") == [["k", "v"], ["k", "w"]])
        #expect(
            try pairs("error_description=AADSTS50011%3A+The+redirect+URI") == [
                ["error_description", "AADSTS50011: The redirect URI"]
            ])
        #expect(try pairs("%E2%9C%93=%c3%a9") == [["\u{2713}", "\u{E9}"]])
    }

    @Test func badPercentEscapes() {
        for text in ["a=%zz", "a=%4", "a=%", "a=%%41", "%g1=b", "a=%4G", "a=1%2"] {
            #expect(throws: FormDecodingError.badPercentEscape, "\(text)") { try FormDecoding.decode(text) }
        }
        #expect(throws: FormDecodingError.badPercentEscape) { try FormDecoding.percentDecode("/%63allback%") }
    }

    @Test func invalidUTF8() {
        for text in ["a=%C3%28", "a=%FF", "a=%C3", "a=%ED%A0%80", "a=%C0%AF"] {
            #expect(throws: FormDecodingError.invalidUTF8, "\(text)") { try FormDecoding.decode(text) }
        }
    }

    @Test func controlCharacters() {
        for text in ["a=%00", "a=%0D%0A", "a=%0A", "a=x%09y", "a=%7F", "a=%C2%85", "a=\u{1}", "a\nb=c"] {
            #expect(throws: FormDecodingError.controlCharacter, "\(text.debugDescription)") {
                try FormDecoding.decode(text)
            }
        }
    }

    @Test func pairLimit() throws {
        let text = (0..<10).map { "k\($0)=v" }.joined(separator: "&")
        #expect(try FormDecoding.decode(text, maxPairs: 10).count == 10)
        #expect(throws: FormDecodingError.tooManyPairs) { try FormDecoding.decode(text, maxPairs: 9) }
        #expect(try FormDecoding.decode(String(repeating: "&", count: 1000), maxPairs: 1).isEmpty)
    }

    @Test func percentDecodeKeepsPlus() throws {
        #expect(try FormDecoding.percentDecode("/%63allback") == "/callback")
        #expect(try FormDecoding.percentDecode("a+b%20c") == "a+b c")
        #expect(throws: FormDecodingError.controlCharacter) { try FormDecoding.percentDecode("/a%00") }
        #expect(throws: FormDecodingError.invalidUTF8) { try FormDecoding.percentDecode("/%C3%28") }
    }

    @Test func encodeVectors() {
        #expect(FormEncoding.percentEncode(" ") == "%20")
        #expect(FormEncoding.percentEncode("~") == "~")
        #expect(FormEncoding.percentEncode("AZaz09-._~") == "AZaz09-._~")
        #expect(FormEncoding.percentEncode("a+b&c=d/e?f#g%") == "a%2Bb%26c%3Dd%2Fe%3Ff%23g%25")
        #expect(FormEncoding.percentEncode("\u{E9}\u{2713}") == "%C3%A9%E2%9C%93")
        #expect(
            FormEncoding.percentEncode("http://localhost:8400/callback") == "http%3A%2F%2Flocalhost%3A8400%2Fcallback")
        #expect(
            FormEncoding.encode([("scope", "openid offline_access"), ("x", "")]) == "scope=openid%20offline_access&x=")
        #expect(FormEncoding.encode([]) == "")
    }

    @Test func unicodeRoundTrip() throws {
        let samples = ["h\u{E9}llo w\u{F6}rld", "\u{1F600} emoji", "\u{4E2D}\u{6587}", "a+b=c&d", "100% sure", "~-._"]
        for sample in samples {
            let encoded = FormEncoding.encode([(sample, sample)])
            let decoded = try FormDecoding.decode(encoded)
            #expect(decoded.count == 1)
            #expect(decoded.first?.name == sample)
            #expect(decoded.first?.value == sample)
            #expect(try FormDecoding.percentDecode(FormEncoding.percentEncode(sample)) == sample)
        }
    }

    @Test func htmlEscape() {
        #expect(
            HTML.escape("<script>alert('x' & \"y\")</script>")
                == "&lt;script&gt;alert(&#39;x&#39; &amp; &quot;y&quot;)&lt;/script&gt;")
        #expect(HTML.escape("plain \u{E9}") == "plain \u{E9}")
        #expect(HTML.escape("&amp;") == "&amp;amp;")
    }
}

@Suite struct FormLineBreakTests {
    @Test func lineBreaksPassOnlyWhenAllowedAndOnlyInValues() throws {
        #expect(throws: FormDecodingError.controlCharacter) { try FormDecoding.decode("d=a%0D%0Ab") }
        let pairs = try FormDecoding.decode("d=a%0D%0Ab%09c", allowingLineBreaks: true)
        #expect(pairs.map(\.value) == ["a\r\nb\tc"])
        #expect(throws: FormDecodingError.controlCharacter) { try FormDecoding.decode("d=a%00b", allowingLineBreaks: true) }
        #expect(throws: FormDecodingError.controlCharacter) { try FormDecoding.decode("d=%1B", allowingLineBreaks: true) }
        #expect(throws: FormDecodingError.controlCharacter) { try FormDecoding.decode("a%0Ab=c", allowingLineBreaks: true) }
    }
}
