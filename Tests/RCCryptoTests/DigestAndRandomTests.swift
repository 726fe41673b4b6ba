import RCCrypto
import Testing

@Suite struct DigestAndRandomTests {
    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    @Test func sha256OfEmptyString() {
        #expect(hex(SHA256.hash("")) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func sha256OfABC() {
        #expect(hex(SHA256.hash("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
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
