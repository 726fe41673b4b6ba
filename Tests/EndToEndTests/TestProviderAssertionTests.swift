import Foundation
import RCCrypto
import RCHTTP
import RCJSON
import RCTestProvider
import Testing

/// The provider's checks of client assertions, one broken rule at a time: a daemon bug in any
/// of them must fail the end-to-end tests, not slip past a lenient fake.
extension TestProviderTests {
    struct AssertionSigner {
        let credential: ClientCertificateCredential
        let thumbprint: String

        func jwt(
            header: [(key: String, value: JSONValue)]? = nil, claims: [(key: String, value: JSONValue)], scheme: RSASignatureScheme = .pssSHA256,
            alg: String = "PS256"
        ) throws -> String {
            let head = JSONObject(header ?? [("alg", .string(alg)), ("typ", .string("JWT")), ("x5t#S256", .string(thumbprint))])
            let input = segment(head) + "." + segment(JSONObject(claims))
            return input + "." + Base64.encodeURL(try credential.sign(Array(input.utf8), scheme: scheme))
        }

        private func segment(_ object: JSONObject) -> String { Base64.encodeURL(Array(JSONWriter.write(.object(object)).utf8)) }
    }

    @Test func clientAssertionsAreCheckedRuleByRule() throws {
        let authority = try TestCertificateAuthority.generate()
        let registered = try authority.issueClientCertificate(commonName: "registered")
        let stranger = try authority.issueClientCertificate(commonName: "stranger")
        var options = TestProviderOptions()
        options.clients = [TestClient(id: "cert-app", certificatePEM: registered.certificatePEM), .demo]
        let h = try Harness(options)
        defer { h.provider.stop() }
        func signer(_ pair: (certificatePEM: String, privateKeyPEM: String)) throws -> AssertionSigner {
            let credential = try ClientCertificateCredential(
                certificatePEM: pair.certificatePEM, privateKeyPEM: pair.privateKeyPEM, certificateSource: "c", keySource: "k")
            return AssertionSigner(credential: credential, thumbprint: Base64.encodeURL(credential.thumbprintSHA256))
        }
        let good = try signer(registered)
        let now = Int64(Date().timeIntervalSince1970)
        var serial = 0
        func claims(aud: String? = nil, iss: String = "cert-app", sub: String = "cert-app", nbf: Int64? = nil, exp: Int64? = nil, jti: String? = nil)
            -> [(key: String, value: JSONValue)]
        {
            serial += 1
            return [
                ("aud", .string(aud ?? h.provider.tokenURL)), ("iss", .string(iss)), ("sub", .string(sub)),
                ("jti", .string(jti ?? "jti-\(serial)")), ("nbf", .number(JSONNumber(nbf ?? now))),
                ("exp", .number(JSONNumber(exp ?? now + 300))),
            ]
        }
        func attempt(_ assertion: String, type: String = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", extra: [(String, String)] = [])
            throws -> HTTPResponseMessage
        {
            try h.token(
                [("grant_type", "refresh_token"), ("refresh_token", "unknown"), ("client_id", "cert-app"),
                 ("client_assertion_type", type), ("client_assertion", assertion)] + extra)
        }
        // A valid assertion gets past client authentication to the grant (an unknown refresh token).
        try expectTokenError(try attempt(try good.jwt(claims: claims())), status: 400, error: "invalid_grant", code: 9002313)
        try expectTokenError(
            try attempt(try good.jwt(claims: claims(), scheme: .pkcs1v15SHA256, alg: "RS256")), status: 400, error: "invalid_grant")
        #expect(h.provider.stats.clientAssertions == 2)

        let replayed = try good.jwt(claims: claims(jti: "once"))
        try expectTokenError(try attempt(replayed), status: 400, error: "invalid_grant")
        let refusals: [(String, String, Int)] = [
            ("replayed jti", replayed, 700027),
            ("another key, same thumbprint", try AssertionSigner(credential: try signer(stranger).credential, thumbprint: good.thumbprint).jwt(claims: claims()), 700027),
            ("another certificate", try signer(stranger).jwt(claims: claims()), 700027),
            ("PS256 signature labelled RS256", try good.jwt(claims: claims(), alg: "RS256"), 700027),
            ("HS256", try good.jwt(claims: claims(), alg: "HS256"), 700027),
            ("no x5t#S256", try good.jwt(header: [("alg", .string("PS256")), ("typ", .string("JWT"))], claims: claims()), 700027),
            ("audience is the authorize endpoint", try good.jwt(claims: claims(aud: h.provider.authorizeURL)), 700027),
            ("iss is another client", try good.jwt(claims: claims(iss: "demo-client")), 700021),
            ("sub is another client", try good.jwt(claims: claims(sub: "someone")), 700021),
            ("expired", try good.jwt(claims: claims(nbf: now - 900, exp: now - 300)), 700024),
            ("not yet valid", try good.jwt(claims: claims(nbf: now + 600, exp: now + 900)), 700024),
            ("valid for 11 minutes", try good.jwt(claims: claims(exp: now + 660)), 700024),
            ("not a JWS", "abc.def", 700027),
        ]
        for (what, assertion, code) in refusals {
            let response = try attempt(assertion)
            #expect(response.status == 401, "\(what)")
            let body = try json(response)
            #expect(body["error"]?.stringValue == "invalid_client", "\(what)")
            #expect(body["error_codes"]?.arrayValue == [.number(JSONNumber(Int64(code)))], "\(what): \(body)")
        }
        try expectTokenError(try attempt(try good.jwt(claims: claims()), type: "urn:other"), status: 400, error: "invalid_request")
        try expectTokenError(
            try attempt(try good.jwt(claims: claims()), extra: [("client_secret", "x")]), status: 400, error: "invalid_request")
        // A client with a certificate and no assertion says what is missing, as Entra does.
        try expectTokenError(
            try h.token([("grant_type", "refresh_token"), ("refresh_token", "x"), ("client_id", "cert-app")]),
            status: 401, error: "invalid_client", code: 7000218)
        // A public client may not send an assertion either (AADSTS700025).
        try expectTokenError(
            try h.token(
                [("grant_type", "refresh_token"), ("refresh_token", "x"), ("client_id", "demo-client"),
                 ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"), ("client_assertion", "a.b.c")]),
            status: 401, error: "invalid_client", code: 700025)
        #expect(h.provider.stats.clientAssertions == 3)
    }
}
