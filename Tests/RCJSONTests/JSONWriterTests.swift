import Testing

@testable import RCJSON

@Suite struct JSONWriterTests {
    @Test func compactOutputKeepsOrder() throws {
        let object = JSONObject([
            ("z", .number(JSONNumber(1))), ("a", .array([.null, .bool(true), .string("x")])),
            ("url", .string("https://a/b")),
        ])
        #expect(JSONWriter.write(.object(object)) == #"{"z":1,"a":[null,true,"x"],"url":"https://a/b"}"#)
    }

    @Test func escapesControlCharacters() {
        #expect(JSONWriter.write(.string("a\"b\\c\n\r\t\u{08}\u{0C}\u{01}\u{1F}\u{7F}é/")) == #""a\"b\\c\n\r\t\b\f\u0001\u001F\u007Fé/""#)
    }

    @Test func numbersFromDoubles() {
        #expect(JSONNumber(Double.nan) == nil)
        #expect(JSONNumber(Double.infinity) == nil)
        #expect(JSONNumber(2.5)?.text == "2.5")
        #expect(JSONNumber(text: "01") == nil)
        #expect(JSONNumber(text: "-1.5e-3")?.double == -0.0015)
        #expect(JSONNumber(text: "1") == JSONNumber(text: "1.0"))
    }

    @Test func roundTripsTheRFCExamples() throws {
        for text in [JSONParserTests.rfcObject, JSONParserTests.rfcArray] {
            let value = try JSONParser.parse(text)
            #expect(try JSONParser.parse(JSONWriter.write(value)) == value)
        }
    }

    @Test func objectsCompareWithoutOrder() {
        let a = JSONObject([("x", .null), ("y", .bool(true))])
        let b = JSONObject([("y", .bool(true)), ("x", .null)])
        #expect(a == b)
        var c = a
        c["x"] = nil
        #expect(c.keys == ["y"])
        #expect(c["y"] == .bool(true))
    }
}
