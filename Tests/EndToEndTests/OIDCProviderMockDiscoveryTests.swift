import RCJSON
import Testing

/// Discovery against metadata written by other people: `oidc-provider-mock` names its issuer
/// as we expect but lists no `code_challenge_methods_supported`, so the daemon must refuse it.
extension OIDCProviderMockInteropTests {
    @Test func discoveryAtTheMockIsRefusedForWantOfS256() throws {
        let mock = try OIDCProviderMock()
        defer { mock.stop() }
        let account = JSONObject([
            ("issuer", .string(mock.baseURL)), ("client_id", .string("redirect-catcher-interop")),
            ("scopes", .array([.string("openid")])),
        ])
        let run = try DaemonStartAttempt.run("run", account: account)
        let log = run.stdout + run.stderr
        #expect(run.status != 0, "\(log)")
        #expect(
            log.contains("accounts.sso.issuer: discovery failed: \(mock.baseURL)/.well-known/openid-configuration: the provider does not advertise PKCE S256"),
            "\(log)")
    }
}
