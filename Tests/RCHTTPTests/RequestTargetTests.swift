import RCHTTP
import Testing

@Suite struct RequestTargetTests {
    @Test func originForm() throws {
        #expect(try RequestTarget.parse("/callback") == RequestTarget(path: "/callback"))
        #expect(try RequestTarget.parse("/callback?") == RequestTarget(path: "/callback", query: ""))
        #expect(try RequestTarget.parse("/callback?code=a?b") == RequestTarget(path: "/callback", query: "code=a?b"))
        #expect(try RequestTarget.parse("/%63allback").path == "/%63allback")
        #expect(try RequestTarget.parse("//callback").path == "//callback")
    }

    @Test func absoluteForm() throws {
        #expect(
            try RequestTarget.parse("http://localhost:8400/callback?x")
                == RequestTarget(path: "/callback", query: "x", authority: "localhost:8400"))
        #expect(try RequestTarget.parse("HTTP://localhost") == RequestTarget(path: "/", authority: "localhost"))
        #expect(try RequestTarget.parse("http://[::1]:8400?q") == RequestTarget(path: "/", query: "q", authority: "[::1]:8400"))
    }

    @Test func refusedForms() {
        for target in ["", "*", "localhost:8400", "callback", "https://localhost/", "http:///x", "http://user@host/",
                       "/a#frag", "/a b", "/\u{E9}", "/a\u{1}", "ftp://x/"] {
            #expect(throws: HTTPRequestError.self, "\(target.debugDescription)") { try RequestTarget.parse(target) }
        }
    }
}
