import RCJSON
import Testing

/// Discovery against metadata written by other people: `oidc-provider-mock` names its issuer
/// as we expect but, as Entra does, lists no `code_challenge_methods_supported`: the daemon
/// starts with the endpoints it found, sends S256 anyway, and says so.
extension OIDCProviderMockInteropTests {
    @Test func discoveryAtTheMockStartsWithS256AndAWarning() throws {
        let mock = try OIDCProviderMock()
        defer { mock.stop() }
        let account = JSONObject([
            ("issuer", .string(mock.baseURL)), ("client_id", .string("redirect-catcher-interop")),
            ("scopes", .array([.string("openid")])),
        ])
        let daemon = try DaemonProcess(accounts: [("sso", account)])
        defer { daemon.stop() }
        try daemon.log.waitForLine("the assumed-S256 warning") {
            $0.contains("\(mock.baseURL)/.well-known/openid-configuration does not list code_challenge_methods_supported")
        }
        try daemon.log.waitForLine("the discovered endpoints") { $0.contains("endpoints from \(mock.baseURL)/.well-known/openid-configuration") }
    }
}
