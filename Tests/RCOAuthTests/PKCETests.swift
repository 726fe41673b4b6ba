import RCHTTP
import Testing

@testable import RCOAuth

@Suite struct PKCETests {
    @Test func rfc7636AppendixB() {
        #expect(PKCE.challenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    @Test func generatedVerifiersAreValid() {
        let pkce = PKCE.generate()
        #expect(pkce.verifier.count == 43)
        // RFC 7636 §4.1: unreserved characters only.
        #expect(pkce.verifier.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(pkce.challenge == PKCE.challenge(for: pkce.verifier))
        #expect(PKCE.generate().verifier != pkce.verifier)
    }

    @Test func base64Vectors() {
        // RFC 4648 §10.
        let vectors = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (input, output) in vectors { #expect(Base64.encode(Array(input.utf8)) == output) }
        #expect(Base64.encodeURL([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64.encodeURL([0xFF]) == "_w")
    }

    @Test func percentEncoding() {
        #expect(FormEncoding.percentEncode("a b+c/é~._-") == "a%20b%2Bc%2F%C3%A9~._-")
        #expect(FormEncoding.encode([("x y", "1&2=3"), ("k", "")]) == "x%20y=1%262%3D3&k=")
    }
}

@Suite struct StateTests {
    @Test func stateIsLongUniqueAndDense() {
        var seen = Set<String>()
        var characters = Set<Character>()
        for _ in 0..<1000 {
            let state = OAuthState.generate()
            #expect(state.count == 43)
            #expect(state.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            seen.insert(state)
            characters.formUnion(state)
        }
        #expect(seen.count == 1000)
        // 43,000 draws from a 64-character alphabet use all of it unless something is badly wrong.
        #expect(characters.count == 64)
    }

    @Test func constantTimeEquals() {
        #expect(ConstantTime.equals("abc", "abc"))
        #expect(ConstantTime.equals("", ""))
        #expect(!ConstantTime.equals("abc", "abd"))
        #expect(!ConstantTime.equals("abc", "abcd"))
        #expect(!ConstantTime.equals("abc", ""))
        #expect(!ConstantTime.equals("é", "e\u{301}"))  // bytes, not canonical equivalence
    }
}
