import Foundation
import RCTestProvider
import Testing

/// The hostile-input list (SECURITY.md), sent over raw TCP to the real binary while a real
/// sign-in waits: each case gets its status (or a silent close), none redeems a code, and the
/// real sign-in completes afterwards with exactly one code redemption at the provider.
extension DaemonEndToEndTests {
    /// What one hostile request must get back.
    enum Expected {
        case status(Int)
        /// 405 with this `Allow` header.
        case notAllowed(allow: String)
        /// The status, or a close without a word (a TLS ClientHello may get either).
        case statusOrSilentClose(Int)
    }

    struct HostileCase {
        let name: String
        let request: [UInt8]
        let expected: Expected
    }

    /// Every case; `real` is the pending flow's query (`code=...&state=...`), which each case
    /// tries to redeem in some way the listener must refuse.
    static func hostileCases(port: Int, code: String, state: String) -> [HostileCase] {
        let host = "Host: localhost:\(port)\r\n"
        let real = "code=\(code)&state=\(state)"
        func get(_ target: String, headers: String = "", version: String = "HTTP/1.1") -> [UInt8] {
            Array("GET \(target) \(version)\r\n\(host)\(headers)\r\n".utf8)
        }
        func raw(_ text: String) -> [UInt8] { Array(text.utf8) }
        let allowed = "GET, HEAD, POST"
        let clientHello: [UInt8] = [
            0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03,
        ] + [UInt8](repeating: 0x42, count: 32) + [0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00]
        let manyHeaders = (0..<70).map { "X-Filler-\($0): \(String(repeating: "y", count: 300))\r\n" }.joined()
        var cases: [HostileCase] = [
            // The state: missing, duplicate, wrong, empty.
            HostileCase(name: "missing state", request: get("/callback?code=\(code)"), expected: .status(400)),
            HostileCase(name: "duplicate state", request: get("/callback?\(real)&state=\(state)"), expected: .status(400)),
            HostileCase(name: "wrong state", request: get("/callback?code=\(code)&state=\(state)x"), expected: .status(400)),
            HostileCase(name: "empty state", request: get("/callback?code=\(code)&state="), expected: .status(400)),
            // The code: duplicate, with an error, empty.
            HostileCase(name: "duplicate code", request: get("/callback?\(real)&code=other"), expected: .status(400)),
            HostileCase(name: "code and error", request: get("/callback?\(real)&error=access_denied"), expected: .status(400)),
            HostileCase(name: "empty code", request: get("/callback?code=&state=\(state)"), expected: .status(400)),
            HostileCase(name: "error without state", request: get("/callback?error=access_denied"), expected: .status(400)),
            // Nothing else lives here.
            HostileCase(name: "favicon", request: get("/favicon.ico"), expected: .status(404)),
            HostileCase(name: "unknown path", request: get("/admin?\(real)"), expected: .status(404)),
            HostileCase(name: "unknown account", request: get("/signin/nobody"), expected: .status(404)),
            // Paths that a lenient router might take for the callback.
            HostileCase(name: "trailing slash", request: get("/callback/?\(real)"), expected: .status(404)),
            HostileCase(name: "upper case", request: get("/CALLBACK?\(real)"), expected: .status(404)),
            HostileCase(name: "double slash", request: get("//callback?\(real)"), expected: .status(404)),
            HostileCase(name: "encoded letter", request: get("/%63allback?\(real)"), expected: .status(404)),
            HostileCase(name: "dot segment", request: get("/x/../callback?\(real)"), expected: .status(404)),
            // Bad percent-encoding, with the real state beside it.
            HostileCase(name: "%zz", request: get("/callback?code=%zz&state=\(state)"), expected: .status(400)),
            HostileCase(name: "%4", request: get("/callback?state=\(state)&code=%4"), expected: .status(400)),
            HostileCase(name: "%00", request: get("/callback?code=a%00b&state=\(state)"), expected: .status(400)),
            HostileCase(name: "invalid UTF-8", request: get("/callback?code=%ff%fe&state=\(state)"), expected: .status(400)),
            HostileCase(name: "raw byte 0xff", request: [UInt8]("GET /callback?code=".utf8) + [0xff] + [UInt8](" HTTP/1.1\r\n\(host)\r\n".utf8), expected: .status(400)),
            // Sizes.
            HostileCase(name: "request line over the limit", request: get("/callback?" + String(repeating: "a", count: 9000)), expected: .status(414)),
            HostileCase(name: "headers over the limit", request: get("/", headers: manyHeaders), expected: .status(431)),
            HostileCase(name: "body over the limit", request: raw("POST /callback HTTP/1.1\r\n\(host)Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"), expected: .status(413)),
            // Methods.
            HostileCase(name: "PUT", request: raw("PUT /callback HTTP/1.1\r\n\(host)Content-Length: \(real.utf8.count)\r\n\r\n\(real)"), expected: .notAllowed(allow: allowed)),
            HostileCase(name: "DELETE", request: raw("DELETE / HTTP/1.1\r\n\(host)\r\n"), expected: .notAllowed(allow: allowed)),
            HostileCase(name: "OPTIONS", request: raw("OPTIONS /callback?\(real) HTTP/1.1\r\n\(host)\r\n"), expected: .notAllowed(allow: allowed)),
            HostileCase(name: "TRACE", request: raw("TRACE / HTTP/1.1\r\n\(host)\r\n"), expected: .notAllowed(allow: allowed)),
            HostileCase(name: "PATCH", request: raw("PATCH /callback?\(real) HTTP/1.1\r\n\(host)\r\n"), expected: .notAllowed(allow: allowed)),
            HostileCase(name: "lower-case get", request: raw("get /callback?\(real) HTTP/1.1\r\n\(host)\r\n"), expected: .notAllowed(allow: allowed)),
            HostileCase(name: "CONNECT origin-form", request: raw("CONNECT / HTTP/1.1\r\n\(host)\r\n"), expected: .notAllowed(allow: allowed)),
            HostileCase(name: "CONNECT authority-form", request: raw("CONNECT localhost:\(port) HTTP/1.1\r\n\(host)\r\n"), expected: .status(400)),
            HostileCase(name: "OPTIONS *", request: raw("OPTIONS * HTTP/1.1\r\n\(host)\r\n"), expected: .status(400)),
            HostileCase(name: "HEAD on signin", request: raw("HEAD /signin/work HTTP/1.1\r\n\(host)\r\n"), expected: .notAllowed(allow: "GET")),
            // Absolute-form targets: the authority is the host that counts (RFC 9112 §3.2.2).
            HostileCase(name: "absolute-form, wrong state", request: get("http://localhost:\(port)/callback?code=\(code)&state=wrong"), expected: .status(400)),
            HostileCase(name: "absolute-form, another host", request: get("http://attacker.example:\(port)/callback?\(real)"), expected: .status(421)),
            HostileCase(name: "absolute-form https", request: get("https://localhost:\(port)/callback?\(real)"), expected: .status(400)),
            HostileCase(name: "absolute-form with user info", request: get("http://a@localhost:\(port)/callback?\(real)"), expected: .status(400)),
            // Versions, upgrades, other protocols.
            HostileCase(name: "HTTP/1.0 without Host", request: raw("GET /favicon.ico HTTP/1.0\r\n\r\n"), expected: .status(404)),
            HostileCase(name: "HTTP/1.0, another host", request: raw("GET /callback?\(real) HTTP/1.0\r\nHost: attacker.example:\(port)\r\n\r\n"), expected: .status(421)),
            HostileCase(name: "HTTP/0.9", request: raw("GET /\r\n\r\n"), expected: .status(400)),
            HostileCase(name: "HTTP/3.0", request: get("/", version: "HTTP/3.0"), expected: .status(505)),
            HostileCase(name: "Upgrade: websocket", request: get("/favicon.ico", headers: "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), expected: .status(404)),
            HostileCase(name: "Upgrade: h2c", request: get("/favicon.ico", headers: "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"), expected: .status(404)),
            HostileCase(name: "HTTP/2 preface", request: raw("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), expected: .status(505)),
            HostileCase(name: "TLS ClientHello", request: clientHello, expected: .statusOrSilentClose(400)),
            // Framing.
            HostileCase(name: "body on GET", request: raw("GET /callback HTTP/1.1\r\n\(host)Content-Length: \(real.utf8.count)\r\n\r\n\(real)"), expected: .status(400)),
            HostileCase(name: "Content-Length and Transfer-Encoding", request: raw("POST /callback HTTP/1.1\r\n\(host)Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), expected: .status(400)),
            HostileCase(name: "two Content-Lengths", request: raw("POST /callback HTTP/1.1\r\n\(host)Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde"), expected: .status(400)),
            HostileCase(name: "chunked body", request: raw("POST /callback HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), expected: .status(501)),
            HostileCase(name: "form post of the wrong type", request: raw("POST /callback HTTP/1.1\r\n\(host)Content-Type: text/plain\r\nContent-Length: \(real.utf8.count)\r\n\r\n\(real)"), expected: .status(415)),
            HostileCase(name: "bare CR in a header", request: raw("GET / HTTP/1.1\r\n\(host)X-A: a\rb\r\n\r\n"), expected: .status(400)),
            HostileCase(name: "bare CR in the request line", request: raw("GET /\r HTTP/1.1\r\n\(host)\r\n"), expected: .status(400)),
            HostileCase(name: "NUL in a header", request: [UInt8]("GET / HTTP/1.1\r\n\(host)X-A: a".utf8) + [0] + [UInt8]("b\r\n\r\n".utf8), expected: .status(400)),
            HostileCase(name: "NUL in the target", request: [UInt8]("GET /callback?".utf8) + [0] + [UInt8]("\(real) HTTP/1.1\r\n\(host)\r\n".utf8), expected: .status(400)),
            HostileCase(name: "space before the colon", request: raw("GET / HTTP/1.1\r\nHost : localhost:\(port)\r\n\r\n"), expected: .status(400)),
            HostileCase(name: "obsolete line folding", request: raw("GET / HTTP/1.1\r\n\(host)X-A: a\r\n b\r\n\r\n"), expected: .status(400)),
            // The provider's error text with markup and line breaks, on a state that is not the flow's.
            HostileCase(name: "error_description with HTML and CR/LF", request: get("/callback?error=access_denied&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E%0D%0Aforged%3A%20log%20line&state=wrong"), expected: .status(400)),
            // DNS rebinding: a page of another site that resolved its name to 127.0.0.1.
            HostileCase(name: "Host of another site", request: raw("GET /callback?\(real) HTTP/1.1\r\nHost: attacker.example:\(port)\r\n\r\n"), expected: .status(421)),
            HostileCase(name: "Host with another port", request: raw("GET /callback?\(real) HTTP/1.1\r\nHost: localhost:\(port == 1 ? 2 : 1)\r\n\r\n"), expected: .status(421)),
            HostileCase(name: "Host without the port", request: raw("GET /callback?\(real) HTTP/1.1\r\nHost: localhost\r\n\r\n"), expected: .status(421)),
            HostileCase(name: "Host with a trailing dot", request: raw("GET /callback?\(real) HTTP/1.1\r\nHost: localhost.:\(port)\r\n\r\n"), expected: .status(421)),
            HostileCase(name: "no Host", request: raw("GET /callback?\(real) HTTP/1.1\r\n\r\n"), expected: .status(400)),
            HostileCase(name: "two Hosts", request: raw("GET /callback?\(real) HTTP/1.1\r\n\(host)Host: attacker.example\r\n\r\n"), expected: .status(400)),
            // Another site may not start sign-ins that push the person's own one out.
            HostileCase(name: "sign-in started by another site", request: get("/signin/work", headers: "Sec-Fetch-Site: cross-site\r\nSec-Fetch-Mode: no-cors\r\n"), expected: .status(403)),
        ]
        // Pipelining: only the first request is answered; the second (the real callback) never runs.
        cases.append(HostileCase(name: "pipelined", request: get("/favicon.ico") + get("/callback?\(real)"), expected: .status(404)))
        return cases
    }

    @Test func everyHostileRequestIsRefusedAndTheRealSignInStillCompletes() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let outcome = try TestPerson.signIn(
            authorizeURL: try Browser.startSignIn(daemon, account: "work"), approve: true, caPEM: tls.caPEM)
        guard case .redirect(let location) = outcome else {
            Issue.record("expected a redirect to the daemon, got \(outcome)")
            return
        }
        let query = try Browser.query(location)
        let code = try #require(query["code"])
        let state = try #require(query["state"])
        let started = Date()

        for hostile in Self.hostileCases(port: daemon.port, code: code, state: state) {
            let answer = try HostileRawHTTP.exchange(port: daemon.port, hostile.request, what: hostile.name)
            switch hostile.expected {
            case .status(let status):
                #expect(answer.status == status, "\(hostile.name): expected \(status), got \(answer)")
            case .notAllowed(let allow):
                #expect(answer.status == 405, "\(hostile.name): expected 405, got \(answer)")
                #expect(answer.header("Allow") == allow, "\(hostile.name): Allow is \(answer.header("Allow") ?? "missing")")
            case .statusOrSilentClose(let status):
                #expect(answer.isSilentClose || answer.status == status, "\(hostile.name): expected \(status) or a close, got \(answer)")
            }
            #expect(answer.isSilentClose || answer.responseCount == 1, "\(hostile.name): \(answer.responseCount) responses")
            #expect(!answer.text.contains(code), "\(hostile.name): the page shows the code")
            #expect(!answer.text.contains("<script>"), "\(hostile.name): the page reflects markup")
            if !answer.isSilentClose {
                #expect(answer.header("Connection") == "close", "\(hostile.name): no Connection: close")
                #expect(answer.header("Cache-Control")?.contains("no-store") == true, "\(hostile.name): no Cache-Control: no-store")
            }
        }
        // HEAD carries the real code and state and must leave both alone.
        let head = try HostileRawHTTP.exchange(
            port: daemon.port, Array("HEAD /callback?code=\(code)&state=\(state) HTTP/1.1\r\nHost: localhost:\(daemon.port)\r\n\r\n".utf8),
            what: "HEAD with the real code")
        #expect(head.status == 200 && head.body.isEmpty, "HEAD: \(head)")
        #expect(tls.provider.stats.tokenRequests == 0, "a hostile request reached the token endpoint")

        // The log: the markup's line break did not forge a line, and the flood of refusals
        // was held to about one line a second per kind.
        #expect(!daemon.log.lines.contains { $0.hasPrefix("forged") }, "a CR/LF in a parameter split a log line")
        let seconds = Date().timeIntervalSince(started)
        let rejections = daemon.log.lines.filter { $0.contains("rejected a sign-in response") }.count
        #expect(rejections >= 1 && Double(rejections) <= seconds + 2, "\(rejections) callback_rejected lines in \(seconds) s")

        // After all of it, the real sign-in.
        let page = try Browser.get(location)
        #expect(Browser.text(page).contains("Signed in to work"), "\(Browser.summary(page))")
        let token = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(tls.provider.isValid(accessToken: token), "\(token)")
        // A replayed state: already complete, no second exchange, with the same code or another.
        let replay = try HostileRawHTTP.exchange(
            port: daemon.port, Array("GET /callback?code=other&state=\(state) HTTP/1.1\r\nHost: localhost:\(daemon.port)\r\n\r\n".utf8),
            what: "replayed state")
        #expect(replay.status == 303 && replay.header("Location")?.hasPrefix("/result/") == true, "replay: \(replay)")
        let replayPage = try Browser.get("http://localhost:\(daemon.port)\(replay.header("Location") ?? "/")")
        #expect(Browser.text(replayPage).contains("already complete"), "\(Browser.summary(replayPage))")
        #expect(Browser.text(try Browser.get(location)).contains("already complete"))
        let stats = tls.provider.stats
        #expect(stats.codeGrants == 1, "code grants: \(stats.codeGrants)")
        #expect(stats.tokenRequests == 1, "token requests: \(stats.tokenRequests)")
        #expect(daemon.process.isRunning)
    }
}
