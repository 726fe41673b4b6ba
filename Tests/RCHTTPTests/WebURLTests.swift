import RCHTTP
import Testing

@Suite struct WebURLTests {
    @Test func parsesTypicalEndpoints() throws {
        let url = try WebURL.parse("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token")
        #expect(url.scheme == "https")
        #expect(url.host == "login.microsoftonline.com")
        #expect(url.port == 443)
        #expect(!url.hasExplicitPort)
        #expect(url.path == "/contoso.onmicrosoft.com/oauth2/v2.0/token")
        #expect(url.query == nil)
        #expect(url.hostHeader == "login.microsoftonline.com")
        #expect(url.requestTarget == "/contoso.onmicrosoft.com/oauth2/v2.0/token")
        #expect(!url.isLoopback)
        #expect(!url.isIPLiteral)
        #expect(url.description == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token")
    }

    @Test func redirectURIKeepsExplicitPort() throws {
        let url = try WebURL.parse("HTTP://LocalHost:8400/callback?x=1")
        #expect(url.scheme == "http")
        #expect(url.host == "localhost")
        #expect(url.port == 8400)
        #expect(url.hasExplicitPort)
        #expect(url.isLoopback)
        #expect(url.hostHeader == "localhost:8400")
        #expect(url.requestTarget == "/callback?x=1")
        #expect(url.description == "http://localhost:8400/callback?x=1")
        let explicitDefault = try WebURL.parse("https://adfs.contoso.com:443/adfs")
        #expect(explicitDefault.description == "https://adfs.contoso.com:443/adfs")
        #expect(explicitDefault.hostHeader == "adfs.contoso.com")
        #expect(try WebURL.parse("http://x").path == "/")
        #expect(try WebURL.parse("http://x?a=b").description == "http://x/?a=b")
        #expect(try WebURL.parse("http://x/?").query == "")
    }

    @Test func ipLiterals() throws {
        let v6 = try WebURL.parse("http://[::1]:8400/callback")
        #expect(v6.host == "::1")
        #expect(v6.isLoopback)
        #expect(v6.isIPLiteral)
        #expect(v6.hostHeader == "[::1]:8400")
        #expect(v6.description == "http://[::1]:8400/callback")
        #expect(try WebURL.parse("http://[0:0:0:0:0:0:0:1]/").isLoopback)
        #expect(try WebURL.parse("http://[2001:DB8::1]/").host == "2001:db8::1")
        #expect(!(try WebURL.parse("http://[2001:db8::1]/").isLoopback))
        #expect(try WebURL.parse("http://[::ffff:10.0.0.1]/").isIPLiteral)
        #expect(try WebURL.parse("http://127.0.0.1:1/").isLoopback)
        #expect(try WebURL.parse("http://127.255.3.4/").isLoopback)
        #expect(!(try WebURL.parse("http://128.0.0.1/").isLoopback))
        #expect(try WebURL.parse("http://10.1.2.3/").isIPLiteral)
        #expect(!(try WebURL.parse("http://localhost.example.com/").isLoopback))
        #expect(try WebURL.parse("https://example.com./").host == "example.com.")
        #expect(try WebURL.parse("https://[1:2:3:4:5:6:7:8]/").isIPLiteral)
    }

    @Test func errors() {
        let cases: [(String, WebURLError)] = [
            ("ftp://x/", .notHTTP), ("mailto:a@b", .notHTTP), ("localhost:8400", .notHTTP), ("//x/", .notHTTP),
            ("http:/x", .notHTTP), ("", .notHTTP),
            ("http://x/#frag", .hasFragment), ("http://user:pw@x/", .hasUserInfo), ("http://@x/", .hasUserInfo),
            ("http://x:0/", .badPort), ("http://x:65536/", .badPort), ("http://x:/", .badPort), ("http://x:8a/", .badPort),
            ("http://x:123456/", .badPort), ("http://x:-1/", .badPort),
            ("http:///path", .emptyHost), ("http://:80/", .emptyHost), ("http://", .emptyHost), ("http://[]/", .badHost),
            ("http://a b/", .spacesOrControlCharacters), ("http://x/\t", .spacesOrControlCharacters), (" http://x/", .spacesOrControlCharacters),
            ("http://ex\u{E4}mple.com/", .nonASCII),
            ("http://x/%zz", .badPercentEncoding), ("http://x/?q=%4", .badPercentEncoding),
            ("http://256.1.1.1/", .badHost), ("http://127.1/", .badHost), ("http://01.2.3.4/", .badHost),
            ("http://[::1/", .badHost), ("http://[::1]x/", .badHost), ("http://[1::2::3]/", .badHost),
            ("http://[fe80::1%25eth0]/", .badHost), ("http://a..b/", .badHost), ("http://.a/", .badHost),
            ("http://a!b/", .badHost), ("http://[127.0.0.1]/", .badHost), ("http://[1:2:3:4:5:6:7:8:9]/", .badHost),
        ]
        for (text, expected) in cases {
            #expect(throws: expected, "\(text.debugDescription)") { try WebURL.parse(text) }
        }
        #expect(WebURLError.notHTTP.description == "not an http or https URL")
        #expect(WebURLError.hasFragment.description == "has a fragment")
    }
}
