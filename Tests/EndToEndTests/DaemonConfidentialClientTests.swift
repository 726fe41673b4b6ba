import Foundation
import RCCrypto
import RCJSON
import RCTestProvider
import Testing

/// Confidential clients against the strict provider: a secret in the body, a secret with HTTP
/// Basic, and a certificate whose client assertions the provider verifies with the registered
/// certificate's public key; and all of it through an HTTP CONNECT proxy named in the daemon's
/// environment, as on a corporate network.
extension DaemonEndToEndTests {
    enum Credential: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case secretInBody, secretWithBasic, certificatePS256, certificateRS256, certificateADFSDefault
        var testDescription: String { rawValue }

        var isCertificate: Bool { self == .certificatePS256 || self == .certificateRS256 || self == .certificateADFSDefault }
    }

    /// A client certificate and key written to files the daemon reads (removed by `remove()`).
    struct CertificateFiles {
        let directory: String
        let certificatePEM: String
        var certificatePath: String { directory + "/client.crt" }
        var keyPath: String { directory + "/client.key" }

        init() throws {
            let pair = try TestCertificateAuthority.generate(commonName: "app registration CA")
                .issueClientCertificate(commonName: "redirect-catcher e2e client")
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("rc-cert-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            try pair.certificatePEM.write(toFile: directory + "/client.crt", atomically: true, encoding: .utf8)
            try pair.privateKeyPEM.write(toFile: directory + "/client.key", atomically: true, encoding: .utf8)
            certificatePEM = pair.certificatePEM
        }

        func remove() { try? FileManager.default.removeItem(atPath: directory) }
    }

    static let secret = "s3cret&+=/ü"

    /// The provider options and account for `credential`: v2-shaped Entra for certificates with
    /// PS256 (Entra's recommendation), AD FS-shaped for RS256 (named, or AD FS's default),
    /// generic for secrets.
    static func setUp(_ credential: Credential, files: CertificateFiles) -> (TestProviderOptions, (String) -> JSONObject) {
        switch credential {
        case .secretInBody, .secretWithBasic:
            var options = TestProviderOptions()
            options.clients = [TestClient(id: "web-app", secret: secret, allowedAuthentication: credential == .secretInBody ? [.post] : [.basic])]
            return (options, { base in
                var account = JSONObject([
                    ("authorize_url", .string(base + "/authorize")), ("token_url", .string(base + "/token")),
                    ("client_id", .string("web-app")), ("scopes", .array([.string("openid"), .string("offline_access")])),
                    ("client_secret", .string(secret)),
                ])
                if credential == .secretWithBasic { account["client_auth"] = .string("basic") }
                return account
            })
        case .certificatePS256, .certificateRS256, .certificateADFSDefault:
            let preset: Preset = credential == .certificatePS256 ? .entra : .adfs
            var options = preset.options
            options.clients = [TestClient(id: "cert-app", allowedAuthentication: [.privateKeyJWT], certificatePEM: files.certificatePEM)]
            return (options, { base in
                var account = preset.account(authority: base)
                account["client_id"] = .string("cert-app")
                account["client_certificate_file"] = .string(files.certificatePath)
                account["client_key_file"] = .string(files.keyPath)
                if credential == .certificateRS256 { account["client_assertion_alg"] = .string("RS256") }
                return account
            })
        }
    }

    @Test(arguments: Credential.allCases)
    func aConfidentialClientSignsInAndRefreshes(_ credential: Credential) throws {
        let files = try CertificateFiles()
        defer { files.remove() }
        let (options, makeAccount) = Self.setUp(credential, files: files)
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("app", makeAccount(tls.provider.baseURL))], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try Self.expectSignInAndRefresh(daemon, tls, credential)
        if credential.isCertificate {
            #expect(tls.provider.stats.clientAssertions == 2, "one assertion per token request")
            // Entra: PS256 with x5t#S256. AD FS (which accepts only what MSAL sends it): RS256
            // with x5t, by default and with client_assertion_alg RS256 alike.
            let expected = credential == .certificatePS256 ? "PS256 x5t#S256" : "RS256 x5t"
            #expect(tls.provider.stats.lastAssertionHeader == expected, "\(tls.provider.stats.lastAssertionHeader ?? "none")")
        }
        #expect(!daemon.log.text.contains(Self.secret), "the client secret is in the log")
    }

    /// The certificate client through a CONNECT proxy that wants credentials: the daemon reads
    /// `HTTPS_PROXY` from its environment; `no_proxy=""` sends loopback through the proxy too.
    @Test func aCertificateClientSignsInThroughAnAuthenticatingProxy() throws {
        let files = try CertificateFiles()
        defer { files.remove() }
        let (options, makeAccount) = Self.setUp(.certificatePS256, files: files)
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let proxy = ConnectProxy(credentials: ("corp\\me", "p@ss word"))
        try proxy.start()
        defer { proxy.stop() }
        let daemon = try DaemonProcess(
            accounts: [("app", makeAccount(tls.provider.baseURL))], caPEM: tls.caPEM,
            environment: ["HTTPS_PROXY": proxy.url(), "no_proxy": ""])
        defer { daemon.stop() }
        try Self.expectSignInAndRefresh(daemon, tls, .certificatePS256)
        let target = "127.0.0.1:\(tls.provider.port)"
        #expect(proxy.targets == [target, target], "\(proxy.targets) \(proxy.refusals)")
        #expect(tls.provider.stats.clientAssertions == 2)
        #expect(!daemon.log.text.contains("p@ss"), "the proxy password is in the log")
    }

    /// A proxy that refuses: the journal line names the proxy, the target and the status, and
    /// says where the credentials go; the browser page shows the same.
    @Test func aProxyRefusalReadsClearly() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let proxy = ConnectProxy(credentials: ("me", "right"))
        try proxy.start()
        defer { proxy.stop() }
        let bare = proxy.url(withCredentials: false)
        let daemon = try DaemonProcess(
            accounts: [("app", tls.account())], caPEM: tls.caPEM, environment: ["https_proxy": bare, "NO_PROXY": ""])
        defer { daemon.stop() }
        let signedIn = try Self.signIn(daemon, tls, account: "app")
        let expected = "proxy \(bare) refused CONNECT to 127.0.0.1:\(tls.provider.port): 407 Proxy Authentication Required"
        try daemon.log.waitForLine(containing: expected, timeout: 5)
        #expect(daemon.log.text.contains("put the proxy's user name and password in https_proxy"))
        #expect(Browser.text(signedIn.page).contains(expected), "\(Browser.summary(signedIn.page))")
        #expect(tls.provider.stats.tokenRequests == 0)
    }

    static func expectSignInAndRefresh(_ daemon: DaemonProcess, _ tls: TLSTestProvider, _ credential: Credential) throws {
        let signedIn = try signIn(daemon, tls, account: "app")
        let ok = signedIn.page.status == 200 && Browser.text(signedIn.page).contains("Signed in to app")
        #expect(ok, "\(Browser.summary(signedIn.page))\nprovider: \(tls.provider.stats.lastRefusal ?? "-")\nlog:\n\(daemon.log.text)")
        let token = try TokenSocket.readLine(daemon.socketPath("app"))
        #expect(tls.provider.isValid(accessToken: token), "\(token)")
        let refresh = try daemon.client(["refresh", "app"])
        #expect(refresh.status == 0, "\(refresh.stdout)\(refresh.stderr)\nprovider: \(tls.provider.stats.lastRefusal ?? "-")")
        let refreshed = try TokenSocket.readLine(daemon.socketPath("app"))
        #expect(refreshed != token && tls.provider.isValid(accessToken: refreshed), "\(refreshed)")
        #expect(tls.provider.stats.failedGrantTotal == 0, "\(credential): \(tls.provider.stats.lastRefusal ?? "")")
    }
}
