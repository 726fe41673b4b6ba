import RCHTTP
import RCTestSupport
import Testing

@Suite struct Base64Tests {
    /// RFC 4648 §10 test vectors.
    let vectors: [(String, String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ]

    @Test func rfc4648Vectors() {
        for (plain, encoded) in vectors {
            #expect(Base64.encode(bytes(plain)) == encoded)
            #expect(Base64.decode(encoded) == bytes(plain))
            let unpadded = String(encoded.filter { $0 != "=" })
            #expect(Base64.encodeURL(bytes(plain)) == unpadded)
            #expect(Base64.decodeURL(unpadded) == bytes(plain))
            #expect(Base64.decodeURL(encoded) == bytes(plain))
        }
    }

    @Test func urlAlphabet() {
        let data: [UInt8] = [0xFB, 0xFF, 0xBF]
        #expect(Base64.encode(data) == "+/+/")
        #expect(Base64.encodeURL(data) == "-_-_")
        #expect(Base64.decodeURL("-_-_") == data)
        #expect(Base64.decode("-_-_") == nil)
        #expect(Base64.decodeURL("+/+/") == nil)
        // RFC 7636 appendix B: the PKCE S256 challenge for the example verifier.
        let digest: [UInt8] = [
            19, 211, 30, 150, 26, 26, 216, 236, 47, 22, 177, 12, 76, 152, 46, 8, 118, 168, 120, 173, 109, 241, 68, 86,
            110, 225, 137, 74, 203, 112, 249, 195,
        ]
        #expect(Base64.encodeURL(digest) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }

    @Test func strictDecoding() {
        for bad in [
            "Zg", "Zg=", "Z===", "Zm9v\n", " Zm9v", "Zm9v====", "Zg==Zg==", "Zh==", "Zm9=", "Zm=v", "Zm9v!A==", "====",
        ] {
            #expect(Base64.decode(bad) == nil, "\(bad.debugDescription)")
        }
        for bad in ["Z", "Zh", "Zm9", "Zg=", "Zm9vY", "a=bc", "Zg==="] {
            #expect(Base64.decodeURL(bad) == nil, "\(bad.debugDescription)")
        }
    }

    @Test func roundTripRandomBytes() {
        var random = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            let count = Int(random.next() % 70)
            let data = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            #expect(Base64.decode(Base64.encode(data)) == data)
            #expect(Base64.decodeURL(Base64.encodeURL(data)) == data)
        }
    }
}
