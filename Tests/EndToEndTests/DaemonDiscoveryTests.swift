import RCJSON
import RCTestProvider
import Testing

/// A generic account that names only its `issuer`: the daemon reads the endpoints from the
/// provider's metadata at start-up, and refuses to start when the metadata is for another
/// issuer or does not offer PKCE S256.
extension DaemonEndToEndTests {
    enum MetadataLocation: String, CaseIterable, Sendable {
        case openIDConfiguration = "openid-configuration"
        case rfc8414 = "oauth-authorization-server"
    }

    static func issuerOnly(_ issuer: String) -> JSONObject {
        JSONObject([
            ("issuer", .string(issuer)), ("client_id", .string("demo-client")),
            ("scopes", .array([.string("openid"), .string("offline_access")])),
        ])
    }

    @Test(arguments: MetadataLocation.allCases)
    func anIssuerAloneIsEnoughToSignIn(_ location: MetadataLocation) throws {
        var options = TestProviderOptions()
        options.issuerPath = "/realms/demo"
        options.servesOpenIDConfiguration = location == .openIDConfiguration
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("sso", Self.issuerOnly(tls.provider.issuer))], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let expected =
            location == .openIDConfiguration
            ? tls.provider.issuer + "/.well-known/openid-configuration"
            : tls.provider.baseURL + "/.well-known/oauth-authorization-server/realms/demo"
        try daemon.log.waitForLine(containing: "account sso: endpoints from \(expected): authorize \(tls.provider.authorizeURL)")

        let signedIn = try Self.signIn(daemon, tls, account: "sso")
        // The callback's `iss` is checked against the discovered issuer, so this also shows it matched.
        #expect(Browser.text(signedIn.page).contains("Signed in to sso"), "\(Browser.summary(signedIn.page))\nlog:\n\(daemon.log.text)")
        let token = try TokenSocket.readLine(daemon.socketPath("sso"))
        #expect(tls.provider.isValid(accessToken: token), "\(token)")
        #expect(tls.provider.stats.codeGrants == 1)
    }

    /// Entra's metadata has no `code_challenge_methods_supported`: S256 is used all the same,
    /// with a warning, and the strict provider (which requires S256) signs the person in.
    @Test func metadataThatListsNoPKCEMethodsAtAllGetsS256AndAWarning() throws {
        var options = TestProviderOptions()
        options.advertisedChallengeMethods = nil
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("sso", Self.issuerOnly(tls.provider.issuer))], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try daemon.log.waitForLine("the assumed-S256 warning") { $0.contains("does not list code_challenge_methods_supported") }
        // A warning (priority 4), so that `journalctl -p warning` shows it.
        #expect(daemon.log.text.contains("<4>account sso: \(tls.provider.issuer)/.well-known/openid-configuration does not list"), "\(daemon.log.text)")
        let signedIn = try DaemonEndToEndTests.signIn(daemon, tls, account: "sso")
        #expect(Browser.text(signedIn.page).contains("Signed in to sso"), "\(Browser.summary(signedIn.page))")
        #expect(tls.provider.isValid(accessToken: try TokenSocket.readLine(daemon.socketPath("sso"))))
    }

    @Test(arguments: [["plain"], []] as [[String]])
    func aProviderWithoutS256IsRefusedAtStart(_ methods: [String]) throws {
        var options = TestProviderOptions()
        options.advertisedChallengeMethods = methods
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let run = try DaemonStartAttempt.run("run", account: Self.issuerOnly(tls.provider.issuer), caPEM: tls.caPEM)
        #expect(run.status != 0)
        let log = run.stdout + run.stderr
        #expect(log.contains("accounts.sso.issuer: discovery failed: "), "\(log)")
        #expect(log.contains("the provider does not advertise PKCE S256"), "\(log)")
        #expect(!log.contains("listening on"), "\(log)")
        #expect(tls.provider.stats.authorizeRequests == 0 && tls.provider.stats.tokenRequests == 0)
    }

    @Test func metadataForAnotherIssuerIsRefusedAtStart() throws {
        var options = TestProviderOptions()
        options.advertisedIssuer = "https://login.example.com/other-tenant"
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let run = try DaemonStartAttempt.run("run", account: Self.issuerOnly(tls.provider.issuer), caPEM: tls.caPEM)
        #expect(run.status != 0)
        let log = run.stdout + run.stderr
        #expect(
            log.contains("accounts.sso.issuer: discovery failed: \(tls.provider.issuer)/.well-known/openid-configuration: the metadata is for issuer https://login.example.com/other-tenant, not \(tls.provider.issuer)"),
            "\(log)")
        #expect(!log.contains("listening on"), "\(log)")
    }

    /// `check-config` stays offline: nothing listens at this issuer, and it still passes,
    /// saying where the daemon will look.
    @Test func checkConfigDoesNotFetchTheMetadata() throws {
        let run = try DaemonStartAttempt.run("check-config", account: Self.issuerOnly("https://127.0.0.1:1/realms/demo"))
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(
            run.stdout.contains(
                "endpoints: discovered at start-up from https://127.0.0.1:1/realms/demo/.well-known/openid-configuration or https://127.0.0.1:1/.well-known/oauth-authorization-server/realms/demo (not fetched by check-config)"
            ), "\(run.stdout)")
    }
}
