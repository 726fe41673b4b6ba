import Foundation
import RCCrypto
import RCHTTP
import RCJSON
import Testing

@testable import RCOAuth

/// Client assertions as Entra documents them for certificate credentials
/// (https://learn.microsoft.com/en-us/entra/identity-platform/certificate-credentials):
/// header alg/typ/x5t#S256; claims aud = token endpoint, iss = sub = client id, jti, nbf, iat, exp.
@Suite struct ClientAssertionTests {
    static let issued = Result { () throws -> (certificatePEM: String, privateKeyPEM: String) in
        try TestCertificateAuthority.generate().issueClientCertificate(commonName: "assertion test")
    }

    func certificate(_ algorithm: ClientAssertionAlgorithm) throws -> ClientCertificate {
        let pair = try Self.issued.get()
        return ClientCertificate(
            credential: try ClientCertificateCredential(
                certificatePEM: pair.certificatePEM, privateKeyPEM: pair.privateKeyPEM, certificateSource: "c", keySource: "k"),
            algorithm: algorithm)
    }

    func decode(_ segment: Substring) throws -> JSONObject {
        let bytes = try #require(Base64.decodeURL(String(segment)))
        guard case .object(let object) = try JSONParser.parse(bytes) else { throw HarnessError() }
        return object
    }

    struct HarnessError: Error {}

    static let fixedClock = TokenRequest.AssertionClock(now: { 1_700_000_000 }, jti: { "jti-1" })

    @Test(arguments: ClientAssertionAlgorithm.allCases)
    func tokenRequestCarriesAVerifiableAssertion(_ algorithm: ClientAssertionAlgorithm) throws {
        let cert = try certificate(algorithm)
        var account = Fixtures.account(.entra, scopes: ["https://graph.microsoft.com/.default", "offline_access"])
        account.clientAuth = .privateKeyJWT
        account.clientCertificate = cert
        let request = TokenRequest.authorizationCode(account: account, code: "C", verifier: "V", assertionClock: Self.fixedClock)
        #expect(request.failure == nil)
        // The assertion travels in the body: no Authorization header (Entra's throttling
        // capability header is the only one).
        #expect(request.headers.map(\.0) == ["x-ms-lib-capability"])
        #expect(
            request.formBody.map(\.0) == [
                "grant_type", "code", "redirect_uri", "client_id", "client_assertion_type", "client_assertion", "code_verifier", "scope",
            ])
        let fields = Dictionary(uniqueKeysWithValues: request.formBody)
        #expect(fields["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        #expect(fields["client_secret"] == nil)
        let jwt = try #require(fields["client_assertion"])
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        let header = try decode(parts[0])
        #expect(header.keys == ["alg", "typ", "x5t#S256"])
        #expect(header["alg"] == .string(algorithm.rawValue))
        #expect(header["typ"] == .string("JWT"))
        #expect(header["x5t#S256"] == .string(Base64.encodeURL(cert.credential.thumbprintSHA256)))
        let claims = try decode(parts[1])
        #expect(claims["aud"] == .string("https://sso.example.com/oauth2/token"))
        #expect(claims["iss"] == .string("my client"))
        #expect(claims["sub"] == .string("my client"))
        #expect(claims["jti"] == .string("jti-1"))
        #expect(claims["nbf"] == .number(JSONNumber(1_700_000_000)))
        #expect(claims["iat"] == .number(JSONNumber(1_700_000_000)))
        #expect(claims["exp"] == .number(JSONNumber(1_700_000_300)))
        let verifier = try RSAPublicKey(certificatePEM: try Self.issued.get().certificatePEM)
        let signature = try #require(Base64.decodeURL(String(parts[2])))
        #expect(verifier.verify(signature, of: Array("\(parts[0]).\(parts[1])".utf8), scheme: algorithm.scheme))
    }

    /// Each request gets its own assertion: Entra refuses a replayed jti.
    @Test func everyRequestHasAFreshAssertion() throws {
        var account = Fixtures.account()
        account.clientAuth = .privateKeyJWT
        account.clientCertificate = try certificate(.ps256)
        let first = TokenRequest.refresh(account: account, refreshToken: "R")
        let second = TokenRequest.refresh(account: account, refreshToken: "R")
        let assertion = { (request: TokenRequest) in request.formBody.first { $0.0 == "client_assertion" }?.1 }
        #expect(assertion(first) != nil && assertion(first) != assertion(second))
        #expect(first.formBody.map(\.0) == ["grant_type", "refresh_token", "client_id", "client_assertion_type", "client_assertion", "scope"])
    }

    @Test func withoutACertificateTheRequestIsNotSent() {
        var account = Fixtures.account()
        account.clientAuth = .privateKeyJWT
        let request = TokenRequest.refresh(account: account, refreshToken: "R")
        #expect(request.failure == "client_auth is private_key_jwt but the account has no certificate")
    }

    @Test func settingsShowTheThumbprintNeverTheKey() throws {
        let pair = try Self.issued.get()
        var account = Fixtures.account()
        account.clientAuth = .privateKeyJWT
        account.clientCertificate = try certificate(.rs256)
        let texts = [account.description, account.debugDescription, String(reflecting: account), "\(Mirror(reflecting: account).children.map { "\($0.value)" })"]
        let keyBody = pair.privateKeyPEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }
        for text in texts {
            #expect(text.contains("x5t#S256 \(account.clientCertificate?.thumbprint ?? "?"), RS256"), "\(text)")
            for line in keyBody { #expect(!text.contains(line)) }
        }
    }

    /// What MSAL sends AD FS: the certificate named by its SHA-1 thumbprint in `x5t`.
    @Test func anX5tCertificateNamesItselfBySHA1() throws {
        let pair = try Self.issued.get()
        let credential = try ClientCertificateCredential(
            certificatePEM: pair.certificatePEM, privateKeyPEM: pair.privateKeyPEM, certificateSource: "c", keySource: "k")
        let cert = ClientCertificate(credential: credential, algorithm: .rs256, header: .x5t)
        let jwt = try ClientAssertion.make(clientID: "c", audience: "https://adfs.fabrikam.test/adfs/oauth2/token", certificate: cert, now: 1, jti: "j")
        let header = try decode(jwt.split(separator: ".")[0])
        #expect(header.keys == ["alg", "typ", "x5t"])
        #expect(header["alg"] == .string("RS256"))
        #expect(header["x5t"] == .string(Base64.encodeURL(credential.thumbprintSHA1)))
        #expect(credential.thumbprintSHA1.count == 20)
        #expect(cert.description.hasSuffix("RS256 with an x5t header"))
        #expect(cert != ClientCertificate(credential: credential, algorithm: .rs256))
    }
}
