import RCCrypto
import RCJSON
import RCTestProvider

/// The strict test provider over real TLS, with a CA generated for this test: the daemon
/// trusts it only through the account's `ca_file`.
struct TLSTestProvider {
    let provider: TestProvider
    let caPEM: String

    init(_ options: TestProviderOptions = TestProviderOptions()) throws {
        let authority = try TestCertificateAuthority.generate()
        let leaf = try authority.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
        provider = TestProvider(options: options)
        try provider.start(port: 0, tls: try TLSServerContext(certificatePEM: leaf.certificatePEM, privateKeyPEM: leaf.privateKeyPEM))
        caPEM = authority.certificatePEM
    }

    func stop() { provider.stop() }

    /// A generic account at this provider for `demo-client`; `ca_file` is added by
    /// `DaemonProcess`.
    func account(scopes: [String] = ["openid", "offline_access"], extra: [(String, JSONValue)] = []) -> JSONObject {
        var account = JSONObject([
            ("authorize_url", .string(provider.authorizeURL)),
            ("token_url", .string(provider.tokenURL)),
            ("client_id", .string("demo-client")),
            ("scopes", .array(scopes.map(JSONValue.string))),
        ])
        for (key, value) in extra { account[key] = value }
        return account
    }
}
