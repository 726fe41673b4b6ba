import RCTestSupport
import Testing

@testable import RCOAuth

@Suite struct PastedRedirectTests {
    let paths: Set<String> = ["/callback"]

    func query(_ text: String) -> String? { try? PastedRedirect.query(text, callbackPaths: paths).get() }

    @Test func theAddressTheBrowserEndedOnOrItsQuery() {
        let q = "code=abc&state=xyz&iss=https%3A%2F%2Fsso.example.com"
        #expect(query("http://localhost:8400/callback?\(q)") == q)
        #expect(query("http://127.0.0.1:8400/callback?\(q)") == q)
        #expect(query("http://[::1]:8400/callback?\(q)") == q)
        #expect(query("  http://localhost:8400/callback?\(q)\r\n") == q)
        #expect(query("localhost:8400/callback?\(q)") == q, "the browser hid http://")
        #expect(query("http://localhost:8400/callback?\(q)#_=_") == q)
        #expect(query("?\(q)") == q)
        #expect(query(q) == q)
        #expect(query("code=abc&state=xyz&iss=https://sso.example.com") == "code=abc&state=xyz&iss=https://sso.example.com")
    }

    @Test func anythingElseIsRefusedWithoutRepeatingIt() {
        for text in [
            "", "   ", "https://localhost:8400/callback?code=abc&state=x", "http://evil.example/callback?code=abc&state=x",
            "http://localhost:8400/other?code=abc&state=x", "http://localhost:8400/callback", "http://localhost:8400/callback?",
            "ftp://localhost/callback?code=abc", "code=abc state=x", "?",
        ] {
            guard case .failure(let problem) = PastedRedirect.query(text, callbackPaths: paths) else {
                Issue.record("accepted \(text)")
                continue
            }
            #expect(!problem.reason.contains("abc"), "\(problem.reason)")
        }
    }
}

extension PastedRedirectTests {
    /// Damaged pastes, from a seeded generator: none crashes, what is taken is part of what was
    /// pasted, and no refusal repeats the secret-looking part.
    @Test func damagedPastesNeverCrashAndRefusalsNeverEchoThem() {
        let seeds = [
            "http://localhost:8400/callback?code=SECRETCODE&state=xyz", "localhost:8400/callback?code=SECRETCODE&state=x#_=_",
            "?code=SECRETCODE&state=x", "http://[::1]:8400/callback?error=access_denied&state=x",
        ]
        var generator = SplitMix64(seed: 0x7061_7374_6521)
        let alphabet = Array(" \t\r\n?#=&%:/[]@.AaZz09\u{7F}\u{00}é".unicodeScalars)
        for round in 0..<20_000 {
            var scalars = Array(seeds[round % seeds.count].unicodeScalars)
            for _ in 0...Int.random(in: 0...3, using: &generator) {
                let index = Int.random(in: 0...scalars.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: scalars.insert(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)], at: index)
                case 1: if index < scalars.count { scalars.remove(at: index) }
                default: scalars = Array(scalars.prefix(index))
                }
            }
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            switch PastedRedirect.query(text, callbackPaths: paths) {
            case .success(let query):
                #expect(!query.isEmpty && text.contains(query), "\(text) gave \(query)")
            case .failure(let problem):
                #expect(!problem.reason.contains("SECRET"), "\(problem.reason)")
            }
        }
    }
}
