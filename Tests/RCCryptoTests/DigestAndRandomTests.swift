import RCCrypto
import Testing

@Suite struct DigestAndRandomTests {
    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    @Test func sha256OfEmptyString() {
        #expect(hex(SHA256.hash("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// FIPS 180-2's "abc" vector: SHA-1 serves only certificate thumbprints (`x5t`).
    @Test func sha1OfABC() {
        #expect(hex(SHA1.hash(Array("abc".utf8))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(hex(SHA1.hash([])) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    }

    @Test func sha256OfABC() {
        #expect(hex(SHA256.hash("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    /// FIPS 180-2's two-block message and its million 'a's: padding across a block boundary
    /// and a long input.
    @Test func sha256OfTheStandardsLongerMessages() {
        #expect(hex(SHA256.hash("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// A large request is filled completely (getrandom may return less than asked), and every
    /// byte value turns up in it.
    @Test func aLargeRandomRequestIsFilled() {
        let bytes = SecureRandom.bytes(1 << 20)
        #expect(bytes.count == 1 << 20)
        var seen = [Int](repeating: 0, count: 256)
        for byte in bytes { seen[Int(byte)] += 1 }
        #expect(seen.allSatisfy { $0 > 3000 }, "each value expected about 4096 times: \(seen.min() ?? 0)")
    }

    @Test func randomBytesHaveTheLengthAskedForAndDoNotRepeat() {
        #expect(SecureRandom.bytes(0).isEmpty)
        #expect(SecureRandom.bytes(1).count == 1)
        let samples = (0..<64).map { _ in SecureRandom.bytes(32) }
        #expect(samples.allSatisfy { $0.count == 32 })
        #expect(Set(samples).count == samples.count)
    }

    @Test func randomIntegersStayBelowTheBound() {
        let values = (0..<1000).map { _ in SecureRandom.integer(below: 7) }
        #expect(values.allSatisfy { $0 < 7 })
        #expect(Set(values).count == 7)
    }
}
