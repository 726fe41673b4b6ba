import RCTestSupport
import Testing

@testable import RCDaemon

@Suite struct TokenLabelTests {
    @Test func parsesAnAccountOrAnAccountAndOneToken() throws {
        #expect(TokenLabel("work") == TokenLabel(account: "work", token: nil))
        #expect(TokenLabel("work.dynamics") == TokenLabel(account: "work", token: "dynamics"))
        #expect(TokenLabel("A-z_0.9") == TokenLabel(account: "A-z_0", token: "9"))
        #expect(TokenLabel(account: "work", token: "dynamics").description == "work.dynamics")
        #expect(TokenLabel(account: "work", token: nil).description == "work")
        let sixtyFour = String(repeating: "n", count: 64)
        #expect(TokenLabel("\(sixtyFour).\(sixtyFour)")?.token == sixtyFour)
    }

    @Test(arguments: [
        "", ".", "work.", ".dynamics", "work..dynamics", "a.b.c", "work.dyn amics", "wörk", "work/dynamics",
        "work.dynamics\n", String(repeating: "n", count: 65), "work." + String(repeating: "n", count: 65), "wo\0rk",
    ])
    func refusesWhatIsNotNameOrNameDotToken(_ text: String) {
        #expect(TokenLabel(text) == nil)
    }

    /// Random strings over the name alphabet, dots and a few others: a label parses exactly when
    /// it has at most one dot and 1 to 64 name characters either side, and its text is the input.
    @Test func seededFuzzAgreesWithTheRulesAndRoundTrips() {
        let nameCharacters = Array("azAZ09_-")
        let others: [Character] = ["/", " ", "é", "\0", "+", ":"]
        var parsed = 0
        for seed in UInt64(1)...500 {
            var random = SplitMix64(seed: seed)
            let length = Int(random.next() % 140)
            let text = String(
                (0..<length).map { _ -> Character in
                    switch random.next() % 60 {
                    case 0: "."
                    case 1: others[Int(random.next() % UInt64(others.count))]
                    case let roll: nameCharacters[Int(roll % UInt64(nameCharacters.count))]
                    }
                })
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            let valid = parts.count <= 2 && parts.allSatisfy { part in
                (1...64).contains(part.count) && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
            }
            let label = TokenLabel(text)
            #expect((label != nil) == valid, "seed \(seed): \(text.debugDescription)")
            #expect(label.map(\.description) ?? text == text, "seed \(seed)")
            if let label {
                parsed += 1
                #expect(TokenLabel(label.description) == label)
            }
        }
        // Both outcomes are exercised, not just refusals.
        #expect((100...400).contains(parsed), "\(parsed) of 500 parsed")
    }
}
