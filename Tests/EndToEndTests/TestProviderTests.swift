import Glibc
import RCCrypto
import RCHTTP
import RCJSON
import RCSystem
import RCTestProvider
import Testing

/// The strict test provider, exercised in-process over real sockets: over TLS with a generated
/// CA, and once over plain HTTP.
@Suite struct TestProviderTests {
    // MARK: Harness

    /// A running provider and what a client needs to reach it.
    struct Harness {
        let provider: TestProvider
        let caPEM: String?
        let redirectURI = "http://127.0.0.1:8400/callback"

        init(_ options: TestProviderOptions = TestProviderOptions(), tls: Bool = true) throws {
            provider = TestProvider(options: options)
            if tls {
                let authority = try TestCertificateAuthority.generate()
                let leaf = try authority.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
                let context = try TLSServerContext(certificatePEM: leaf.certificatePEM, privateKeyPEM: leaf.privateKeyPEM)
                try provider.start(tls: context)
                caPEM = authority.certificatePEM
            } else {
                try provider.start(tls: nil)
                caPEM = nil
            }
        }

        /// A fresh verifier and the /authorize URL for it.
        func authorizeURL(
            clientID: String = "demo-client", redirectURI: String? = nil, scope: String? = "openid offline_access",
            state: String = "state-123", challengeMethod: String? = "S256", challenge: String? = nil,
            extra: [(String, String)] = [], verifier: String = Harness.newVerifier()
        ) -> String {
            var query: [(String, String)] = [
                ("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirectURI ?? self.redirectURI),
                ("state", state), ("nonce", "nonce-456"),
            ]
            if let scope { query.append(("scope", scope)) }
            if let method = challengeMethod { query.append(("code_challenge_method", method)) }
            query.append(("code_challenge", challenge ?? Harness.challenge(verifier)))
            return provider.authorizeURL + "?" + FormEncoding.encode(query + extra)
        }

        static func newVerifier() -> String { Base64.encodeURL(SecureRandom.bytes(32)) }
        static func challenge(_ verifier: String) -> String { Base64.encodeURL(SHA256.hash(Array(verifier.utf8))) }

        /// Signs in as the person and returns the code from the redirect.
        func code(verifier: String, clientID: String = "demo-client", scope: String? = "openid offline_access", extra: [(String, String)] = []) throws -> String {
            let outcome = try TestPerson.signIn(
                authorizeURL: authorizeURL(clientID: clientID, scope: scope, extra: extra, verifier: verifier), approve: true, caPEM: caPEM)
            guard case .redirect(let location) = outcome else {
                Issue.record("expected a redirect, got \(outcome)")
                return ""
            }
            let query = try #require(location.split(separator: "?", maxSplits: 1).last)
            let fields = try FormDecoding.decode(String(query))
            return try #require(fields.first { $0.name == "code" }?.value)
        }

        func token(_ fields: [(String, String)], headers: [(String, String)] = []) throws -> HTTPResponseMessage {
            try TestHTTPClient.postForm(url: provider.tokenURL, fields, headers: headers, caPEM: caPEM)
        }

        func redeem(_ code: String, verifier: String, clientID: String = "demo-client", redirectURI: String? = nil, extra: [(String, String)] = []) throws -> HTTPResponseMessage {
            try token(
                [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI ?? self.redirectURI),
                 ("client_id", clientID), ("code_verifier", verifier)] + extra)
        }

        func refresh(_ refreshToken: String, clientID: String = "demo-client") throws -> HTTPResponseMessage {
            try token([("grant_type", "refresh_token"), ("refresh_token", refreshToken), ("client_id", clientID)])
        }

        func validate(_ accessToken: String) throws -> HTTPResponseMessage {
            try TestHTTPClient.send(url: provider.validateURL, headers: [("Authorization", "Bearer \(accessToken)")], caPEM: caPEM)
        }

        /// A full sign-in and code redemption; the token response's JSON.
        func signedIn(scope: String? = "openid offline_access", extra: [(String, String)] = []) throws -> JSONObject {
            let verifier = Harness.newVerifier()
            let response = try redeem(try code(verifier: verifier, scope: scope, extra: extra), verifier: verifier)
            #expect(response.status == 200)
            return try json(response)
        }
    }

    static func json(_ response: HTTPResponseMessage) throws -> JSONObject {
        try #require(try JSONParser.parse(response.body).objectValue)
    }

    func json(_ response: HTTPResponseMessage) throws -> JSONObject { try Self.json(response) }

    /// Asserts an RFC 6749 §5.2 error with Entra's extras, and returns its `error`.
    @discardableResult
    func expectTokenError(_ response: HTTPResponseMessage, status: Int, error: String, code: Int? = nil) throws -> JSONObject {
        #expect(response.status == status)
        #expect(response.headers["Cache-Control"] == "no-store")
        #expect(response.headers["Content-Type"]?.hasPrefix("application/json") == true)
        let body = try json(response)
        #expect(body["error"]?.stringValue == error)
        #expect(body["error_description"]?.stringValue?.isEmpty == false)
        #expect(body["trace_id"]?.stringValue != nil && body["correlation_id"]?.stringValue != nil)
        #expect(body["timestamp"]?.stringValue != nil)
        if let code { #expect(body["error_codes"]?.arrayValue == [.number(JSONNumber(Int64(code)))]) }
        return body
    }

    static func queryFields(_ location: String) throws -> [String: String] {
        let query = try #require(location.split(separator: "?", maxSplits: 1).dropFirst().first)
        return Dictionary(try FormDecoding.decode(String(query)).map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    }
}

extension JSONObject {
    func string(_ key: String) -> String? { self[key]?.stringValue }
}

// MARK: The happy path

extension TestProviderTests {
    @Test func fullFlowOverTLSWithRefreshRotation() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        #expect(h.provider.baseURL.hasPrefix("https://127.0.0.1:"))
        let verifier = Harness.newVerifier()
        let outcome = try TestPerson.signIn(authorizeURL: h.authorizeURL(verifier: verifier), approve: true, caPEM: h.caPEM)
        guard case .redirect(let location) = outcome else { Issue.record("\(outcome)"); return }
        #expect(location.hasPrefix(h.redirectURI + "?"))
        let fields = try Self.queryFields(location)
        #expect(fields["state"] == "state-123")
        #expect(fields["iss"] == h.provider.issuer)
        let code = try #require(fields["code"])
        #expect(Base64.decodeURL(code)?.count == 32)

        let first = try json(try h.redeem(code, verifier: verifier))
        #expect(first.string("token_type") == "Bearer")
        #expect(first["expires_in"]?.numberValue?.int64 == 3600)
        let access = try #require(first.string("access_token"))
        let refresh = try #require(first.string("refresh_token"))
        #expect(h.provider.isValid(accessToken: access))

        let validation = try h.validate(access)
        #expect(validation.status == 200)
        let claims = try json(validation)
        #expect(claims["active"] == .bool(true))
        #expect(claims.string("client_id") == "demo-client")
        #expect(claims.string("sub") == "demo.user@example.test")

        let second = try json(try h.refresh(refresh))
        let newRefresh = try #require(second.string("refresh_token"))
        let newAccess = try #require(second.string("access_token"))
        #expect(newRefresh != refresh && newAccess != access)
        #expect(try h.validate(newAccess).status == 200)

        // The rotated-out token is refused, and its reuse takes the whole family down.
        try expectTokenError(try h.refresh(refresh), status: 400, error: "invalid_grant", code: 50173)
        try expectTokenError(try h.refresh(newRefresh), status: 400, error: "invalid_grant")
        #expect(try h.validate(newAccess).status == 401)
        #expect(try json(try h.validate(newAccess))["active"] == .bool(false))

        let stats = h.provider.stats
        #expect(stats.authorizeRequests == 1)
        #expect(stats.codeGrants == 1 && stats.refreshGrants == 1)
        #expect(stats.failedGrants["invalid_grant"] == 2)
        #expect(stats.tokenRequests == 4)
        #expect(stats.validations == 4)
    }

    @Test func fullFlowOverPlainHTTP() throws {
        let h = try Harness(tls: false)
        defer { h.provider.stop() }
        #expect(h.provider.tokenURL.hasPrefix("http://127.0.0.1:"))
        let tokens = try h.signedIn()
        let access = try #require(tokens.string("access_token"))
        #expect(try h.validate(access).status == 200)
        let refreshed = try json(try h.refresh(try #require(tokens.string("refresh_token"))))
        #expect(refreshed.string("access_token") != nil)
    }

    @Test func idTokenIsSignedJWTWithNonceAndAudience() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        let tokens = try h.signedIn()
        let parts = try #require(tokens.string("id_token")).split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        let headerBytes = try #require(Base64.decodeURL(parts[0]))
        let header = try #require(try JSONParser.parse(headerBytes).objectValue)
        #expect(header.string("alg") == "HS256" && header.string("typ") == "JWT")
        let claimBytes = try #require(Base64.decodeURL(parts[1]))
        let claims = try #require(try JSONParser.parse(claimBytes).objectValue)
        #expect(claims.string("iss") == h.provider.issuer)
        #expect(claims.string("aud") == "demo-client")
        #expect(claims.string("nonce") == "nonce-456")
        #expect(claims.string("sub") == "demo.user@example.test")
        let iat = try #require(claims["iat"]?.numberValue?.int64)
        #expect(claims["exp"]?.numberValue?.int64 == iat + 3600)
        #expect(Base64.decodeURL(parts[2])?.count == 32)
        // Without openid there is no id_token.
        #expect(try h.signedIn(scope: "offline_access")["id_token"] == nil)
    }

    @Test func signInPageIsSelfContainedAndOneTime() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        let page = try TestHTTPClient.send(url: h.authorizeURL(scope: "openid offline_access api://x/.default"), caPEM: h.caPEM)
        #expect(page.status == 200)
        let html = String(decoding: page.body, as: UTF8.self)
        #expect(html.contains("Sign in to the redirect-catcher test provider"))
        #expect(html.contains("<button type=\"submit\" name=\"decision\" value=\"approve\" id=\"approve\">Sign in</button>"))
        #expect(html.contains("value=\"deny\" id=\"deny\""))
        #expect(html.contains("demo-client") && html.contains("api://x/.default") && html.contains("demo.user@example.test"))
        #expect(html.contains("prefers-color-scheme: dark"))
        #expect(!html.contains("http://") && !html.contains("https://"), "no external resources")
        let csp = try #require(page.headers["Content-Security-Policy"])
        #expect(csp.contains("default-src 'none'"))
        #expect(page.headers["Cache-Control"] == "no-store")

        // The hidden request id answers once.
        let requestID = try #require(html.firstRange(of: "name=\"request\" value=\"").map { html[$0.upperBound...].prefix { $0 != "\"" } })
        let decide = h.provider.authorizeURL + "/decide"
        let first = try TestHTTPClient.postForm(url: decide, [("request", String(requestID)), ("decision", "approve")], caPEM: h.caPEM)
        #expect(first.status == 303)
        let again = try TestHTTPClient.postForm(url: decide, [("request", String(requestID)), ("decision", "approve")], caPEM: h.caPEM)
        #expect(again.status == 400)
    }

    @Test func denyRedirectsWithAccessDenied() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        let outcome = try TestPerson.signIn(authorizeURL: h.authorizeURL(), approve: false, caPEM: h.caPEM)
        guard case .redirect(let location) = outcome else { Issue.record("\(outcome)"); return }
        let fields = try Self.queryFields(location)
        #expect(fields["error"] == "access_denied")
        #expect(fields["error_description"] == "The user declined")
        #expect(fields["state"] == "state-123")
        #expect(fields["code"] == nil)
        #expect(location.contains("error_description=The%20user%20declined") || location.contains("The+user+declined"))
    }

    @Test func formPostPageCarriesTheFields() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        let verifier = Harness.newVerifier()
        let outcome = try TestPerson.signIn(
            authorizeURL: h.authorizeURL(extra: [("response_mode", "form_post")], verifier: verifier), approve: true, caPEM: h.caPEM)
        guard case .formPost(let action, let fields) = outcome else { Issue.record("\(outcome)"); return }
        #expect(action == h.redirectURI)
        #expect(fields["state"] == "state-123")
        #expect(fields["iss"] == h.provider.issuer)
        let code = try #require(fields["code"])
        #expect(try h.redeem(code, verifier: verifier).status == 200)

        // The raw page: auto-submit script plus a visible button for browsers without JavaScript.
        let page = try TestHTTPClient.send(url: h.authorizeURL(extra: [("response_mode", "form_post")]), caPEM: h.caPEM)
        let html = String(decoding: page.body, as: UTF8.self)
        let requestID = try #require(html.firstRange(of: "name=\"request\" value=\"").map { html[$0.upperBound...].prefix { $0 != "\"" } })
        let posted = try TestHTTPClient.postForm(
            url: h.provider.authorizeURL + "/decide", [("request", String(requestID)), ("decision", "deny")], caPEM: h.caPEM)
        #expect(posted.status == 200)
        let bridge = String(decoding: posted.body, as: UTF8.self)
        #expect(bridge.contains("<form method=\"post\" action=\"\(h.redirectURI)\">"))
        #expect(bridge.contains("document.forms[0].submit()"))
        #expect(bridge.contains("<button type=\"submit\""))
        #expect(bridge.contains("name=\"error\" value=\"access_denied\""))
        #expect(posted.headers["Content-Security-Policy"]?.contains("form-action 'self' http://127.0.0.1:8400") == true)
    }

    @Test func discoveryDocuments() throws {
        let h = try Harness(.entraV2(tenant: "contoso.test"))
        defer { h.provider.stop() }
        #expect(h.provider.authorizeURL.hasSuffix("/contoso.test/oauth2/v2.0/authorize"))
        for path in ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/contoso.test/v2.0/.well-known/openid-configuration"] {
            let response = try TestHTTPClient.send(url: h.provider.baseURL + path, caPEM: h.caPEM)
            #expect(response.status == 200, "\(path)")
            let document = try json(response)
            #expect(document.string("issuer") == h.provider.issuer)
            #expect(document.string("authorization_endpoint") == h.provider.authorizeURL)
            #expect(document.string("token_endpoint") == h.provider.tokenURL)
            #expect(document["code_challenge_methods_supported"] == .array([.string("S256")]))
            #expect(document["response_modes_supported"] == .array([.string("query"), .string("form_post")]))
            #expect(document["response_types_supported"] == .array([.string("code")]))
            #expect(document["grant_types_supported"]?.arrayValue?.contains(.string("refresh_token")) == true)
            #expect(document["token_endpoint_auth_methods_supported"]?.arrayValue?.contains(.string("client_secret_basic")) == true)
        }
    }
}

// MARK: Strictness

extension TestProviderTests {
    @Test(arguments: [nil, "plain", "s256"])
    func authorizeWithoutS256IsRefusedByRedirect(method: String?) throws {
        let h = try Harness()
        defer { h.provider.stop() }
        let verifier = Harness.newVerifier()
        let outcome = try TestPerson.signIn(
            authorizeURL: h.authorizeURL(challengeMethod: method, challenge: method == "plain" ? verifier : nil, verifier: verifier),
            approve: true, caPEM: h.caPEM)
        guard case .redirect(let location) = outcome else { Issue.record("\(outcome)"); return }
        let fields = try Self.queryFields(location)
        #expect(fields["error"] == "invalid_request")
        #expect(fields["error_description"]?.contains("PKCE S256 is required") == true)
        #expect(fields["state"] == "state-123")
        #expect(fields["code"] == nil)
    }

    @Test func unknownClientAndUnregisteredRedirectAreShownNotRedirected() throws {
        var options = TestProviderOptions()
        options.clients.append(TestClient(id: "registered", redirectURIs: ["http://localhost:8400/callback"]))
        let h = try Harness(options)
        defer { h.provider.stop() }
        let cases: [(String, String)] = [
            (h.authorizeURL(clientID: "nobody"), "AADSTS700016"),
            (h.authorizeURL(redirectURI: "https://evil.example/callback"), "AADSTS50011"),
            (h.authorizeURL(redirectURI: "http://192.168.1.5:8400/callback"), "AADSTS50011"),
            // Exact match: another port, a trailing slash, or a different case is a different URI.
            (h.authorizeURL(clientID: "registered", redirectURI: "http://localhost:8401/callback"), "AADSTS50011"),
            (h.authorizeURL(clientID: "registered", redirectURI: "http://localhost:8400/callback/"), "AADSTS50011"),
            (h.authorizeURL(clientID: "registered", redirectURI: "http://localhost:8400/Callback"), "AADSTS50011"),
        ]
        for (url, code) in cases {
            let response = try TestHTTPClient.send(url: url, caPEM: h.caPEM)
            #expect(response.status == 400, "\(url)")
            #expect(response.headers["Location"] == nil)
            #expect(String(decoding: response.body, as: UTF8.self).contains(code), "\(url)")
        }
        let page = try TestHTTPClient.send(url: h.authorizeURL(clientID: "registered", redirectURI: "http://localhost:8400/callback"), caPEM: h.caPEM)
        #expect(page.status == 200)
    }

    @Test func wrongOrMissingVerifierIsInvalidGrant() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        let verifier = Harness.newVerifier()
        let code = try h.code(verifier: verifier)
        try expectTokenError(try h.redeem(code, verifier: Harness.newVerifier()), status: 400, error: "invalid_grant", code: 50148)
        try expectTokenError(
            try h.token([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", h.redirectURI), ("client_id", "demo-client")]),
            status: 400, error: "invalid_grant")
        try expectTokenError(try h.redeem(code, verifier: "short"), status: 400, error: "invalid_grant")
        // The right verifier still works: failed attempts do not consume the code.
        #expect(try h.redeem(code, verifier: verifier).status == 200)
        #expect(h.provider.stats.failedGrants["invalid_grant"] == 3)
    }

    @Test func reusedCodeIsRefusedAndRevokesItsTokens() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        let verifier = Harness.newVerifier()
        let code = try h.code(verifier: verifier)
        let tokens = try json(try h.redeem(code, verifier: verifier))
        let access = try #require(tokens.string("access_token"))
        let refresh = try #require(tokens.string("refresh_token"))
        #expect(h.provider.isValid(accessToken: access))
        try expectTokenError(try h.redeem(code, verifier: verifier), status: 400, error: "invalid_grant", code: 54005)
        #expect(!h.provider.isValid(accessToken: access))
        try expectTokenError(try h.refresh(refresh), status: 400, error: "invalid_grant", code: 50173)
    }

    @Test func redirectURIMustBeIdenticalAtTheTokenEndpoint() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        let verifier = Harness.newVerifier()
        let code = try h.code(verifier: verifier)
        for other in ["http://127.0.0.1:8400/callback/", "http://localhost:8400/callback", "http://127.0.0.1:8400/callback?x=1"] {
            try expectTokenError(try h.redeem(code, verifier: verifier, redirectURI: other), status: 400, error: "invalid_grant", code: 50011)
        }
        try expectTokenError(
            try h.token([("grant_type", "authorization_code"), ("code", code), ("client_id", "demo-client"), ("code_verifier", verifier)]),
            status: 400, error: "invalid_grant")
        #expect(try h.redeem(code, verifier: verifier).status == 200)
    }

    @Test func codeIsBoundToItsClient() throws {
        var options = TestProviderOptions()
        options.clients.append(TestClient(id: "other-client"))
        let h = try Harness(options)
        defer { h.provider.stop() }
        let verifier = Harness.newVerifier()
        let code = try h.code(verifier: verifier)
        try expectTokenError(try h.redeem(code, verifier: verifier, clientID: "other-client"), status: 400, error: "invalid_grant")
        try expectTokenError(try h.redeem("not-a-code", verifier: verifier), status: 400, error: "invalid_grant")
    }

    @Test func confidentialClientAuthenticatesExactlyOneWay() throws {
        var options = TestProviderOptions()
        options.clients = [
            TestClient(id: "web app", secret: "s3cret&+=/"),
            TestClient(id: "post-only", secret: "p", allowedAuthentication: [.post]),
            .demo,
        ]
        let h = try Harness(options)
        defer { h.provider.stop() }
        func basic(_ id: String, _ secret: String) -> (String, String) {
            ("Authorization", "Basic " + Base64.encode(Array((FormEncoding.percentEncode(id) + ":" + FormEncoding.percentEncode(secret)).utf8)))
        }
        func attempt(_ client: String, body: [(String, String)] = [], headers: [(String, String)] = []) throws -> HTTPResponseMessage {
            let verifier = Harness.newVerifier()
            let code = try h.code(verifier: verifier, clientID: client)
            return try h.token(
                [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", h.redirectURI), ("client_id", client),
                 ("code_verifier", verifier)] + body, headers: headers)
        }
        #expect(try attempt("web app", body: [("client_secret", "s3cret&+=/")]).status == 200)
        #expect(try attempt("web app", headers: [basic("web app", "s3cret&+=/")]).status == 200)
        try expectTokenError(
            try attempt("web app", body: [("client_secret", "s3cret&+=/")], headers: [basic("web app", "s3cret&+=/")]),
            status: 400, error: "invalid_request")
        try expectTokenError(try attempt("web app", body: [("client_secret", "wrong")]), status: 401, error: "invalid_client", code: 7000215)
        let wrongBasic = try attempt("web app", headers: [basic("web app", "wrong")])
        try expectTokenError(wrongBasic, status: 401, error: "invalid_client", code: 7000215)
        #expect(wrongBasic.headers["WWW-Authenticate"]?.hasPrefix("Basic") == true)
        try expectTokenError(try attempt("web app"), status: 401, error: "invalid_client", code: 7000218)
        try expectTokenError(try attempt("post-only", headers: [basic("post-only", "p")]), status: 401, error: "invalid_client")
        #expect(try attempt("post-only", body: [("client_secret", "p")]).status == 200)
        // A public client that sends a secret is refused like Entra's AADSTS700025.
        try expectTokenError(try attempt("demo-client", body: [("client_secret", "x")]), status: 401, error: "invalid_client", code: 700025)
        try expectTokenError(try attempt("demo-client", headers: [basic("demo-client", "x")]), status: 401, error: "invalid_client", code: 700025)
        try expectTokenError(
            try h.token([("grant_type", "refresh_token"), ("refresh_token", "x"), ("client_id", "nobody")]),
            status: 401, error: "invalid_client", code: 700016)
    }

    @Test func rotatedOutRefreshReuseRevokesTheFamilyOnly() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        let a = try h.signedIn()
        let b = try h.signedIn()
        let r1 = try #require(a.string("refresh_token"))
        let second = try json(try h.refresh(r1))
        let r2 = try #require(second.string("refresh_token"))
        let a2 = try #require(second.string("access_token"))
        try expectTokenError(try h.refresh(r1), status: 400, error: "invalid_grant", code: 50173)
        try expectTokenError(try h.refresh(r2), status: 400, error: "invalid_grant", code: 50173)
        #expect(!h.provider.isValid(accessToken: a2))
        #expect(!h.provider.isValid(accessToken: try #require(a.string("access_token"))))
        // Another sign-in's family is untouched.
        #expect(h.provider.isValid(accessToken: try #require(b.string("access_token"))))
        #expect(try h.refresh(try #require(b.string("refresh_token"))).status == 200)
    }

    @Test func revokeAllRefreshTokensKeepsAccessTokensUntilExpiry() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        let tokens = try h.signedIn()
        h.provider.revokeAllRefreshTokens()
        try expectTokenError(try h.refresh(try #require(tokens.string("refresh_token"))), status: 400, error: "invalid_grant", code: 50173)
        #expect(h.provider.isValid(accessToken: try #require(tokens.string("access_token"))))
    }

    /// The one sleep in these tests: codes, access tokens and refresh tokens all expire.
    @Test func codesAndTokensExpire() throws {
        var options = TestProviderOptions()
        options.codeLifetime = 1
        options.accessTokenLifetime = 1
        options.refreshTokenLifetime = 1
        let h = try Harness(options)
        defer { h.provider.stop() }
        let tokens = try h.signedIn()
        #expect(tokens["expires_in"]?.numberValue?.int64 == 1)
        let access = try #require(tokens.string("access_token"))
        #expect(try h.validate(access).status == 200)
        let verifier = Harness.newVerifier()
        let code = try h.code(verifier: verifier)
        usleep(1_200_000)
        try expectTokenError(try h.redeem(code, verifier: verifier), status: 400, error: "invalid_grant", code: 70008)
        #expect(try h.validate(access).status == 401)
        try expectTokenError(try h.refresh(try #require(tokens.string("refresh_token"))), status: 400, error: "invalid_grant", code: 700082)
    }

    @Test func tokenEndpointTakesOnlyForms() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        let json = try TestHTTPClient.send(
            method: "POST", url: h.provider.tokenURL, headers: [("Content-Type", "application/json")],
            body: Array(#"{"grant_type":"refresh_token"}"#.utf8), caPEM: h.caPEM)
        try expectTokenError(json, status: 400, error: "invalid_request")
        try expectTokenError(try h.token([("grant_type", "password"), ("client_id", "demo-client")]), status: 400, error: "unsupported_grant_type")
        try expectTokenError(try h.token([("client_id", "demo-client")]), status: 400, error: "invalid_request")
        try expectTokenError(
            try h.token([("grant_type", "refresh_token"), ("grant_type", "refresh_token"), ("client_id", "demo-client")]),
            status: 400, error: "invalid_request")
        let get = try TestHTTPClient.send(url: h.provider.tokenURL, caPEM: h.caPEM)
        #expect(get.status == 405)
        #expect(get.headers["Allow"] == "POST")
    }

    @Test func entraV2RefusesResourceAndRequiresScopeAndNonce() throws {
        let h = try Harness(.entraV2())
        defer { h.provider.stop() }
        let refusals: [(String, String)] = [
            (h.authorizeURL(extra: [("resource", "https://x.example")]), "AADSTS901002"),
            (h.authorizeURL(scope: nil), "scope"),
            (h.authorizeURL(extra: [("response_mode", "fragment")]), "response_mode"),
            (h.authorizeURL(extra: [("state", "again")]), "duplicated"),
        ]
        for (url, text) in refusals {
            let outcome = try TestPerson.signIn(authorizeURL: url, approve: true, caPEM: h.caPEM)
            guard case .redirect(let location) = outcome else { Issue.record("\(outcome)"); continue }
            let fields = try Self.queryFields(location)
            #expect(fields["error"] == "invalid_request", "\(url)")
            #expect(fields["error_description"]?.contains(text) == true, "\(fields)")
        }
        // openid without a nonce.
        let noNonce = h.provider.authorizeURL + "?" + FormEncoding.encode([
            ("response_type", "code"), ("client_id", "demo-client"), ("redirect_uri", h.redirectURI), ("scope", "openid"),
            ("code_challenge", Harness.challenge(Harness.newVerifier())), ("code_challenge_method", "S256"),
        ])
        guard case .redirect(let location) = try TestPerson.signIn(authorizeURL: noNonce, approve: true, caPEM: h.caPEM) else {
            Issue.record("no redirect")
            return
        }
        #expect(try Self.queryFields(location)["error"] == "invalid_request")
        #expect(try Self.queryFields(location)["state"] == nil)
    }
}


// MARK: Response shapes

extension TestProviderTests {
    @Test func entraV2Shape() throws {
        let h = try Harness(.entraV2())
        defer { h.provider.stop() }
        let body = try h.signedIn(scope: "https://x.example/.default offline_access openid")
        #expect(body.keys == ["token_type", "scope", "expires_in", "ext_expires_in", "access_token", "refresh_token", "id_token"])
        #expect(body["expires_in"] == .number(JSONNumber(3600)))
        #expect(body["ext_expires_in"] == .number(JSONNumber(3600)))
        #expect(body.string("scope") == "https://x.example/.default offline_access openid")
        // Entra v2 gives a refresh token only for offline_access.
        #expect(try h.signedIn(scope: "https://x.example/.default")["refresh_token"] == nil)
    }

    @Test func entraV1ShapeUsesStrings() throws {
        var options = TestProviderOptions.entraV1()
        options.accessTokenLifetime = 3599
        let h = try Harness(options)
        defer { h.provider.stop() }
        #expect(h.provider.tokenURL.hasSuffix("/contoso.test/oauth2/token"))
        let body = try h.signedIn(scope: nil, extra: [("resource", "https://contoso.operations.dynamics.com")])
        #expect(body["expires_in"] == .string("3599"))
        #expect(body["ext_expires_in"] == .string("3599"))
        let notBefore = try #require(body.string("not_before").flatMap { Int($0) })
        let expiresOn = try #require(body.string("expires_on").flatMap { Int($0) })
        #expect(expiresOn - notBefore == 3599)
        #expect(body.string("resource") == "https://contoso.operations.dynamics.com")
        #expect(body.string("refresh_token") != nil)
    }

    @Test func adfsShape() throws {
        var options = TestProviderOptions.adfs()
        options.refreshTokenLifetime = 28800
        let h = try Harness(options)
        defer { h.provider.stop() }
        #expect(h.provider.authorizeURL.hasSuffix("/adfs/oauth2/authorize"))
        #expect(h.provider.issuer.hasSuffix("/adfs"))
        let body = try h.signedIn(scope: "openid", extra: [("resource", "urn:microsoft:userinfo")])
        #expect(body["expires_in"] == .number(JSONNumber(3600)))
        #expect(body["refresh_token_expires_in"] == .number(JSONNumber(28800)))
        #expect(body.string("resource") == "urn:microsoft:userinfo")
        #expect(body.string("id_token") != nil)
    }

    @Test func genericShapeIsRFC6749Only() throws {
        var options = TestProviderOptions()
        options.responseShape = .generic
        options.refreshTokenPolicy = .never
        let h = try Harness(options)
        defer { h.provider.stop() }
        let body = try h.signedIn(scope: "profile")
        #expect(body.keys == ["token_type", "expires_in", "scope", "access_token"])
    }
}

// MARK: Fault injection

extension TestProviderTests {
    @Test func statusFaultsAreConsumedInOrder() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        let tokens = try h.signedIn()
        var refresh = try #require(tokens.string("refresh_token"))
        h.provider.injectFaults([.status(503, count: 2), .status(500), .invalidGrant(code: "AADSTS70008")])
        try expectTokenError(try h.refresh(refresh), status: 503, error: "temporarily_unavailable")
        try expectTokenError(try h.refresh(refresh), status: 503, error: "temporarily_unavailable")
        try expectTokenError(try h.refresh(refresh), status: 500, error: "temporarily_unavailable")
        try expectTokenError(try h.refresh(refresh), status: 400, error: "invalid_grant", code: 70008)
        // Faults never touched the grant: the refresh token still works.
        let after = try json(try h.refresh(refresh))
        refresh = try #require(after.string("refresh_token"))
        #expect(h.provider.stats.faultsServed == 4)
        #expect(h.provider.stats.refreshGrants == 1)
    }

    @Test func tooManyRequestsCarriesRetryAfter() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        h.provider.injectFaults([.tooManyRequests(retryAfter: "7"), .tooManyRequests(retryAfter: "Wed, 21 Oct 2026 07:28:00 GMT")])
        let first = try h.refresh("whatever")
        try expectTokenError(first, status: 429, error: "temporarily_unavailable")
        #expect(first.headers["Retry-After"] == "7")
        #expect(try h.refresh("whatever").headers["Retry-After"] == "Wed, 21 Oct 2026 07:28:00 GMT")
    }

    @Test func htmlFaultIsA200Page() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        h.provider.injectFaults([.html])
        let response = try h.refresh("whatever")
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"]?.hasPrefix("text/html") == true)
        #expect((try? JSONParser.parse(response.body)) == nil)
    }

    @Test func hangSaysNothingForThatLong() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        h.provider.injectFaults([.hang(seconds: 0.6), .hang(seconds: 3)])
        let started = Instant.now(.monotonic)
        #expect(throws: TestHTTPError.self) { try h.refresh("whatever") }
        #expect(Instant.now(.monotonic).seconds(since: started) >= 0.55)
        // A client with a shorter timeout gives up first.
        let impatient = Instant.now(.monotonic)
        #expect(throws: TestHTTPError.self) {
            try TestHTTPClient.postForm(url: h.provider.tokenURL, [("grant_type", "refresh_token")], caPEM: h.caPEM, timeout: 0.3)
        }
        #expect(Instant.now(.monotonic).seconds(since: impatient) < 2)
    }

    @Test func downResetsTokenRequestsUntilCleared() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        let tokens = try h.signedIn()
        let refresh = try #require(tokens.string("refresh_token"))
        h.provider.injectFaults([.down])
        for _ in 0..<3 {
            #expect(throws: TestHTTPError.self) { try h.refresh(refresh) }
        }
        // Only the token endpoint is down; the sign-in side still answers.
        #expect(try TestHTTPClient.send(url: h.authorizeURL(), caPEM: h.caPEM).status == 200)
        h.provider.clearFaults()
        #expect(try h.refresh(refresh).status == 200)
        #expect(h.provider.stats.faultsServed == 3)
    }

    @Test func downOverPlainHTTPSendsNoBytes() throws {
        let h = try Harness(tls: false)
        defer { h.provider.stop() }
        h.provider.injectFaults([.down])
        let request = Array("POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".utf8)
        let reply = try TestHTTPClient.exchange(request, host: "127.0.0.1", port: h.provider.port, tls: false)
        #expect(reply.isEmpty)
    }
}

// MARK: Hostile input

extension TestProviderTests {
    @Test(arguments: [false, true])
    func garbageGets4xxAndTheProviderKeepsServing(tls: Bool) throws {
        let h = try Harness(tls: tls)
        defer { h.provider.stop() }
        let port = h.provider.port
        let requests: [String] = [
            "\u{16}\u{03}\u{01}\u{00}\u{a5}\u{01}\u{00}garbage\r\n\r\n",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            "GET /authorize?client_id=%zz HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /authorize?%00 HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n",
            "POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nhello",
            "POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n",
            "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\ncode=%G1&",
            "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
            "DELETE /token HTTP/1.1\r\nHost: x\r\n\r\n",
            "\r\n\r\n\r\n\r\n",
        ]
        for text in requests {
            let reply = try TestHTTPClient.exchange(Array(text.utf8), host: "127.0.0.1", port: port, tls: tls, caPEM: h.caPEM, timeout: 5)
            let statusLine = String(decoding: reply.prefix { $0 != 13 }, as: UTF8.self)
            let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
            #expect((400...505).contains(status), "\(text.prefix(40)) → \(statusLine)")
        }
        // Bytes that are not TLS on the TLS port, and a peer that leaves at once.
        if tls {
            _ = try? TestHTTPClient.exchange(Array("GET / HTTP/1.1\r\n\r\n".utf8), host: "127.0.0.1", port: port, tls: false, timeout: 2)
        }
        _ = try? TestHTTPClient.exchange([], host: "127.0.0.1", port: port, tls: false, timeout: 0.2)
        let discovery = try TestHTTPClient.send(url: h.provider.baseURL + "/.well-known/openid-configuration", caPEM: h.caPEM)
        #expect(discovery.status == 200)
        #expect(try h.signedIn()["access_token"] != nil)
    }

    @Test func validateRefusesAnythingButALiveBearer() throws {
        let h = try Harness()
        defer { h.provider.stop() }
        for header in [[], [("Authorization", "Bearer nope")], [("Authorization", "Basic abc")], [("Authorization", "Bearer")]] {
            let response = try TestHTTPClient.send(url: h.provider.validateURL, headers: header, caPEM: h.caPEM)
            #expect(response.status == 401)
            #expect(try json(response)["active"] == .bool(false))
        }
    }

    @Test func stopRefusesNewConnections() throws {
        let h = try Harness()
        let url = h.provider.baseURL + "/.well-known/openid-configuration"
        #expect(try TestHTTPClient.send(url: url, caPEM: h.caPEM).status == 200)
        h.provider.stop()
        #expect {
            try TestHTTPClient.send(url: url, caPEM: h.caPEM, timeout: 2)
        } throws: { error in
            if case .connect(let system) = error as? TestHTTPError { return system.errno == ECONNREFUSED }
            return false
        }
    }
}
