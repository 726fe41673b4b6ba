import Foundation
import RCJSON
import RCTestProvider
import Testing

/// `grant: client_credentials` against the strict provider: the application gets its tokens
/// at start with no person, again before each expiry, rides out an outage longer than a token
/// lives, and halts with a plain message (and one notification) on a wrong secret; `signin`
/// and `/signin` say why there is nothing to sign in to.
extension DaemonEndToEndTests {
    static let applicationSecret = "app-s3cret&+=/"
    static let dynamicsScope = "https://contoso.operations.dynamics.com/.default"

    /// An Entra-v2-shaped provider whose tokens live `lifetime` s, with a confidential client.
    static func applicationProvider(lifetime: Int = 3600) throws -> TLSTestProvider {
        var options = TestProviderOptions.entraV2(tenant: Preset.tenantGUID)
        options.accessTokenLifetime = lifetime
        options.clients = [TestClient(id: "svc-app", secret: applicationSecret, allowedAuthentication: [.post])]
        return try TLSTestProvider(options)
    }

    static func applicationAccount(_ tls: TLSTestProvider, secret: String = applicationSecret) -> JSONObject {
        JSONObject([
            ("provider", .string("entra")), ("authority", .string(tls.provider.baseURL)), ("tenant", .string(Preset.tenantGUID)),
            ("client_id", .string("svc-app")), ("client_secret", .string(secret)), ("grant", .string("client_credentials")),
            ("scopes", .array([.string(dynamicsScope)])),
            ("tokens", .object(JSONObject([("graph", .object(JSONObject([("scopes", .array([.string("https://graph.microsoft.com/.default")]))])))]))),
        ])
    }

    /// At start, with no person: the account's token and its extra token, each from a grant of
    /// its own, valid at the provider for their own API; then, with 4 s tokens, the provider is
    /// down for 8 s: clients get `error:` lines once the token expires, never an expired token,
    /// the grants back off, nobody is asked to sign in, and a new token comes when it is back.
    @Test func clientCredentialsAtStartAndAcrossAnOutage() throws {
        let tls = try Self.applicationProvider(lifetime: 4)
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("svc", Self.applicationAccount(tls))], caPEM: tls.caPEM)
        defer { daemon.stop() }

        try daemon.log.waitForLine(containing: "account svc got a token with its client credentials", timeout: 10)
        try daemon.log.waitForLine(containing: "account svc.graph got a token with its client credentials", timeout: 10)
        let first = try TokenSocket.readLine(daemon.socketPath("svc"))
        #expect(tls.provider.audience(ofAccessToken: first) == AccessTokenAudience(scope: Self.dynamicsScope, resource: nil), "\(first)")
        let graph = try TokenSocket.readLine(daemon.socketPath("svc.graph"))
        #expect(tls.provider.audience(ofAccessToken: graph)?.scope == "https://graph.microsoft.com/.default", "\(graph)")
        // The provider's introspection sees the application itself, not a person.
        let introspection = try TestHTTPClient.send(url: tls.provider.validateURL, headers: [("Authorization", "Bearer " + first)], caPEM: tls.caPEM)
        let claims = try JSONParser.parse(introspection.body).objectValue
        #expect(introspection.status == 200 && claims?.string("idtyp") == "app" && claims?.string("sub") == "svc-app", "\(String(decoding: introspection.body, as: UTF8.self))")

        let status = try Self.accountStatus(daemon, "svc")
        #expect(status?.string("grant") == "client_credentials" && status?.string("state") == "signed_in", "\(String(describing: status))")
        #expect(status?["signin_url"] == nil, "\(String(describing: status))")
        let human = try daemon.client(["status"])
        #expect(human.stdout.contains("svc: signed in (client credentials)"), "\(human.stdout)")

        tls.provider.injectFaults([.down])
        let outageEnds = Date().addingTimeInterval(8)
        var cleared = false
        var served = Served()
        var seen = daemon.log.lines.filter { $0.contains("account svc got a token") }.count
        let end = Date().addingTimeInterval(30)
        while Date() < end {
            if !cleared && Date() >= outageEnds {
                tls.provider.clearFaults()
                cleared = true
                seen = daemon.log.lines.filter { $0.contains("account svc got a token") }.count
            }
            if cleared && daemon.log.lines.filter({ $0.contains("account svc got a token") }).count > seen { break }
            let reply = try TokenSocket.readLine(daemon.socketPath("svc"))
            if reply.hasPrefix("error:") {
                served.errors.append(reply)
            } else if !tls.provider.isValid(accessToken: reply) {
                served.invalid.append("an invalid token after \(served.tokens.count) valid one(s)")
            } else if served.tokens.last != reply {
                served.tokens.append(reply)
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(cleared, "the outage never ended")
        #expect(served.invalid.isEmpty, "the socket served: \(served.invalid)")
        #expect(served.errors.count >= 5, "only \(served.errors.count) error line(s) while the token was expired")
        #expect(served.errors.allSatisfy { $0.hasPrefix("error: account svc has no valid token") }, "\(served.errors)")
        let lines = daemon.log.lines
        #expect(lines.contains { $0.contains("account svc: client credentials grant failed (attempt 1)") && $0.contains("retrying in 2 s") }, "\(daemon.log.text)")
        #expect(!lines.contains { $0.contains("keeping the refresh token") }, "\(daemon.log.text)")
        let new = try TokenSocket.readLine(daemon.socketPath("svc"))
        #expect(new != first && tls.provider.isValid(accessToken: new), "\(new)")
        #expect(!daemon.log.text.contains("needs sign-in"), "a person was asked for:\n\(daemon.log.text)")
        let stats = tls.provider.stats
        #expect(stats.authorizeRequests == 0 && stats.codeGrants == 0 && stats.refreshGrants == 0)
        #expect(stats.clientCredentialsGrants >= 4, "\(stats)")
        #expect(stats.failedGrantTotal == 0, "\(stats.failedGrants)")
        #expect(stats.grants.allSatisfy { $0.grantType == "client_credentials" }, "\(stats.grants)")
        #expect(!daemon.log.text.contains(Self.applicationSecret), "the client secret is in the log")
    }

    /// There is nothing to sign in to: `signin svc` and `/signin/svc` say why.
    @Test func anApplicationHasNoSignIn() throws {
        let tls = try Self.applicationProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("svc", Self.applicationAccount(tls))], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let signin = try daemon.client(["signin", "svc"])
        #expect(signin.status != 0, "\(signin.stdout)")
        #expect(signin.stderr.contains("signs in as the application itself, with its client credentials"), "\(signin.stderr)")
        // Nor a pasted one: no provider URL is printed and nothing waits for a paste.
        let pasted = try daemon.client(["signin", "svc", "--paste"], input: "code=x&state=y\n")
        #expect(pasted.status != 0 && pasted.stdout.isEmpty, "\(pasted.stdout)")
        #expect(pasted.stderr.contains("signs in as the application itself"), "\(pasted.stderr)")
        let page = try TestHTTPClient.send(url: "http://localhost:\(daemon.port)/signin/svc")
        #expect(page.status == 409, "\(page.status)")
        #expect(String(decoding: page.body, as: UTF8.self).contains("signs in as the application itself"))
        // The index lists it without a sign-in link.
        try daemon.log.waitForLine(containing: "account svc got a token with its client credentials", timeout: 10)
        let index = String(decoding: try TestHTTPClient.send(url: "http://localhost:\(daemon.port)/").body, as: UTF8.self)
        #expect(index.contains("<b>svc</b>: the application itself (client credentials), has a token"), "\(index)")
        #expect(!index.contains("/signin/svc"), "\(index)")
        #expect(tls.provider.stats.authorizeRequests == 0)
    }

    /// A wrong secret (AADSTS7000215): the journal says so in plain words with the fix, status
    /// says misconfigured, clients get the same sentence, `notify_command` runs once (a config
    /// error, which only a person can fix), and no grant is retried until `refresh`.
    @Test func aWrongSecretHaltsWithAClearMessage() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rc-cc-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let script = scratch + "/notify.sh"
        let record = scratch + "/notices.txt"
        try "#!/bin/sh\n{ env | grep '^REDIRECT_CATCHER_' | sort; echo --; } >> \"$1\"\n".write(toFile: script, atomically: true, encoding: .utf8)
        let tls = try Self.applicationProvider()
        defer { tls.stop() }
        var account = Self.applicationAccount(tls, secret: "the-wrong-secret")
        account["tokens"] = nil
        let daemon = try DaemonProcess(
            accounts: [("svc", account)], caPEM: tls.caPEM, settings: [("notify_command", .array(["/bin/sh", script, record].map(JSONValue.string)))])
        defer { daemon.stop() }

        let line = try daemon.log.waitForLine(containing: "account svc: the provider refused the client credentials grant", timeout: 10)
        #expect(line.contains("invalid_client") && line.contains("7000215"), "\(line)")
        #expect(line.contains("copy the secret's Value"), "\(line)")
        #expect(line.contains("not retrying until the configuration or the app registration is fixed"), "\(line)")
        let notices = try Self.waitForNotices(record, count: 1)
        #expect(notices[0].contains("REDIRECT_CATCHER_EVENT=refresh_failed"), "\(notices)")
        #expect(notices[0].contains("REDIRECT_CATCHER_SIGNIN_URL="), "\(notices)")
        let reply = try TokenSocket.readLine(daemon.socketPath("svc"))
        #expect(reply.hasPrefix("error: account svc cannot get a token with its client credentials: invalid_client"), "\(reply)")
        #expect(reply.contains("`redirect-catcher refresh svc`"), "\(reply)")
        let status = try Self.accountStatus(daemon, "svc")
        #expect(status?.string("state") == "misconfigured", "\(String(describing: status))")
        #expect(status?.string("last_error")?.contains("7000215") == true, "\(String(describing: status))")
        Thread.sleep(forTimeInterval: 3)
        #expect(tls.provider.stats.tokenRequests == 1, "the refused grant was retried: \(tls.provider.stats.tokenRequests)")
        #expect(tls.provider.stats.failedGrants["invalid_client"] == 1, "\(tls.provider.stats.failedGrants)")
        // `refresh` tries once more, and says what happened.
        let refresh = try daemon.client(["refresh", "svc"])
        #expect(refresh.status != 0 && refresh.stderr.contains("invalid_client"), "\(refresh.stdout) \(refresh.stderr)")
        #expect(tls.provider.stats.tokenRequests == 2)
        #expect(!daemon.log.text.contains("needs sign-in"), "\(daemon.log.text)")
        #expect(!daemon.log.text.contains("the-wrong-secret"), "the client secret is in the log")
    }

    /// A certificate on AD FS: the server application's assertion (RS256, `x5t`) and `resource`.
    @Test func aCertificateClientGetsItsTokenFromADFS() throws {
        let files = try CertificateFiles()
        defer { files.remove() }
        var options = TestProviderOptions.adfs()
        options.clients = [TestClient(id: "svc-cert", allowedAuthentication: [.privateKeyJWT], certificatePEM: files.certificatePEM)]
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let account = JSONObject([
            ("provider", .string("adfs")), ("authority", .string(tls.provider.baseURL + "/adfs")), ("client_id", .string("svc-cert")),
            ("client_certificate_file", .string(files.certificatePath)), ("client_key_file", .string(files.keyPath)),
            ("grant", .string("client_credentials")), ("resource", .string("urn:demo:api")),
        ])
        let daemon = try DaemonProcess(accounts: [("svc", account)], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try daemon.log.waitForLine(containing: "account svc got a token with its client credentials", timeout: 10)
        let token = try TokenSocket.readLine(daemon.socketPath("svc"))
        #expect(tls.provider.audience(ofAccessToken: token)?.resource == "urn:demo:api", "\(token)")
        #expect(tls.provider.stats.clientAssertions == 1 && tls.provider.stats.lastAssertionHeader == "RS256 x5t")
        #expect(tls.provider.stats.grants.map(\.grantType) == ["client_credentials"])
    }

    /// check-config names the flow; `offline_access` with client credentials is refused by
    /// check-config and run alike, with what to change.
    @Test func checkConfigNamesTheFlowAndRefusesOfflineAccess() throws {
        var account = JSONObject([
            ("provider", .string("entra")), ("tenant", .string(Preset.tenantGUID)), ("client_id", .string("3f9d1c2e-8b4a-4e6f-9a0b-1c2d3e4f5a6b")),
            ("client_secret", .string(Self.applicationSecret)), ("grant", .string("client_credentials")),
            ("scopes", .array([.string("https://fabrikam.operations.dynamics.com/.default")])),
        ])
        let check = try DaemonStartAttempt.run("check-config", account: account)
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(
            check.stdout.contains("  flow: client credentials with a client secret (the application itself: no person, no sign-in, no refresh token)"),
            "\(check.stdout)")
        #expect(!check.stdout.contains("redirect_uri"), "\(check.stdout)")
        account["scopes"] = .array([.string("https://fabrikam.operations.dynamics.com/.default"), .string("offline_access")])
        for command in ["check-config", "run"] {
            let run = try DaemonStartAttempt.run(command, account: account)
            #expect(run.status != 0, "\(command): \(run.stdout)\(run.stderr)")
            #expect(
                (run.stdout + run.stderr).contains(
                    "accounts.sso.scopes: offline_access asks for a refresh token, and client_credentials never gets one: remove it"),
                "\(command): \(run.stdout)\(run.stderr)")
        }
    }

    /// A halt lasts until the configuration is fixed: a reload with the right secret gets the
    /// token at once, with no person, and a reload that adds an application account starts it.
    @Test func aReloadWithTheRightSecretEndsTheHalt() throws {
        let tls = try Self.applicationProvider()
        defer { tls.stop() }
        var wrong = Self.applicationAccount(tls, secret: "the-wrong-secret")
        wrong["tokens"] = nil
        let daemon = try DaemonProcess(accounts: [("svc", wrong)], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try daemon.log.waitForLine(containing: "account svc: the provider refused the client credentials grant", timeout: 10)

        var right = Self.applicationAccount(tls)
        right["tokens"] = nil
        try daemon.rewriteConfig(accounts: [("svc", right), ("svc2", right)])
        let lines = daemon.log.lines.count
        daemon.reload()
        try daemon.log.waitForLine(containing: "configuration reloaded: 0 kept, 1 added, 1 changed, 0 removed", after: lines)
        try daemon.log.waitForLine(containing: "account svc got a token with its client credentials", after: lines)
        try daemon.log.waitForLine(containing: "account svc2 got a token with its client credentials", after: lines)
        for name in ["svc", "svc2"] {
            let token = try TokenSocket.readLine(daemon.socketPath(name))
            #expect(tls.provider.isValid(accessToken: token), "\(name): \(token)")
        }
        #expect(!daemon.log.text.contains("needs sign-in"), "\(daemon.log.text)")
        #expect(tls.provider.stats.clientCredentialsGrants == 2)
    }
}
