import Foundation
import Testing

@testable import RCCrypto

@Suite struct ClientCertificateCredentialTests {
    static let authority = Result { try TestCertificateAuthority.generate() }

    func issue(keyBits: UInt32 = 2048, validDays: Int = 2) throws -> (certificatePEM: String, privateKeyPEM: String) {
        try Self.authority.get().issueClientCertificate(commonName: "redirect-catcher test client", validDays: validDays, keyBits: keyBits)
    }

    func credential(_ pair: (certificatePEM: String, privateKeyPEM: String)) throws -> ClientCertificateCredential {
        try ClientCertificateCredential(
            certificatePEM: pair.certificatePEM, privateKeyPEM: pair.privateKeyPEM, certificateSource: "cert.pem", keySource: "key.pem")
    }

    @Test(arguments: [RSASignatureScheme.pssSHA256, .pkcs1v15SHA256])
    func signaturesVerifyWithTheCertificatesKeyOnly(_ scheme: RSASignatureScheme) throws {
        let pair = try issue()
        let signer = try credential(pair)
        let verifier = try RSAPublicKey(certificatePEM: pair.certificatePEM)
        let message = Array("header.claims".utf8)
        let signature = try signer.sign(message, scheme: scheme)
        #expect(signature.count == 256)
        #expect(verifier.verify(signature, of: message, scheme: scheme))
        #expect(!verifier.verify(signature, of: Array("header.claimz".utf8), scheme: scheme))
        var tampered = signature
        tampered[10] ^= 1
        #expect(!verifier.verify(tampered, of: message, scheme: scheme))
        let other: RSASignatureScheme = scheme == .pssSHA256 ? .pkcs1v15SHA256 : .pssSHA256
        #expect(!verifier.verify(signature, of: message, scheme: other))
        let stranger = try RSAPublicKey(certificatePEM: try issue().certificatePEM)
        #expect(!stranger.verify(signature, of: message, scheme: scheme))
    }

    /// PSS is randomised and PKCS#1 v1.5 is not: two PS256 signatures differ, two RS256 agree.
    @Test func pssIsRandomisedPKCS1IsNot() throws {
        let signer = try credential(try issue())
        let message = Array("m".utf8)
        #expect(try signer.sign(message, scheme: .pssSHA256) != signer.sign(message, scheme: .pssSHA256))
        #expect(try signer.sign(message, scheme: .pkcs1v15SHA256) == signer.sign(message, scheme: .pkcs1v15SHA256))
    }

    /// x5t#S256 is the SHA-256 of the DER certificate: compared with `openssl x509 -outform DER | sha256sum`.
    @Test func thumbprintIsSHA256OfTheDERCertificate() throws {
        let pair = try issue()
        let signer = try credential(pair)
        #expect(signer.thumbprintSHA256 == (try RSAPublicKey(certificatePEM: pair.certificatePEM)).thumbprintSHA256)
        let body = pair.certificatePEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        let der = try #require(Data(base64Encoded: body))
        #expect(signer.thumbprintSHA256 == SHA256.hash(Array(der)))
        #expect(!signer.isExpired)
        #expect(try credential(try issue(validDays: 0)).isExpired)
    }

    @Test func refusesWhatCannotSignAnAssertion() throws {
        let pair = try issue()
        let authority = try Self.authority.get()
        let ecServer = try authority.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: [])
        let cases: [(String, String, String)] = [
            (pair.certificatePEM, try issue().privateKeyPEM, "key.pem is not the private key of the certificate in cert.pem"),
            (ecServer.certificatePEM, ecServer.privateKeyPEM, "key.pem: not an RSA key; client assertions need RSA (PS256 or RS256)"),
            (pair.certificatePEM, "", "key.pem: no valid unencrypted PEM private key"),
            ("", pair.privateKeyPEM, "cert.pem: no valid PEM certificate"),
        ]
        for (certificatePEM, keyPEM, message) in cases {
            #expect {
                try credential((certificatePEM, keyPEM))
            } throws: { error in
                (error as? TLSError)?.message.hasPrefix(message) == true && (error as? TLSError)?.kind == .configuration
            }
        }
        let short = try issue(keyBits: 1024)
        #expect {
            try credential(short)
        } throws: { error in
            (error as? TLSError)?.message == "key.pem: a 1024-bit RSA key is too short; use at least 2048 bits"
        }
    }
}
