import Testing

@testable import RCJSON

@Suite struct JSONParserTests {
    // RFC 8259 §13, first example.
    static let rfcObject = """
        {
          "Image": {
              "Width":  800,
              "Height": 600,
              "Title":  "View from 15th Floor",
              "Thumbnail": {
                  "Url":    "http://www.example.com/image/481989943",
                  "Height": 125,
                  "Width":  100
              },
              "Animated" : false,
              "IDs": [116, 943, 234, 38793]
            }
        }
        """

    // RFC 8259 §13, second example.
    static let rfcArray = """
        [
          {
             "precision": "zip",
             "Latitude":  37.7668,
             "Longitude": -122.3959,
             "Address":   "",
             "City":      "SAN FRANCISCO",
             "State":     "CA",
             "Zip":       "94107",
             "Country":   "US"
          },
          {
             "precision": "zip",
             "Latitude":  37.371991,
             "Longitude": -122.026020,
             "Address":   "",
             "City":      "SUNNYVALE",
             "State":     "CA",
             "Zip":       "94085",
             "Country":   "US"
          }
        ]
        """

    @Test func rfcObjectExample() throws {
        let value = try JSONParser.parse(Self.rfcObject)
        let image = try #require(value.objectValue?["Image"]?.objectValue)
        #expect(image.keys == ["Width", "Height", "Title", "Thumbnail", "Animated", "IDs"])
        #expect(image["Width"]?.numberValue?.int64 == 800)
        #expect(image["Title"] == .string("View from 15th Floor"))
        #expect(image["Thumbnail"]?.objectValue?["Url"] == .string("http://www.example.com/image/481989943"))
        #expect(image["Animated"] == .bool(false))
        #expect(image["IDs"]?.arrayValue?.compactMap { $0.numberValue?.int64 } == [116, 943, 234, 38793])
    }

    @Test func rfcArrayExample() throws {
        let value = try JSONParser.parse(Self.rfcArray)
        let places = try #require(value.arrayValue)
        #expect(places.count == 2)
        #expect(places[1].objectValue?["Longitude"]?.numberValue?.double == -122.026020)
        #expect(places[1].objectValue?["Longitude"]?.numberValue?.text == "-122.026020")
        #expect(places[0].objectValue?["Address"] == .string(""))
    }

    @Test(arguments: ["\"Hello world!\"", "42", "null", "true", "false", " [ ] ", "{}"])
    func rfcScalarTexts(text: String) throws {
        _ = try JSONParser.parse(text)
    }

    @Test func escapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#"["\"\\\/\b\f\n\r\t", "\u00e9\u20AC", "\ud834\udd1e", "é"]"#)
        #expect(value == .array([.string("\"\\/\u{08}\u{0C}\n\r\t"), .string("é€"), .string("𝄞"), .string("é")]))
    }

    @Test func byteOrderMarkIsTolerated() throws {
        #expect(try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)) == .array([.number(JSONNumber(1))]))
    }

    @Test func numbers() throws {
        let value = try JSONParser.parse("[0, -0, 1.5e3, -12.25E-2, 9223372036854775807, 9223372036854775808, 3600.0, 1e400]")
        let numbers = (value.arrayValue ?? []).compactMap { $0.numberValue }
        #expect(numbers.map(\.int64) == [0, 0, 1500, nil, Int64.max, nil, 3600, nil])
        #expect(numbers[3].double == -0.1225)
        #expect(numbers[7].double == nil)
        #expect(numbers[5].text == "9223372036854775808")
    }

    @Test(arguments: [
        ("{\"a\":1,\"a\":2}", "duplicate key \"a\""),
        ("[1,]", "trailing comma before ']'"),
        ("{\"a\":1,}", "trailing comma before '}'"),
        ("// c\n1", "expected a value, found '/'"),
        ("[1 /* c */]", "expected ',' or ']'"),
        ("01", "leading zeros are not allowed in numbers"),
        ("-01", "leading zeros are not allowed in numbers"),
        ("NaN", "expected a value, found 'N'"),
        ("Infinity", "expected a value, found 'I'"),
        ("-Infinity", "malformed number"),
        ("1.", "malformed number"),
        (".5", "expected a value, found '.'"),
        ("+1", "expected a value, found '+'"),
        ("1 2", "unexpected '2' after the value"),
        ("{} x", "unexpected 'x' after the value"),
        ("", "expected a value, found the end of the input"),
        ("\"abc", "unterminated string"),
        ("\"a\tb\"", "control character U+0009 must be escaped in a string"),
        ("\"\\ud800\"", "lone high surrogate \\uD800"),
        ("\"\\udc00\"", "lone low surrogate \\uDC00"),
        ("\"\\ud800\\u0041\"", "high surrogate \\uD800 not followed by a low surrogate"),
        ("\"\\x\"", "invalid escape sequence"),
        ("\"\\u12\"", "\\u needs four hex digits"),
        ("{a:1}", "expected a member name in double quotes"),
        ("{\"a\" 1}", "expected ':' after the member name"),
        ("tru", "expected a value, found 't'"),
        ("[1", "expected ',' or ']'"),
    ])
    func rejects(text: String, reason: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.reason == reason, "\(text)")
        }
    }

    @Test(arguments: [
        [0x22, 0xC3, 0x22] as [UInt8],  // truncated sequence
        [0x22, 0xC0, 0xAF, 0x22],  // overlong '/'
        [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate
        [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // beyond U+10FFFF
        [0x22, 0xFF, 0x22],
        [0x22, 0xE2, 0x82, 0x22],
    ])
    func rejectsInvalidUTF8(bytes: [UInt8]) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    @Test func errorPositionsAreLinesAndColumns() {
        let text = "{\n  \"a\": 1,\n  \"é\": 2\n  \"c\": 3\n}"
        do {
            _ = try JSONParser.parse(text)
            Issue.record("parsed")
        } catch {
            #expect(error.line == 4)
            #expect(error.column == 3)
            #expect(error.description == "line 4, column 3: expected ',' or '}'")
        }
    }

    @Test func duplicateKeyErrorCarriesPathAndKey() {
        let text = #"{"accounts": {"x": {"scopes": [], "scopes": []}}}"#
        do {
            _ = try JSONParser.parse(text)
            Issue.record("parsed")
        } catch {
            #expect(error.duplicateKey == "scopes")
            #expect(error.path == [.key("accounts"), .key("x")])
            #expect(error.reason == "duplicate key \"scopes\"")
            #expect(error.column == 35)
        }
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        _ = try JSONParser.parse(ok)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let hostile = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(hostile) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse("{\"a\":{\"b\":1}}", maxDepth: 1) }
    }
}
