import Testing

@testable import RCOAuth

/// Each preset's authorization URL and token request bodies, compared parameter by parameter
/// with the parameter tables of Microsoft's documentation:
/// - Entra v2: https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
///   (authorization request, redeem a code, refresh the access token) and, for certificate
///   credentials, https://learn.microsoft.com/en-us/entra/identity-platform/certificate-credentials
/// - Entra v1: https://learn.microsoft.com/en-us/previous-versions/azure/active-directory/azuread-dev/v1-protocols-oauth-code
/// - AD FS: https://learn.microsoft.com/en-us/windows-server/identity/ad-fs/overview/ad-fs-openid-connect-oauth-flows-scenarios
///   (authorization code grant flow: request an authorization code, redeem it, refresh)
///
/// Every parameter sent must be one the page lists for that request, or one of the few sent
/// beyond the table for a stated reason; every parameter the page marks required must be sent;
/// and the values are pinned.
@Suite struct PresetDocumentationTests {
    struct Documented {
        var listed: Set<String>
        var required: Set<String>
        /// Sent although the page's table does not list it, each with the reason.
        var beyond: [String: String] = [:]
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var provider: Provider
        var scopes: [String]
        var resource: String?
        var authorize: [String: String]
        var code: [String: String]
        var refresh: [String: String]
        var testDescription: String { provider.rawValue }
    }

    static let clientAuthParameters: Set<String> = ["client_secret", "client_assertion_type", "client_assertion"]

    static func documented(_ provider: Provider) -> (authorize: Documented, code: Documented, refresh: Documented) {
        switch provider {
        case .entra:
            (Documented(
                listed: ["tenant", "client_id", "response_type", "redirect_uri", "scope", "response_mode", "state", "prompt", "login_hint",
                         "domain_hint", "code_challenge", "code_challenge_method"],
                required: ["client_id", "response_type", "redirect_uri", "scope"]),
             Documented(
                listed: Set(["client_id", "scope", "code", "redirect_uri", "grant_type", "code_verifier"]).union(clientAuthParameters),
                required: ["client_id", "code", "redirect_uri", "grant_type"]),
             Documented(
                listed: Set(["client_id", "grant_type", "scope", "refresh_token"]).union(clientAuthParameters),
                required: ["client_id", "grant_type", "refresh_token"]))
        case .entraV1:
            (Documented(
                listed: ["client_id", "response_type", "redirect_uri", "response_mode", "state", "resource", "prompt", "login_hint",
                         "domain_hint", "code_challenge_method", "code_challenge"],
                required: ["client_id", "response_type"]),
             Documented(
                listed: Set(["grant_type", "client_id", "code", "redirect_uri", "resource", "code_verifier"]).union(clientAuthParameters),
                required: ["grant_type", "client_id", "code"]),
             Documented(
                listed: Set(["client_id", "refresh_token", "grant_type", "resource"]).union(clientAuthParameters),
                required: ["client_id", "refresh_token", "grant_type"]))
        case .adfs:
            // The authorization code grant's tables: the authorize table has no nonce (only the
            // implicit flow's does), and the redemption table has neither resource nor scope.
            (Documented(
                listed: ["client_id", "response_type", "redirect_uri", "resource", "scope", "response_mode", "state", "prompt",
                         "login_hint", "domain_hint", "code_challenge", "code_challenge_method"],
                required: ["client_id", "response_type", "redirect_uri"],
                beyond: ["nonce": "OpenID Connect Core 1.0 §3.1.2.1 with openid in scope; checked against the id_token"]),
             Documented(
                listed: Set(["client_id", "grant_type", "code", "redirect_uri", "code_verifier"]).union(clientAuthParameters),
                required: ["client_id", "grant_type", "code", "redirect_uri"],
                beyond: [
                    "resource": "the authorize request's resource again, as the refresh table lists it (one resource per request)",
                    "scope": "the authorize request's scope again, as the refresh table lists it and MSAL sends it",
                ]),
             Documented(
                listed: Set(["client_id", "grant_type", "refresh_token", "resource", "scope"]).union(clientAuthParameters),
                required: ["client_id", "grant_type", "refresh_token"]))
        case .generic:
            (Documented(listed: [], required: []), Documented(listed: [], required: []), Documented(listed: [], required: []))
        }
    }

    static let redirect = "http://localhost:8400/callback"
    static let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

    static let rows: [Row] = [
        Row(
            provider: .entra, scopes: ["https://graph.microsoft.com/.default", "offline_access"], resource: nil,
            authorize: [
                "client_id": "my client", "response_type": "code", "redirect_uri": redirect,
                "scope": "https://graph.microsoft.com/.default offline_access", "response_mode": "form_post", "state": "S",
                "code_challenge": challenge, "code_challenge_method": "S256",
            ],
            code: [
                "grant_type": "authorization_code", "code": "C", "redirect_uri": redirect, "client_id": "my client",
                "code_verifier": "V", "scope": "https://graph.microsoft.com/.default offline_access",
            ],
            refresh: [
                "grant_type": "refresh_token", "refresh_token": "R", "client_id": "my client",
                "scope": "https://graph.microsoft.com/.default offline_access",
            ]),
        Row(
            provider: .entraV1, scopes: [], resource: "https://contoso.operations.dynamics.com",
            authorize: [
                "client_id": "my client", "response_type": "code", "redirect_uri": redirect,
                "resource": "https://contoso.operations.dynamics.com", "response_mode": "form_post", "state": "S",
                "code_challenge": challenge, "code_challenge_method": "S256",
            ],
            code: [
                "grant_type": "authorization_code", "code": "C", "redirect_uri": redirect, "client_id": "my client",
                "code_verifier": "V", "resource": "https://contoso.operations.dynamics.com",
            ],
            refresh: [
                "grant_type": "refresh_token", "refresh_token": "R", "client_id": "my client",
                "resource": "https://contoso.operations.dynamics.com",
            ]),
        Row(
            provider: .adfs, scopes: ["openid"], resource: "urn:microsoft:userinfo",
            authorize: [
                "client_id": "my client", "response_type": "code", "redirect_uri": redirect, "scope": "openid",
                "resource": "urn:microsoft:userinfo", "state": "S", "nonce": "N", "code_challenge": challenge,
                "code_challenge_method": "S256",
            ],
            code: [
                "grant_type": "authorization_code", "code": "C", "redirect_uri": redirect, "client_id": "my client",
                "code_verifier": "V", "scope": "openid", "resource": "urn:microsoft:userinfo",
            ],
            refresh: [
                "grant_type": "refresh_token", "refresh_token": "R", "client_id": "my client", "scope": "openid",
                "resource": "urn:microsoft:userinfo",
            ]),
    ]

    func account(_ row: Row) -> AccountSettings {
        Fixtures.account(
            row.provider, scopes: row.scopes, resource: row.resource,
            responseMode: row.provider == .adfs ? .query : .formPost)
    }

    func dictionary(_ pairs: [(String, String)], sourceLocation: SourceLocation = #_sourceLocation) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in pairs {
            #expect(result.updateValue(value, forKey: name) == nil, "\(name) sent twice", sourceLocation: sourceLocation)
        }
        return result
    }

    func check(_ sent: [String: String], expected: [String: String], against documented: Documented, _ what: String) {
        for name in documented.beyond.keys.sorted() {
            #expect(!documented.listed.contains(name), "\(what): \(name) is in the table, not beyond it")
        }
        for name in sent.keys.sorted() {
            #expect(
                documented.listed.contains(name) || documented.beyond[name] != nil,
                "\(what): \(name) is neither in the documentation's parameter table nor sent beyond it for a stated reason")
            #expect(sent[name] == expected[name], "\(what): \(name) = \(sent[name] ?? "nil"), expected \(expected[name] ?? "absent")")
        }
        for name in expected.keys.sorted() where sent[name] == nil {
            Issue.record("\(what): \(name) is missing")
        }
        for name in documented.required.sorted() where name != "tenant" {
            #expect(sent[name] != nil, "\(what): the documentation requires \(name)")
        }
    }

    @Test(arguments: rows)
    func authorizeURL(_ row: Row) {
        let account = account(row)
        let url = AuthorizeRequest.url(
            for: account, state: "S", pkce: PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            nonce: account.usesNonce ? "N" : nil)
        let pairs = Fixtures.pairs(Fixtures.query(of: url)).map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
        check(dictionary(pairs), expected: row.authorize, against: Self.documented(row.provider).authorize, "\(row.provider.rawValue) authorize")
    }

    @Test(arguments: rows)
    func tokenRequests(_ row: Row) {
        let account = account(row)
        let documented = Self.documented(row.provider)
        check(
            dictionary(TokenRequest.authorizationCode(account: account, code: "C", verifier: "V").formBody), expected: row.code,
            against: documented.code, "\(row.provider.rawValue) code redemption")
        check(
            dictionary(TokenRequest.refresh(account: account, refreshToken: "R").formBody), expected: row.refresh,
            against: documented.refresh, "\(row.provider.rawValue) refresh")
    }

    /// A confidential client adds exactly the documented client authentication parameters.
    @Test(arguments: rows)
    func confidentialClientsAddOnlyDocumentedParameters(_ row: Row) {
        var account = account(row)
        account.clientSecret = "s"
        account.clientAuth = .secretPost
        let sent = dictionary(TokenRequest.refresh(account: account, refreshToken: "R").formBody)
        #expect(Set(sent.keys).subtracting(row.refresh.keys) == ["client_secret"])
        #expect(Set(sent.keys).isSubset(of: Self.documented(row.provider).refresh.listed))
    }
}
