import RCTestSupport
import Testing

@testable import RCOAuth

@Suite struct TokenResponseTests {
    let now: Int64 = 1_700_000_000
    let json = "application/json; charset=utf-8"

    func parse(_ body: String, status: Int = 200, contentType: String? = "application/json; charset=utf-8") -> TokenResult {
        TokenResponse.parse(status: status, contentType: contentType, body: Array(body.utf8), now: now)
    }

    func grant(_ result: TokenResult) -> TokenGrant? {
        if case .success(let grant) = result { return grant }
        return nil
    }

    func failure(_ result: TokenResult) -> TokenError? {
        if case .failure(let error) = result { return error }
        return nil
    }

    @Test func entraV2() throws {
        let body = #"{"token_type":"Bearer","scope":"https://x/.default","expires_in":3599,"ext_expires_in":3599,"refresh_in":1799,"access_token":"eyJ0eXAi.a.b","refresh_token":"0.AAAA","id_token":"eyJ.c.d"}"#
        let result = try #require(grant(parse(body)))
        #expect(result == TokenGrant(accessToken: "eyJ0eXAi.a.b", lifetimeSeconds: 3599, refreshToken: "0.AAAA", refreshInSeconds: 1799, idToken: "eyJ.c.d", scope: "https://x/.default"))
    }

    @Test func entraV1StringsAndExpiresOn() throws {
        let body = #"{"token_type":"Bearer","expires_in":"3599","ext_expires_in":"3599","expires_on":"1700003599","not_before":"1699999700","resource":"https://api","access_token":"AT","refresh_token":"RT"}"#
        #expect(try #require(grant(parse(body))).lifetimeSeconds == 3599)
        let onlyExpiresOn = #"{"token_type":"Bearer","expires_on":"1700001200","access_token":"AT"}"#
        let result = try #require(grant(parse(onlyExpiresOn)))
        #expect(result.lifetimeSeconds == 1200)
        #expect(result.refreshToken == nil)
        let numericExpiresOn = #"{"access_token":"AT","expires_on":1700000060}"#
        #expect(try #require(grant(parse(numericExpiresOn))).lifetimeSeconds == 60)
    }

    @Test func adfs() throws {
        let body = #"{"access_token":"AT","token_type":"bearer","expires_in":3600,"resource":"urn:api","refresh_token":"RT","refresh_token_expires_in":28800,"scope":"openid","id_token":"ID"}"#
        let result = try #require(grant(parse(body)))
        #expect(result.refreshTokenLifetimeSeconds == 28800)
        #expect(result.tokenType == "Bearer")
        #expect(result.lifetimeSeconds == 3600)
    }

    @Test func lifetimesAreClamped() throws {
        #expect(try #require(grant(parse(#"{"access_token":"A","expires_in":0}"#))).lifetimeSeconds == 1)
        #expect(try #require(grant(parse(#"{"access_token":"A","expires_in":-50}"#))).lifetimeSeconds == 1)
        #expect(try #require(grant(parse(#"{"access_token":"A","expires_in":99999999999}"#))).lifetimeSeconds == 604_800)
        #expect(try #require(grant(parse(#"{"access_token":"A","expires_in":1e300}"#))).lifetimeSeconds == 604_800)
        #expect(try #require(grant(parse(#"{"access_token":"A"}"#))).lifetimeSeconds == 300)
        #expect(try #require(grant(parse(#"{"access_token":"A","expires_in":"soon"}"#))).lifetimeSeconds == 300)
        #expect(try #require(grant(parse(#"{"access_token":"A","expires_on":"1600000000"}"#))).lifetimeSeconds == 1)
        #expect(try #require(grant(parse(#"{"access_token":"A","expires_in":3600.0}"#))).lifetimeSeconds == 3600)
        #expect(try #require(grant(parse(#"{"access_token":"A","refresh_in":-1}"#))).refreshInSeconds == nil)
    }

    @Test func tokenTypes() throws {
        #expect(grant(parse(#"{"access_token":"A","token_type":"bearer"}"#)) != nil)
        #expect(grant(parse(#"{"access_token":"A","token_type":"BEARER"}"#)) != nil)
        let mac = try #require(failure(parse(#"{"access_token":"A","token_type":"mac"}"#)))
        #expect(mac.kind == .configuration)
        #expect(mac.description?.contains("mac") == true)
        #expect(failure(parse(#"{"access_token":"A","token_type":7}"#))?.kind == .configuration)
    }

    @Test func missingOrEmptyAccessTokenIsTransient() {
        #expect(failure(parse(#"{"token_type":"Bearer"}"#))?.kind == .transient)
        #expect(failure(parse(#"{"access_token":""}"#))?.kind == .transient)
        #expect(failure(parse(#"{"access_token":42}"#))?.kind == .transient)
        #expect(failure(parse(#"[1]"#))?.kind == .transient)
    }

    @Test func htmlGatewayPageIsTransient() throws {
        let page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
        let error = try #require(failure(parse(page, status: 502, contentType: "text/html")))
        #expect(error.kind == .transient)
        #expect(error.httpStatus == 502)
        // Even a JSON-looking body labelled HTML is not trusted as tokens.
        #expect(failure(parse(#"{"access_token":"A"}"#, contentType: "Text/HTML; charset=utf-8"))?.kind == .transient)
        #expect(failure(parse("", status: 200, contentType: nil))?.kind == .transient)
    }

    @Test func errorWithStatus200IsAnError() throws {
        let error = try #require(failure(parse(#"{"error":"invalid_grant","error_description":"expired","access_token":"A"}"#)))
        #expect(error.kind == .needsSignIn)
        #expect(error.code == "invalid_grant")
    }

    @Test func entraErrorShape() throws {
        let body = #"""
            {"error":"invalid_grant","error_description":"AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.\r\nTrace ID: 0d3b\r\nCorrelation ID: 5c1d\r\nTimestamp: 2024-01-01 00:00:00Z","error_codes":[70008],"timestamp":"2024-01-01 00:00:00Z","trace_id":"0d3b","correlation_id":"5c1d","error_uri":"https://login.microsoftonline.com/error?code=70008"}
            """#
        let error = try #require(failure(parse(body, status: 400)))
        #expect(error.kind == .needsSignIn)
        #expect(error.providerCodes == [70008])
        #expect(error.traceID == "0d3b")
        #expect(error.correlationID == "5c1d")
        #expect(error.retryAfterSeconds == nil)
        #expect(!error.summary.contains("\r") && !error.summary.contains("\n"))
        #expect(error.summary.hasPrefix("invalid_grant: AADSTS70008: The provided authorization code"))
        #expect(error.summary.hasSuffix("(codes 70008; correlation id 5c1d; HTTP 400)"))
        #expect(ProviderErrorAdvice.advice(for: error.providerCodes, error: error.code)?.contains("sign in again") == true)
    }

    @Test func aadstsCodesFromDescription() throws {
        let body = #"{"error":"invalid_grant","error_description":"AADSTS53000: Device is not in required device state. AADSTS53000 again, AADSTS50173 too"}"#
        let error = try #require(failure(parse(body, status: 400)))
        #expect(error.providerCodes == [53000, 50173])
        #expect(error.kind == .deviceCompliance)
        #expect(failure(parse(#"{"error":"invalid_grant","error_codes":[530003]}"#, status: 400))?.kind == .deviceCompliance)
    }

    @Test(arguments: [
        ("invalid_grant", 400, TokenErrorKind.needsSignIn), ("interaction_required", 400, .needsSignIn),
        ("login_required", 400, .needsSignIn), ("consent_required", 400, .needsSignIn),
        ("invalid_client", 401, .configuration), ("unauthorized_client", 400, .configuration),
        ("invalid_scope", 400, .configuration), ("invalid_request", 400, .configuration),
        ("unsupported_grant_type", 400, .configuration), ("server_error", 400, .transient),
        ("temporarily_unavailable", 400, .transient), ("invalid_grant", 503, .transient),
        ("invalid_request", 429, .transient), ("something_new", 400, .unrecognized),
        ("invalid_resource", 400, .configuration), ("access_denied", 400, .unrecognized),
    ])
    func classification(code: String, status: Int, kind: TokenErrorKind) {
        #expect(failure(parse(#"{"error":"\#(code)"}"#, status: status))?.kind == kind)
    }

    @Test func transientStatusesWithoutErrorCode() {
        for status in [408, 429, 500, 502, 503, 504] {
            #expect(failure(parse(#"{"message":"busy"}"#, status: status))?.kind == .transient)
            #expect(failure(parse("Service Unavailable", status: status, contentType: "text/plain"))?.kind == .transient)
        }
        #expect(failure(parse(#"{"access_token":"A"}"#, status: 503))?.kind == .transient)
    }

    @Test func summaryIsSanitisedAndBounded() {
        let error = TokenError(
            kind: .configuration, code: "invalid_request", description: "line1\r\nFAKE LOG LINE\u{1B}[31m" + String(repeating: "x", count: 1000),
            correlationID: "c\nd", httpStatus: 400)
        #expect(!error.summary.contains("\n") && !error.summary.contains("\r") && !error.summary.contains("\u{1B}"))
        #expect(error.summary.count < 420)
        #expect(error.summary.contains("line1 FAKE LOG LINE [31m"))
    }

    @Test func grantDescriptionRedactsTokens() {
        let grant = TokenGrant(accessToken: "SECRET-AT", lifetimeSeconds: 60, refreshToken: "SECRET-RT", idToken: "SECRET-ID")
        for text in [String(describing: grant), String(reflecting: grant), "\(grant)"] {
            #expect(!text.contains("SECRET"))
        }
        var dumped = ""
        dump(grant, to: &dumped)
        #expect(!dumped.contains("SECRET"))
    }

    @Test func randomBodiesNeverCrash() {
        var random = SplitMix64(seed: 0x70C3)
        let shapes = [
            #"{"access_token":"A","expires_in":"3599","refresh_in":1,"token_type":"Bearer"}"#,
            #"{"error":"invalid_grant","error_codes":[70008,1e99,"x"],"error_description":"AADSTS99999999999999999999"}"#,
            #"{"access_token":"A","expires_on":"-9223372036854775808","expires_in":-9223372036854775808}"#,
        ]
        for round in 0..<3000 {
            var bytes = Array(shapes[round % shapes.count].utf8)
            for _ in 0..<Int.random(in: 0...3, using: &random) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            if round % 7 == 0 { bytes = (0..<Int.random(in: 0..<64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) } }
            let status = [200, 400, 401, 500, 302][round % 5]
            if case .success(let grant) = TokenResponse.parse(status: status, contentType: nil, body: bytes, now: Int64.random(in: .min ... .max, using: &random)) {
                #expect((1...604_800).contains(grant.lifetimeSeconds))
                #expect(!grant.accessToken.isEmpty)
            }
        }
    }
}
