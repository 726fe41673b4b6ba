import Foundation
import RCCrypto
import RCOAuth
import Testing

@testable import RCDaemon

/// `client_certificate_file`, `client_key_file` and `client_assertion_alg`: loaded once at
/// start-up, from absolute paths or `$CREDENTIALS_DIRECTORY`, and every mistake a config error.
@Suite struct ConfigLoaderCertificateTests {
    let directory: String
    let loader = ConfigLoaderTests()
    /// Real-looking hosts, so that the only warnings are the ones these tests are about.
    static let generic = #""authorize_url": "https://sso.fabrikam.test/authorize", "token_url": "https://sso.fabrikam.test/token", "client_id": "cli""#

    /// RSA key generation is the slow part: once for the whole suite.
    static let material = Result { () throws -> [(String, String)] in
        let authority = try TestCertificateAuthority.generate()
        return [
            try authority.issueClientCertificate(commonName: "client"), try authority.issueClientCertificate(commonName: "other"),
            try authority.issueClientCertificate(commonName: "old", validDays: 0),
            try authority.issueServerCertificate(dnsNames: ["localhost"], ipAddresses: []),
        ].map { ($0.certificatePEM, $0.privateKeyPEM) }
    }

    init() throws {
        directory = makeTemporaryDirectory()
        let material = try Self.material.get()
        let (client, other, expired, ec) = (
            (certificatePEM: material[0].0, privateKeyPEM: material[0].1), (certificatePEM: material[1].0, privateKeyPEM: material[1].1),
            (certificatePEM: material[2].0, privateKeyPEM: material[2].1), (certificatePEM: material[3].0, privateKeyPEM: material[3].1)
        )
        writeFile(directory + "/client.crt", client.certificatePEM)
        writeFile(directory + "/client.key", client.privateKeyPEM)
        writeFile(directory + "/other.key", other.privateKeyPEM)
        writeFile(directory + "/old.crt", expired.certificatePEM)
        writeFile(directory + "/old.key", expired.privateKeyPEM)
        writeFile(directory + "/ec.crt", ec.certificatePEM)
        writeFile(directory + "/ec.key", ec.privateKeyPEM)
    }

    func account(_ extra: String) -> String { loader.oneAccount(Self.generic + ", " + extra) }

    func files(_ certificate: String = "client.crt", _ key: String = "client.key", absolute: Bool = true) -> String {
        let prefix = absolute ? directory + "/" : ""
        return #""client_certificate_file": "\#(prefix)\#(certificate)", "client_key_file": "\#(prefix)\#(key)""#
    }

    @Test func aCertificateMakesAPrivateKeyJWTClient() throws {
        defer { removeTree(directory) }
        let config = try loader.parse(account(files()))
        let settings = config.accounts[0]
        #expect(settings.clientAuth == .privateKeyJWT)
        #expect(settings.clientSecret == nil)
        #expect(settings.clientCertificate?.algorithm == .ps256)
        #expect(config.warnings.isEmpty)

        let rs256 = try loader.parse(account(files() + #", "client_assertion_alg": "RS256", "client_auth": "private_key_jwt""#))
        #expect(rs256.accounts[0].clientCertificate?.algorithm == .rs256)

        // Relative names come from $CREDENTIALS_DIRECTORY (systemd LoadCredential=).
        let relative = try loader.parse(account(files(absolute: false)), credentials: directory)
        #expect(relative.accounts[0].clientCertificate == settings.clientCertificate)

        let summary = ConfigSummary.describe(config, socketDirectory: "/run/x")
        #expect(summary.contains("client assertion signed with a certificate key (private_key_jwt)"))
        #expect(summary.contains("x5t#S256 \(settings.clientCertificate?.thumbprint ?? "?"), PS256"))
        let key = try String(contentsOfFile: directory + "/client.key", encoding: .utf8)
        for line in key.split(separator: "\n") where !line.hasPrefix("-----") {
            #expect(!summary.contains(line) && !"\(config)".contains(line))
        }
    }

    @Test func aKeyOthersCanReadWarnsButACertificateMayBePublic() throws {
        defer { removeTree(directory) }
        chmod(directory + "/client.crt", 0o644)
        chmod(directory + "/client.key", 0o644)
        let key = directory + "/client.key"
        #expect(
            try loader.parse(account(files())).warnings.map(\.description) == [
                "accounts.a.client_key_file: \(key) holds the private key and is readable by group and others (mode 0644): run chmod 600 \(key)"
            ])
        chmod(key, 0o600)
        #expect(try loader.parse(account(files())).warnings.isEmpty)
    }

    @Test func anExpiredCertificateLoadsWithAWarning() throws {
        defer { removeTree(directory) }
        let config = try loader.parse(account(files("old.crt", "old.key")))
        #expect(config.warnings.map(\.path) == ["accounts.a.client_certificate_file"])
        #expect(config.warnings.first?.message.contains("the certificate expired") == true)
    }

    @Test func mistakesAreConfigErrorsNamingTheKey() {
        defer { removeTree(directory) }
        let d = directory
        let cases: [(String, String, String)] = [
            (#""client_certificate_file": "\#(d)/client.crt""#, "accounts.a.client_key_file",
             "required with client_certificate_file: the certificate's RSA private key (PEM)"),
            (#""client_key_file": "\#(d)/client.key""#, "accounts.a.client_certificate_file",
             "required with client_key_file: the certificate (PEM) registered with the provider"),
            (#""client_assertion_alg": "RS256""#, "accounts.a.client_assertion_alg", "only with client_certificate_file and client_key_file"),
            (files() + #", "client_assertion_alg": "ES256""#, "accounts.a.client_assertion_alg", "must be \"PS256\" or \"RS256\""),
            (files() + #", "client_secret": "s""#, "accounts.a.client_certificate_file",
             "a client authenticates one way: set client_secret(_file) or client_certificate_file, not both"),
            (files() + #", "client_auth": "basic""#, "accounts.a.client_auth", "basic sends a secret: it needs client_secret or client_secret_file"),
            (#""client_secret": "s", "client_auth": "private_key_jwt""#, "accounts.a.client_auth",
             "private_key_jwt needs client_certificate_file and client_key_file"),
            (files(absolute: false), "accounts.a.client_certificate_file",
             "\"client.crt\" is relative and $CREDENTIALS_DIRECTORY is not set (systemd LoadCredential=): use an absolute path"),
            (files("missing.crt"), "accounts.a.client_certificate_file", "\(d)/missing.crt: cannot open: No such file or directory"),
            (files("client.crt", "other.key"), "accounts.a.client_key_file",
             "\(d)/other.key is not the private key of the certificate in \(d)/client.crt"),
            (files("ec.crt", "ec.key"), "accounts.a.client_key_file",
             "\(d)/ec.key: not an RSA key; client assertions need RSA (PS256 or RS256)"),
            (files("client.key", "client.key"), "accounts.a.client_certificate_file", "\(d)/client.key: no valid PEM certificate"),
        ]
        for (extra, path, message) in cases {
            do {
                _ = try loader.parse(account(extra))
                Issue.record("accepted: \(extra)")
            } catch let error as ConfigError {
                #expect(error.path == path, "\(extra)")
                #expect(error.message.hasPrefix(message), "\(error.message)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    /// AD FS gets RS256 and `x5t` as MSAL sends them; Entra and generic keep PS256 and
    /// `x5t#S256`; `client_assertion_alg` overrides the algorithm only.
    @Test func theAlgorithmAndHeaderFollowTheProvider() throws {
        defer { removeTree(directory) }
        let adfs = #""provider": "adfs", "authority": "https://adfs.fabrikam.test/adfs", "client_id": "cli", "resource": "urn:api", "#
        let byDefault = try loader.parse(loader.oneAccount(adfs + files())).accounts[0].clientCertificate
        #expect(byDefault?.algorithm == .rs256 && byDefault?.header == .x5t)
        let named = try loader.parse(loader.oneAccount(adfs + files() + #", "client_assertion_alg": "PS256""#)).accounts[0].clientCertificate
        #expect(named?.algorithm == .ps256 && named?.header == .x5t)
        let generic = try loader.parse(account(files())).accounts[0].clientCertificate
        #expect(generic?.algorithm == .ps256 && generic?.header == .x5tS256)
    }
}
