import Testing

@testable import RCOAuth

/// Discovery documents: where they are looked for, and what makes one unusable.
@Suite struct ProviderMetadataTests {
    static let issuer = "https://sso.example.com"

    static func document(
        issuer: String = issuer, authorize: String? = "https://sso.example.com/oauth2/authorize",
        token: String? = "https://sso.example.com/oauth2/token", methods: String? = #"["S256"]"#,
        responseTypes: String? = #"["code"]"#
    ) -> [UInt8] {
        var members = [#""issuer": "\#(issuer)""#]
        if let authorize { members.append(#""authorization_endpoint": "\#(authorize)""#) }
        if let token { members.append(#""token_endpoint": "\#(token)""#) }
        if let methods { members.append(#""code_challenge_methods_supported": \#(methods)"#) }
        if let responseTypes { members.append(#""response_types_supported": \#(responseTypes)"#) }
        return Array(("{" + members.joined(separator: ", ") + "}").utf8)
    }

    func problem(_ body: [UInt8], expected: String = issuer) -> String? {
        do {
            _ = try ProviderMetadata.parse(body, expectedIssuer: expected)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func locationsForAnIssuerWithoutAPath() {
        #expect(
            ProviderMetadata.locations(issuer: "https://sso.example.com")
                == ["https://sso.example.com/.well-known/openid-configuration", "https://sso.example.com/.well-known/oauth-authorization-server"])
        #expect(ProviderMetadata.locations(issuer: "https://sso.example.com/")[0] == "https://sso.example.com/.well-known/openid-configuration")
    }

    /// OpenID Connect appends; RFC 8414 §3.1 inserts between host and path, final `/` removed.
    @Test func locationsForAnIssuerWithAPath() {
        #expect(
            ProviderMetadata.locations(issuer: "https://login.example.com:8443/tenant/v2.0/")
                == [
                    "https://login.example.com:8443/tenant/v2.0/.well-known/openid-configuration",
                    "https://login.example.com:8443/.well-known/oauth-authorization-server/tenant/v2.0",
                ])
    }

    @Test func aGoodDocument() throws {
        let metadata = try ProviderMetadata.parse(Self.document(), expectedIssuer: Self.issuer)
        #expect(metadata == ProviderMetadata(issuer: Self.issuer, authorizationEndpoint: "https://sso.example.com/oauth2/authorize", tokenEndpoint: "https://sso.example.com/oauth2/token"))
        // Plain http is fine for a provider on loopback (a local test provider).
        let local = Self.document(issuer: "http://127.0.0.1:9000", authorize: "http://127.0.0.1:9000/a", token: "http://localhost:9000/t")
        #expect(problem(local, expected: "http://127.0.0.1:9000") == nil)
        // More methods than S256, and no response_types_supported at all, are fine.
        #expect(problem(Self.document(methods: #"["plain", "S256"]"#, responseTypes: nil)) == nil)
    }

    /// OpenID Connect Discovery §4.3: exactly the configured issuer, not a prefix or a case variant.
    @Test(arguments: ["https://evil.example.com", "https://sso.example.com/", "https://SSO.example.com"])
    func anotherIssuerIsRefused(_ claimed: String) {
        #expect(
            problem(Self.document(issuer: claimed))
                == "the metadata is for issuer \(claimed), not https://sso.example.com; set issuer to exactly the provider's issuer")
    }

    @Test func aListWithoutS256IsRefused() {
        #expect(problem(Self.document(methods: #"["plain"]"#))?.contains("(it lists only plain)") == true)
        #expect(problem(Self.document(methods: "[]"))?.contains("does not advertise PKCE S256") == true)
    }

    @Test func endpointsMustBeHTTPSAwayFromLoopback() {
        #expect(
            problem(Self.document(token: "http://sso.example.com/token"))
                == "token_endpoint http://sso.example.com/token: not an https URL (plain http is allowed only on a loopback host)")
        #expect(problem(Self.document(authorize: nil)) == "the metadata has no authorization_endpoint")
        #expect(problem(Self.document(token: "")) == "the metadata has no token_endpoint")
    }

    @Test func malformedDocuments() {
        #expect(problem(Array("<html>".utf8))?.hasPrefix("the metadata is not JSON") == true)
        #expect(problem(Array("[1]".utf8)) == "the metadata is an array, not a JSON object")
        #expect(problem(Self.document(responseTypes: #"["token"]"#))?.contains("response_types_supported has no \"code\"") == true)
    }

    /// Entra's metadata has no `code_challenge_methods_supported` at all, though Entra does S256.
    @Test func anAbsentListAssumesS256AndSaysSo() throws {
        let metadata = try ProviderMetadata.parse(Self.document(methods: nil), expectedIssuer: "https://sso.example.com")
        #expect(metadata.assumesS256)
        #expect(!(try ProviderMetadata.parse(Self.document(), expectedIssuer: "https://sso.example.com")).assumesS256)
        #expect(problem(Self.document(methods: "null"))?.contains("it lists none") == true)
    }
}
