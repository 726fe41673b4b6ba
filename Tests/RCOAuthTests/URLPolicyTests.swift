import Testing

@testable import RCOAuth

@Suite struct URLPolicyTests {
    @Test func endpoints() throws {
        try URLPolicy.checkEndpoint("https://login.microsoftonline.com/x/oauth2/v2.0/token")
        try URLPolicy.checkEndpoint("http://127.0.0.1:9000/token")
        try URLPolicy.checkEndpoint("http://localhost/token")
        try URLPolicy.checkEndpoint("http://[::1]:9/token")
        try URLPolicy.checkEndpoint("HTTPS://SSO.Example.com/authorize?x=1")
        for (bad, message) in [
            ("http://sso.example.com/token", URLPolicy.notHTTPS), ("ftp://x/y", URLPolicy.notHTTPS),
            ("http://127.0.0.1.evil.com/", URLPolicy.notHTTPS), ("http://localhost.evil.com/", URLPolicy.notHTTPS),
            ("https://user:pw@x/", "not a URL: it contains user information"),
            ("sso.example.com/token", "not a URL: it has no scheme"), ("1https://x/", "not a URL: it has no valid scheme"), ("https://x/a b", "not a URL: it contains a space, a control character or a non-ASCII character"),
            ("https://x:99999/", "not a URL: it has an invalid port"), ("https:///x", "not a URL: it has no host"),
            ("https://x/#f", "an endpoint URL may not have a #fragment"),
        ] {
            #expect(throws: URLPolicyError(message: message), "\(bad)") { try URLPolicy.checkEndpoint(bad) }
        }
        #expect(throws: URLPolicyError(message: "an authority may not have a ?query")) { try URLPolicy.checkAuthority("https://a/adfs?x") }
    }

    @Test func redirectURIs() throws {
        #expect(try URLPolicy.redirectURI("http://localhost:8400/callback", listenPort: 8400) == "http://localhost:8400/callback")
        #expect(try URLPolicy.redirectURI("http://localhost/callback", listenPort: 8400) == "http://localhost:8400/callback")
        #expect(try URLPolicy.redirectURI("http://127.0.0.1", listenPort: 8400) == "http://127.0.0.1:8400")
        #expect(try URLPolicy.redirectURI("http://[::1]/cb", listenPort: 1) == "http://[::1]:1/cb")
        #expect(try URLPolicy.redirectURI("http://localhost/callback", listenPort: 0) == "http://localhost:0/callback")
        #expect(URLPolicy.redirectURI("http://localhost:0/callback", boundTo: 40000) == "http://localhost:40000/callback")
        #expect(URLPolicy.redirectURI("http://[::1]:0", boundTo: 5) == "http://[::1]:5")
        #expect(URLPolicy.redirectURI("http://localhost/callback", boundTo: 40000) == "http://localhost:40000/callback")
        #expect(URLPolicy.redirectURI("http://localhost:1/callback", boundTo: 40000) == "http://localhost:1/callback")
        #expect(URLPolicy.redirectPath("http://localhost:1/Callback") == "/Callback")
        #expect(URLPolicy.redirectPath("http://localhost:1") == "/")
        let cases: [(String, UInt16, String)] = [
            ("https://localhost:8400/cb", 8400, "must be an http URL: the loopback listener does not speak TLS (RFC 8252 §7.3)"),
            ("http://example.com:8400/cb", 8400, "must be on a loopback host: localhost, 127.0.0.1 or [::1]"),
            ("http://127.0.0.2:8400/cb", 8400, "must be on a loopback host: localhost, 127.0.0.1 or [::1]"),
            ("http://localhost:8401/cb", 8400, "port 8401 differs from listen.port 8400"),
            ("http://localhost:8400/cb", 0, "listen.port is 0 (any free port): leave the port out of redirect_uri"),
            ("http://localhost:8400/cb#x", 8400, "may not have a #fragment (RFC 6749 §3.1.2)"),
            ("http://localhost:8400/cb?x=1", 8400, "may not have a ?query"),
        ]
        for (uri, port, message) in cases {
            #expect(throws: URLPolicyError(message: message), "\(uri)") { try URLPolicy.redirectURI(uri, listenPort: port) }
        }
    }

    /// RCHTTP's WebURL refuses other schemes, fragments and port 0 outright; the policy still
    /// names them in its own words, and reports a URL's other faults first, as it always did.
    @Test func partsWebURLRefusesAreJudgedByThePolicy() throws {
        #expect(URLPolicy.redirectURI("http://localhost:00/cb#f", boundTo: 7) == "http://localhost:7/cb#f")
        #expect(URLPolicy.redirectURI("http://[::1]:0?q", boundTo: 7) == "http://[::1]:7?q")
        #expect(URLPolicy.redirectURI("not a url", boundTo: 7) == "not a url")
        #expect(URLPolicy.redirectPath("http://localhost:0/cb") == "/cb")
        #expect(URLPolicy.redirectPath("http://localhost:1/cb#f") == "/cb")
        try URLPolicy.checkEndpoint("http://[0:0:0:0:0:0:0:1]:9/token")
        for (bad, message) in [
            ("ftp://u@x/", "not a URL: it contains user information"), ("http:/x", "not a URL: it has no host"),
            ("https://x/%zz", "not a URL: it has an invalid percent-encoding"), ("https://127.1/", "not a URL: it has an invalid host"),
            ("https://x:000000/", "not a URL: it has an invalid port"), ("https://x:0:0/", "not a URL: it has an invalid port"),
            ("https://x/#a b", "not a URL: it contains a space, a control character or a non-ASCII character"),
        ] {
            #expect(throws: URLPolicyError(message: message), "\(bad)") { try URLPolicy.checkEndpoint(bad) }
        }
        let cases: [(String, UInt16, String)] = [
            ("http://localhost:0/cb", 8400, "port 0 differs from listen.port 8400"),
            ("http://localhost:0/cb", 0, "listen.port is 0 (any free port): leave the port out of redirect_uri"),
            ("http://localhost:0/cb#x", 0, "may not have a #fragment (RFC 6749 §3.1.2)"),
            ("ftp://localhost/cb", 8400, "must be an http URL: the loopback listener does not speak TLS (RFC 8252 §7.3)"),
            ("http://[0::1]/cb", 8400, "must be on a loopback host: localhost, 127.0.0.1 or [::1]"),
        ]
        for (uri, port, message) in cases {
            #expect(throws: URLPolicyError(message: message), "\(uri)") { try URLPolicy.redirectURI(uri, listenPort: port) }
        }
    }
}
