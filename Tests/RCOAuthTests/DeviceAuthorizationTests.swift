import RCTestSupport
import Testing

@testable import RCOAuth

/// The device authorization grant's pure parts (RFC 8628): endpoints, request bodies, the
/// device authorization response, and what each poll answer means.
@Suite struct DeviceAuthorizationTests {
    static func parse(_ json: String, status: Int = 200) -> DeviceAuthorizationResult {
        DeviceAuthorization.parse(status: status, contentType: "application/json", body: Array(json.utf8))
    }

    static func poll(_ json: String, status: Int = 400) -> DevicePoll {
        DevicePoll.classify(status: status, contentType: "application/json", body: Array(json.utf8), now: 1_700_000_000)
    }

    @Test func presetEndpoints() {
        let base = "https://login.microsoftonline.com"
        #expect(ProviderPreset.deviceAuthorizationEndpoint(provider: .entra, authority: nil, tenant: "contoso.com") == base + "/contoso.com/oauth2/v2.0/devicecode")
        #expect(ProviderPreset.deviceAuthorizationEndpoint(provider: .entraV1, authority: base + "/", tenant: "common") == base + "/common/oauth2/devicecode")
        #expect(
            ProviderPreset.deviceAuthorizationEndpoint(provider: .adfs, authority: "https://adfs.contoso.com/adfs", tenant: nil)
                == "https://adfs.contoso.com/adfs/oauth2/devicecode")
        #expect(ProviderPreset.deviceAuthorizationEndpoint(provider: .generic, authority: nil, tenant: nil) == nil)
        #expect(ProviderPreset.deviceAuthorizationEndpoint(provider: .entra, authority: nil, tenant: nil) == nil)
    }

    @Test func entraV2ResponseWithTheDefaults() {
        let result = Self.parse(
            #"{"user_code":"ABCD-EFGH","device_code":"DC","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":5,"message":"To sign in..."}"#)
        let expected = DeviceAuthorization(
            deviceCode: "DC", userCode: "ABCD-EFGH", verificationURI: "https://microsoft.com/devicelogin", expiresInSeconds: 900, intervalSeconds: 5)
        #expect(result == .success(expected))
        #expect(expected.instructions == "on any device open https://microsoft.com/devicelogin and enter ABCD-EFGH")
        // RFC 8628 §3.2: interval defaults to 5; expires_in missing is Entra's 15 minutes.
        guard case .success(let bare) = Self.parse(#"{"user_code":"X","device_code":"D","verification_uri":"https://a.example/d"}"#) else {
            Issue.record("a response without interval and expires_in is usable")
            return
        }
        #expect(bare.intervalSeconds == 5 && bare.expiresInSeconds == 900)
    }

    @Test func entraV1SaysURLAndSendsStrings() {
        let result = Self.parse(
            #"{"user_code":"C","device_code":"D","verification_url":"https://microsoft.com/devicelogin","expires_in":"900","interval":"5"}"#)
        #expect(result == .success(DeviceAuthorization(deviceCode: "D", userCode: "C", verificationURI: "https://microsoft.com/devicelogin")))
    }

    @Test func adfsSendsTheCompleteURI() {
        guard
            case .success(let authorization) = Self.parse(
                #"{"user_code":"C","device_code":"D","verification_uri":"https://adfs.example/adfs/oauth2/deviceauth","verification_uri_complete":"https://adfs.example/adfs/oauth2/deviceauth?user_code=C","interval":0,"expires_in":999999}"#)
        else {
            Issue.record("AD FS's response is usable")
            return
        }
        #expect(authorization.verificationURIComplete == "https://adfs.example/adfs/oauth2/deviceauth?user_code=C")
        // Clamped: no polling loop, and no code believed to live for days.
        #expect(authorization.intervalSeconds == 1 && authorization.expiresInSeconds == 3600)
    }

    @Test func refusalsAndGarbage() {
        guard case .failure(let error) = Self.parse(#"{"error":"invalid_client","error_codes":[700016]}"#, status: 400) else {
            Issue.record("an error object is an error")
            return
        }
        #expect(error.code == "invalid_client" && error.providerCodes == [700016])
        for body in [
            #"{"device_code":"D","verification_uri":"https://a.example"}"#,  // no user code
            #"{"user_code":"C","verification_uri":"https://a.example"}"#,  // no device code
            #"{"user_code":"C","device_code":"D"}"#,  // nowhere to go
            #"{"user_code":"C","device_code":"D","verification_uri":"javascript:alert(1)"}"#,
            #"{"user_code":"C","device_code":"D","verification_uri":"http://evil.example/"}"#,
            #"{"user_code":"C","device_code":"D","verification_uri":"http://localhost.evil.example/"}"#,
            #"{"user_code":"<script>","device_code":"D","verification_uri":"https://a.example"}"#,
            #"{"user_code":"C\nD","device_code":"D","verification_uri":"https://a.example"}"#,
            "<html>", "[]",
        ] {
            guard case .failure(let error) = Self.parse(body) else {
                Issue.record("accepted \(body)")
                continue
            }
            #expect(error.code == nil, "\(body)")
        }
        guard case .failure(let html) = DeviceAuthorization.parse(status: 503, contentType: "text/html", body: Array("<h1>down</h1>".utf8)) else {
            Issue.record("a 503 page is a failure")
            return
        }
        #expect(html.kind == .transient)
    }

    @Test func theDeviceCodeNeverShowsInItsDescription() {
        let authorization = DeviceAuthorization(deviceCode: "SECRET-DEVICE-CODE", userCode: "C", verificationURI: "https://a.example")
        var dumped = ""
        dump(authorization, to: &dumped)
        for text in [String(describing: authorization), String(reflecting: authorization), dumped] {
            #expect(!text.contains("SECRET"), "\(text)")
        }
    }

    @Test func whatEachPollAnswerMeans() {
        #expect(Self.poll(#"{"error":"authorization_pending","error_codes":[70016]}"#) == .pending)
        #expect(Self.poll(#"{"error":"slow_down"}"#) == .slowDown)
        #expect(Self.poll("<html>busy</html>", status: 503) == .pending)
        #expect(Self.poll(#"{"error":"temporarily_unavailable"}"#, status: 503) == .pending)
        for (json, expected) in [
            (#"{"error":"authorization_declined"}"#, "declined"), (#"{"error":"access_denied"}"#, "declined"),
            (#"{"error":"expired_token"}"#, "expired"), (#"{"error":"code_expired"}"#, "expired"),
            (#"{"error":"bad_verification_code"}"#, "refused"), (#"{"error":"invalid_grant","error_codes":[53003]}"#, "refused"),
            (#"{"error":"invalid_client","error_codes":[7000218]}"#, "refused"),
        ] {
            let kind =
                switch Self.poll(json) {
                case .denied: "declined"
                case .expired: "expired"
                case .refused: "refused"
                default: "other"
                }
            #expect(kind == expected, "\(json)")
        }
        guard case .granted(let grant) = Self.poll(#"{"access_token":"A","refresh_token":"R","expires_in":3599,"token_type":"Bearer"}"#, status: 200) else {
            Issue.record("tokens are a grant")
            return
        }
        #expect(grant.refreshToken == "R")
    }

    @Test func entraRefusalsOfTheFlowSayWhatToDo() {
        let ca = TokenError(kind: .needsSignIn, code: "invalid_grant", providerCodes: [53003], httpStatus: 400)
        let advice = DevicePoll.refusalAdvice(ca, account: "work", signInURL: "http://localhost:8400/signin/work", port: 8400)
        #expect(advice?.contains("Conditional Access") == true)
        #expect(advice?.contains("ssh -L 8400:localhost:8400") == true && advice?.contains("open http://localhost:8400/signin/work") == true)
        #expect(advice?.contains("redirect-catcher signin work --paste") == true)
        let publicFlows = TokenError(kind: .configuration, code: "invalid_client", providerCodes: [7_000_218], httpStatus: 401)
        let where_ = DevicePoll.refusalAdvice(publicFlows, account: "work", signInURL: "", port: 8400)
        #expect(where_?.contains("App registrations > the app > Authentication > Advanced settings") == true)
        #expect(where_?.contains("Allow public client flows") == true)
        #expect(DevicePoll.refusalAdvice(TokenError(kind: .configuration, code: "invalid_scope", httpStatus: 400), account: "w", signInURL: "", port: 1) == nil)
    }

    @Test func requestBodies() {
        let v2 = Fixtures.account(.entra, scopes: ["api://x/.default", "offline_access"])
        #expect(TokenRequest.deviceAuthorization(account: v2).bodyText == "client_id=my%20client&scope=api%3A%2F%2Fx%2F.default%20offline_access")
        let v1 = Fixtures.account(.entraV1, scopes: [], resource: "https://contoso.operations.dynamics.com")
        #expect(TokenRequest.deviceAuthorization(account: v1).formBody.map(\.0) == ["client_id", "resource"])
        // Microsoft's device endpoints take no secret; the polls carry it.
        let confidential = Fixtures.account(.entra, secret: "s3cret", clientAuth: .secretPost)
        #expect(!TokenRequest.deviceAuthorization(account: confidential).bodyText.contains("s3cret"))
        let poll = TokenRequest.deviceCode(account: confidential, deviceCode: "DC")
        #expect(poll.formBody.map(\.0) == ["grant_type", "device_code", "code", "client_id", "client_secret"])
        #expect(poll.formBody.first?.1 == "urn:ietf:params:oauth:grant-type:device_code")
        // A generic confidential client authenticates at the device endpoint too (RFC 8628 §3.1),
        // and its polls name only the device code.
        let generic = Fixtures.account(secret: "s3cret", clientAuth: .secretBasic)
        #expect(TokenRequest.deviceAuthorization(account: generic).headers.map(\.0) == ["Authorization"])
        #expect(TokenRequest.deviceCode(account: generic, deviceCode: "DC").formBody.map(\.0) == ["grant_type", "device_code", "client_id"])
    }

    @Test func randomBodiesNeverCrashAndNeverYieldAnUnsafeAuthorization() {
        var random = SplitMix64(seed: 0xDE71_CE)
        let shapes = [
            #"{"user_code":"ABCD-EFGH","device_code":"D","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":5}"#,
            #"{"user_code":"C","device_code":"D","verification_url":"https://a.example","expires_in":"1e99","interval":"-9223372036854775808"}"#,
            #"{"error":"authorization_pending","error_codes":[70016,1e99]}"#,
        ]
        for round in 0..<3000 {
            var bytes = Array(shapes[round % shapes.count].utf8)
            for _ in 0..<Int.random(in: 0...3, using: &random) where !bytes.isEmpty {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            if round % 7 == 0 { bytes = (0..<Int.random(in: 0..<64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) } }
            let status = [200, 400, 401, 500][round % 4]
            if case .success(let authorization) = DeviceAuthorization.parse(status: status, contentType: nil, body: bytes) {
                #expect(DeviceAuthorization.intervalRange.contains(authorization.intervalSeconds))
                #expect(DeviceAuthorization.lifetimeRange.contains(authorization.expiresInSeconds))
                #expect(authorization.verificationURI.hasPrefix("https://") && !authorization.userCode.contains("<"))
            }
            _ = DevicePoll.classify(status: status, contentType: nil, body: bytes, now: 0)
        }
    }
}
