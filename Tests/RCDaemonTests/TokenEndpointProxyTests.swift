import RCCrypto
import RCHTTP
import RCOAuth
import RCTestProvider
import Testing

@testable import RCDaemon

/// The real HTTPS token endpoint client through a real CONNECT proxy on loopback, to the test
/// provider over TLS. `no_proxy` is set empty so that loopback goes through the proxy.
@Suite struct TokenEndpointProxyTests {
    let provider = TestProvider()
    let directory = makeTemporaryDirectory()
    let caFile: String
    let wrongCAFile: String

    init() throws {
        let authority = try TestCertificateAuthority.generate()
        let leaf = try authority.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
        try provider.start(port: 0, tls: try TLSServerContext(certificatePEM: leaf.certificatePEM, privateKeyPEM: leaf.privateKeyPEM))
        caFile = directory + "/ca.pem"
        wrongCAFile = directory + "/other-ca.pem"
        writeFile(caFile, authority.certificatePEM)
        writeFile(wrongCAFile, try TestCertificateAuthority.generate().certificatePEM)
    }

    func account(caFile: String? = nil) -> AccountSettings {
        AccountSettings(
            name: "a", provider: .generic, authorizeURL: provider.authorizeURL, tokenURL: provider.tokenURL, clientID: "demo-client",
            redirectURI: "http://localhost:8400/callback", caFile: caFile ?? self.caFile)
    }

    var target: String { "127.0.0.1:\(provider.port)" }

    func send(proxyURL: String, caFile: String? = nil) -> Result<HTTPResponseMessage, TransportFailure> {
        let endpoint = HTTPSTokenEndpoint(timeoutSeconds: 5, environment: ["HTTPS_PROXY": proxyURL, "no_proxy": ""])
        let account = account(caFile: caFile)
        return endpoint.send(TokenRequest.refresh(account: account, refreshToken: "not-a-token"), for: account)
    }

    func cleanUp(_ proxy: ConnectProxy? = nil) {
        proxy?.stop()
        provider.stop()
        removeTree(directory)
    }

    /// The provider's own refusal of the bogus refresh token proves the request went through
    /// the tunnel and TLS with the provider was verified end to end.
    @Test func theRequestTunnelsThroughTheProxy() throws {
        let proxy = ConnectProxy(credentials: ("CORP\\me", "p@ss:word"))
        try proxy.start()
        defer { cleanUp(proxy) }
        let response = try send(proxyURL: proxy.url()).get()
        #expect(response.status == 400)
        #expect(String(decoding: response.body, as: UTF8.self).contains("invalid_grant"))
        #expect(proxy.targets == [target])
        #expect(provider.stats.tokenRequests == 1)
    }

    @Test func aProxyThatWantsCredentialsSaysWhereToPutThem() throws {
        let proxy = ConnectProxy(credentials: ("me", "right"))
        try proxy.start()
        defer { cleanUp(proxy) }
        let bare = proxy.url(withCredentials: false)
        #expect(
            failure(send(proxyURL: bare))
                == "proxy \(bare) refused CONNECT to \(target): 407 Proxy Authentication Required (put the proxy's user name and password in HTTPS_PROXY: http://user:password@host:port)")
        let wrong = bare.replacing("http://", with: "http://me:wrong@")
        #expect(
            failure(send(proxyURL: wrong))
                == "proxy \(bare) refused CONNECT to \(target): 407 Proxy Authentication Required (the proxy did not accept the user name and password in HTTPS_PROXY)")
        #expect(proxy.targets.isEmpty)
        #expect(provider.stats.tokenRequests == 0)
    }

    @Test func aProxyThatIsNotThereIsNamed() throws {
        let proxy = ConnectProxy()
        let port = try proxy.start()
        proxy.stop()
        defer { cleanUp() }
        let text = failure(send(proxyURL: "http://127.0.0.1:\(port)")) ?? ""
        #expect(text.hasPrefix("cannot connect to proxy http://127.0.0.1:\(port) (from HTTPS_PROXY): "), "\(text)")
    }

    /// Through the tunnel the provider's certificate is still checked, against the account's CA.
    @Test func tlsThroughTheTunnelIsVerified() throws {
        let proxy = ConnectProxy()
        try proxy.start()
        defer { cleanUp(proxy) }
        let text = failure(send(proxyURL: proxy.url(), caFile: wrongCAFile)) ?? ""
        #expect(text.hasPrefix("TLS with 127.0.0.1:\(provider.port) failed: "), "\(text)")
        #expect(text.contains("check that ca_file \(wrongCAFile) holds the CA that issued the provider's certificate"), "\(text)")
        #expect(provider.stats.tokenRequests == 0)
    }

    /// Without no_proxy, loopback bypasses the proxy, which therefore never sees the request.
    @Test func loopbackBypassesTheProxyByDefault() throws {
        let proxy = ConnectProxy()
        try proxy.start()
        defer { cleanUp(proxy) }
        let endpoint = HTTPSTokenEndpoint(timeoutSeconds: 5, environment: ["https_proxy": proxy.url()])
        let response = try endpoint.send(TokenRequest.refresh(account: account(), refreshToken: "x"), for: account()).get()
        #expect(response.status == 400)
        #expect(proxy.targets.isEmpty)
    }

    func failure(_ result: Result<HTTPResponseMessage, TransportFailure>) -> String? {
        if case .failure(let failure) = result { return failure.description }
        return nil
    }
}
