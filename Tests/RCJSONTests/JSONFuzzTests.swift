import RCTestSupport
import Testing

@testable import RCJSON

/// Random mutations of valid documents and random bytes: the parser must never crash, and
/// anything it accepts must survive write → parse unchanged.
@Suite struct JSONFuzzTests {
    static let seeds: [String] = [
        JSONParserTests.rfcObject, JSONParserTests.rfcArray,
        #"{"access_token":"eyJ0.a.b","token_type":"Bearer","expires_in":"3599","ext_expires_in":3599,"refresh_in":1799}"#,
        #"["\u00e9\ud834\udd1e", -0.5e+10, true, false, null, {"": []}]"#,
        #"{"a":{"b":{"c":[1,[2,[3,{"d":"\n\t\""}]]]}}}"#,
    ]

    static let alphabet = Array(#"{}[]":,.-+eE0123456789 \nabtrufnsl\u"#.utf8) + [0x00, 0x7F, 0xC3, 0xA9, 0xED, 0xFF]

    @Test func mutatedDocumentsNeverCrashAndRoundTrip() throws {
        var random = SplitMix64(seed: 0x5EED_0001)
        var accepted = 0
        for round in 0..<6000 {
            var bytes = Array(Self.seeds[round % Self.seeds.count].utf8)
            for _ in 0...Int.random(in: 0..<4, using: &random) {
                let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0 where !bytes.isEmpty: bytes.remove(at: position)
                case 1: bytes.insert(Self.alphabet.randomElement(using: &random) ?? 0, at: position)
                case 2 where !bytes.isEmpty: bytes[position] = UInt8.random(in: 0...255, using: &random)
                default:
                    if !bytes.isEmpty {
                        let end = min(bytes.count, position + Int.random(in: 1...8, using: &random))
                        bytes.insert(contentsOf: Array(bytes[position..<end]), at: position)
                    }
                }
            }
            try checkRoundTrip(bytes)
            if (try? JSONParser.parse(bytes)) != nil { accepted += 1 }
        }
        // Some mutations (inside strings, whitespace) keep documents valid; make sure the
        // round-trip branch was exercised, not only the error paths.
        #expect(accepted > 100)
    }

    @Test func randomBytesNeverCrash() throws {
        var random = SplitMix64(seed: 0x5EED_0002)
        for _ in 0..<4000 {
            let length = Int.random(in: 0..<40, using: &random)
            let bytes = (0..<length).map { _ in
                Bool.random(using: &random)
                    ? (Self.alphabet.randomElement(using: &random) ?? 0) : UInt8.random(in: 0...255, using: &random)
            }
            try checkRoundTrip(bytes)
        }
    }

    @Test func randomValuesRoundTrip() throws {
        var random = SplitMix64(seed: 0x5EED_0003)
        for _ in 0..<2000 {
            let value = randomValue(depth: 0, using: &random)
            let text = JSONWriter.write(value)
            #expect(try JSONParser.parse(text) == value, "\(text)")
        }
    }

    private func checkRoundTrip(_ bytes: [UInt8]) throws {
        guard let value = try? JSONParser.parse(bytes) else { return }
        let written = JSONWriter.write(value)
        let reparsed = try JSONParser.parse(written)
        #expect(reparsed == value)
        #expect(JSONWriter.write(reparsed) == written)
    }

    private func randomValue(depth: Int, using random: inout SplitMix64) -> JSONValue {
        switch Int.random(in: 0..<(depth > 4 ? 4 : 6), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2:
            return Bool.random(using: &random)
                ? .number(JSONNumber(Int64.random(in: .min ... .max, using: &random)))
                : .number(JSONNumber(Double.random(in: -1e12...1e12, using: &random)) ?? JSONNumber(0))
        case 3: return .string(randomString(using: &random))
        case 4:
            return .array((0..<Int.random(in: 0..<5, using: &random)).map { _ in randomValue(depth: depth + 1, using: &random) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0..<5, using: &random) {
                object[randomString(using: &random)] = randomValue(depth: depth + 1, using: &random)
            }
            return .object(object)
        }
    }

    private func randomString(using random: inout SplitMix64) -> String {
        let pool: [Unicode.Scalar] = ["a", "Z", "\"", "\\", "/", "\n", "\u{0}", "\u{1F}", "\u{7F}", "é", "€", "𝄞", "\u{2028}", " "]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0..<8, using: &random) { scalars.append(pool.randomElement(using: &random) ?? "a") }
        return String(scalars)
    }
}
