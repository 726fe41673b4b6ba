import Glibc
import RCHTTP
@testable import RCSystem
import RCTestSupport
import Testing

@testable import RCDaemon

/// The daemon's side of the exchange helper: the framing both ways, and what each way a
/// helper can fail means for the account (always a transport failure, never a crash).
@Suite struct ExchangeHelperTests {
    static let order = ExchangeOrder(
        method: "POST", location: "https://login.example/tenant/oauth2/v2.0/token",
        headers: HTTPHeaders([("Content-Type", "application/x-www-form-urlencoded"), ("Authorization", "Basic YTpi")]),
        body: Array("grant_type=refresh_token&refresh_token=r%2C1:2".utf8), caFile: "/etc/ca, with: odd.pem")

    @Test func anOrderSurvivesTheWire() throws {
        let decoded = try #require(ExchangeWire.decodeOrder(ExchangeWire.encode(Self.order, timeoutSeconds: 2.5)))
        #expect(decoded.0 == Self.order)
        #expect(decoded.1 == 2.5)
        let get = ExchangeOrder(method: "GET", location: "https://issuer.example/.well-known/openid-configuration")
        let decodedGet = try #require(ExchangeWire.decodeOrder(ExchangeWire.encode(get, timeoutSeconds: 30)))
        #expect(decodedGet.0 == get)
        #expect(decodedGet.0.body == nil && decodedGet.0.caFile == nil)
        let empty = ExchangeOrder(method: "POST", location: "https://x.example/token", body: [], caFile: "")
        #expect(ExchangeWire.decodeOrder(ExchangeWire.encode(empty, timeoutSeconds: 1))?.0 == empty)
    }

    @Test func resultsSurviveTheWire() {
        let message = HTTPResponseMessage(
            status: 400, reason: "Bad Request", headers: HTTPHeaders([("Content-Type", "application/json"), ("x-ms-request-id", "1,2:3")]),
            body: Array(#"{"error":"invalid_grant","error_description":"AADSTS70008: expired"}"#.utf8) + [0, 255, 44, 58])
        #expect(ExchangeWire.decodeResult(ExchangeWire.encode(.success(message))) == .success(message))
        let failure = TransportFailure(description: "TLS with login.example:443 failed: certificate verify failed")
        #expect(ExchangeWire.decodeResult(ExchangeWire.encode(.failure(failure))) == .failure(failure))
    }

    @Test(arguments: [
        "", "x", "3:abc", "3:abc,", "4:abc,", "2:abc,", ":,", "99999999999:a,", "-1:a,", "16:exchange-order-1,",
        "8:response,3:200,2:OK,1:0,", "8:response,3:200,2:OK,1:0,0:,0:,", "8:response,2:99,2:OK,1:0,0:,",
        "8:response,3:200,2:OK,1:1,1:a,0:,", "7:failure,", "7:failure,1:a,1:b,", "6:result,1:a,",
    ])
    func malformedFramesAreRefused(_ text: String) {
        #expect(ExchangeWire.decodeResult(Array(text.utf8)) == nil)
        #expect(ExchangeWire.decodeOrder(Array(text.utf8)) == nil)
    }

    /// Random bytes, and valid frames cut short or with bytes flipped: nil or a value, never a
    /// crash; a frame cut anywhere short is refused.
    @Test func randomAndDamagedFramesNeverCrash() {
        var random = SplitMix64(seed: 0x5eed_e8c4)
        let valid = ExchangeWire.encode(Self.order, timeoutSeconds: 30)
        let response = ExchangeWire.encode(.success(HTTPResponseMessage(status: 200, reason: "OK", headers: HTTPHeaders(), body: Array("{}".utf8))))
        for cut in 0..<valid.count { #expect(ExchangeWire.decodeOrder(Array(valid[..<cut])) == nil) }
        for cut in 0..<response.count { #expect(ExchangeWire.decodeResult(Array(response[..<cut])) == nil) }
        for _ in 0..<5000 {
            var bytes = random.next() % 2 == 0 ? valid : response
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let at = Int(random.next() % UInt64(bytes.count))
                bytes[at] = [UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "9"), UInt8(truncatingIfNeeded: random.next())][Int(random.next() % 4)]
            }
            _ = ExchangeWire.decodeOrder(bytes)
            _ = ExchangeWire.decodeResult(bytes)
            let noise = (0..<Int(random.next() % 64)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = ExchangeWire.decodeOrder(noise)
            _ = ExchangeWire.decodeResult(noise)
        }
    }

    /// A fake helper (a shell script) in each way a real one could go wrong.
    static func endpoint(_ script: String, timeout: Double = 5) -> HelperTokenEndpoint {
        HelperTokenEndpoint(argv: ["/bin/sh", "-c", script], timeoutSeconds: timeout, environment: ["PATH": "/usr/bin:/bin"])
    }

    @Test func anAnswerFromTheHelperIsTheResponse() throws {
        let frame = String(decoding: ExchangeWire.encode(.success(HTTPResponseMessage(
            status: 200, reason: "OK", headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(#"{"a":1}"#.utf8)))), as: UTF8.self)
        let result = Self.endpoint("cat >/dev/null; printf '%s' '\(frame)'").perform(Self.order)
        let message = try result.get()
        #expect(message.status == 200 && message.body == Array(#"{"a":1}"#.utf8))
    }

    @Test func theHelperReadsTheWholeOrder() throws {
        // The helper echoes what it read inside a failure frame: the order arrives intact.
        let script = #"order=$(cat); printf '7:failure,%d:%s,' "${#order}" "$order""#
        let result = Self.endpoint(script).perform(Self.order)
        guard case .failure(let failure) = result else { Issue.record("\(result)"); return }
        #expect(Array(failure.description.utf8) == ExchangeWire.encode(Self.order, timeoutSeconds: 5))
    }

    @Test(arguments: [
        ("exit 2", "failed (exit status 2) without an answer"),
        ("cat >/dev/null; printf 'garbage'", "failed (exit status 0) without an answer"),
        ("kill -SEGV $$", "failed (killed by signal 11) without an answer"),
    ])
    func aBrokenHelperIsATransportFailure(_ script: String, _ expected: String) {
        let result = Self.endpoint(script).perform(Self.order)
        guard case .failure(let failure) = result else { Issue.record("\(result)"); return }
        #expect(failure.description.contains(expected), "\(failure.description)")
    }

    @Test func aHelperThatHangsIsKilledAfterTheGrace() {
        let started = Instant.now(.monotonic)
        let result = HelperTokenEndpoint.interpret(
            ChildProcess.Conversation(output: [], outcome: ChildProcess.Outcome(termination: .signalled(SIGKILL), timedOut: true), outputTooLong: false),
            timeoutSeconds: 30)
        guard case .failure(let failure) = result else { Issue.record("\(result)"); return }
        #expect(failure.description.contains("did not finish within 30 s (request_timeout)"))
        #expect(Instant.now(.monotonic).seconds(since: started) < 1)
    }

    @Test func aMissingHelperIsATransportFailure() {
        let endpoint = HelperTokenEndpoint(argv: ["/nonexistent/redirect-catcher", "exchange-helper"], timeoutSeconds: 1, environment: [:])
        guard case .failure(let failure) = endpoint.perform(Self.order) else { Issue.record("no failure"); return }
        #expect(failure.description.contains("cannot start the exchange helper /nonexistent/redirect-catcher exchange-helper"), "\(failure)")
    }

    /// The helper's environment keeps what TLS and proxies need and drops systemd's.
    @Test func systemdsVariablesStayWithTheDaemon() throws {
        let endpoint = HelperTokenEndpoint(
            argv: ["/bin/sh", "-c", #"cat >/dev/null; e=$(env | sort | tr '\n' ' '); printf '7:failure,%d:%s,' "${#e}" "$e""#], timeoutSeconds: 5,
            environment: ["PATH": "/usr/bin:/bin", "HTTPS_PROXY": "http://proxy:3128", "NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "1", "SSL_CERT_FILE": "/c.pem"])
        guard case .failure(let failure) = endpoint.perform(Self.order) else { Issue.record("no failure"); return }
        #expect(failure.description.contains("HTTPS_PROXY=http://proxy:3128"))
        #expect(failure.description.contains("SSL_CERT_FILE=/c.pem"))
        #expect(!failure.description.contains("NOTIFY_SOCKET"))
        #expect(!failure.description.contains("WATCHDOG_USEC"))
    }
}
