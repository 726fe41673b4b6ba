import Foundation
import RCJSON
import RCTestProvider
import Testing

/// Microsoft's per-API refusals of a refresh grant (MFA, Conditional Access, consent for one
/// API), played by the strict test provider: the refused token needs its own sign-in, the
/// account's other tokens go on, and the refresh token is dropped only when the account's own
/// grant is refused too.
extension DaemonEndToEndTests {
    /// The status entry of `label` among `account`'s extra tokens.
    static func tokenStatus(_ daemon: DaemonProcess, account: String, label: String) throws -> JSONObject? {
        let status = try daemon.client(["status", "--json"])
        let root = try JSONParser.parse(Array(status.stdout.utf8)).objectValue
        let entry = root?["accounts"]?.arrayValue?.compactMap(\.objectValue).first { $0.string("name") == account }
        return entry?["tokens"]?.arrayValue?.compactMap(\.objectValue).first { $0.string("name") == label }
    }

    @Test func anAPIThatWantsMFARefusesOneTokenWhichThenNeedsItsOwnSignIn() throws {
        let tls = try TLSTestProvider(Preset.entra.options)
        defer { tls.stop() }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("rc-refusal-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let script = scratch + "/notify.sh"
        let record = scratch + "/notices.txt"
        try "#!/bin/sh\n{ env | grep '^REDIRECT_CATCHER_' | sort; echo --; } >> \"$1\"\n".write(toFile: script, atomically: true, encoding: .utf8)

        let dynamics = "https://contoso.crm.dynamics.com/.default"
        let mail = "https://graph.microsoft.com/Mail.Read"
        var account = Preset.entra.account(authority: tls.provider.baseURL)
        account["scopes"] = .array([.string("api://demo/read"), .string("offline_access")])
        account["tokens"] = .object(
            JSONObject([
                ("mail", .object(JSONObject([("scopes", .array([.string(mail)]))]))),
                ("dyn", .object(JSONObject([("scopes", .array([.string(dynamics)]))]))),
            ]))
        tls.provider.refuse(.mfaRequired(dynamics))
        let daemon = try DaemonProcess(
            accounts: [("work", account)], caPEM: tls.caPEM,
            settings: [("notify_command", .array(["/bin/sh", script, record].map(JSONValue.string)))])
        defer { daemon.stop() }
        let tokenURL = daemon.signInURL("work.dyn")

        try Self.signIn(daemon, tls, account: "work")
        // The sign-in consented to mail's named scope too, never to dyn's `.default`; the code
        // was redeemed for the account's own scopes alone.
        #expect(tls.provider.stats.authorizeAudiences.map(\.scope) == ["api://demo/read offline_access \(mail)"])
        try daemon.log.waitForLine(containing: "token work.dyn needs sign-in: open \(tokenURL)", timeout: 10)

        let stats = tls.provider.stats
        #expect(
            stats.grants == [
                RecordedGrant(grantType: "authorization_code", scope: "api://demo/read offline_access"),
                RecordedGrant(grantType: "refresh_token", scope: "\(mail) offline_access"),
                RecordedGrant(grantType: "refresh_token", scope: "\(dynamics) offline_access"),
                // Exactly one check of the refresh token, with the account's own scopes.
                RecordedGrant(grantType: "refresh_token", scope: "api://demo/read offline_access"),
            ], "\(stats.grants)\nlog:\n\(daemon.log.text)")
        #expect(stats.failedGrants == ["invalid_grant": 1])

        #expect(try TokenSocket.readLine(daemon.socketPath("work.dyn")) == "error: token work.dyn needs sign-in: open \(tokenURL)")
        #expect(try daemon.client(["signin", "work.dyn"]).stdout.hasSuffix("\n\(tokenURL)\n"))
        for name in ["work", "work.mail"] {
            let token = try TokenSocket.readLine(daemon.socketPath(name))
            #expect(tls.provider.isValid(accessToken: token), "\(name): \(token)")
        }
        let dynStatus = try Self.tokenStatus(daemon, account: "work", label: "work.dyn")
        #expect(dynStatus?.string("state") == "needs_signin" && dynStatus?.string("signin_url") == tokenURL, "\(String(describing: dynStatus))")
        #expect(dynStatus?.string("last_error")?.contains("50076") == true)
        // The refresh token was kept: the account's own token and mail still refresh.
        for name in ["work", "work.mail"] {
            let refresh = try daemon.client(["refresh", name])
            #expect(refresh.stdout == "ok: \(name) refreshed\n", "\(refresh.stdout)\(refresh.stderr)")
        }
        let notices = try Self.waitForNotices(record, count: 2)
        let notice = notices.first { $0.contains("REDIRECT_CATCHER_ACCOUNT=work.dyn") } ?? []
        #expect(notice.contains("REDIRECT_CATCHER_EVENT=signin_needed"), "\(notices)")
        #expect(notice.contains("REDIRECT_CATCHER_SIGNIN_URL=\(tokenURL)"), "\(notices)")

        // Its own sign-in asks for dyn's scope; the person meets the MFA there.
        let page = try Self.signIn(daemon, tls, account: "work.dyn").page
        #expect(Browser.text(page).contains("Signed in to work.dyn"), "\(Browser.summary(page))\nlog:\n\(daemon.log.text)")
        #expect(tls.provider.stats.authorizeAudiences.last?.scope == "\(dynamics) offline_access")
        let dyn = try TokenSocket.readLine(daemon.socketPath("work.dyn"))
        #expect(tls.provider.audience(ofAccessToken: dyn) == AccessTokenAudience(scope: "\(dynamics) offline_access"), "\(dyn)")
        // Its refresh token is now the account's, and serves every token.
        for name in ["work", "work.mail", "work.dyn"] {
            let refresh = try daemon.client(["refresh", name])
            #expect(refresh.stdout == "ok: \(name) refreshed\n", "\(refresh.stdout)\(refresh.stderr)\nlog:\n\(daemon.log.text)")
        }
        #expect(tls.provider.stats.failedGrants == ["invalid_grant": 1])
    }

    /// When the check is refused too, the refresh token is dead: the account needs its sign-in.
    @Test func aRefusalThatTheCheckConfirmsNeedsTheAccountsSignIn() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let tokens = JSONObject([("a", .object(JSONObject([("scopes", .array([.string("api://a/read")]))])))])
        let daemon = try DaemonProcess(accounts: [("work", tls.account(extra: [("tokens", .object(tokens))]))], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try Self.signIn(daemon, tls, account: "work")
        _ = try TokenSocket.readLine(daemon.socketPath("work.a"))
        let before = tls.provider.stats.grants.count
        tls.provider.revokeAllRefreshTokens()
        let refresh = try daemon.client(["refresh", "work.a"])
        #expect(refresh.stderr.contains("refresh of work.a failed: invalid_grant: AADSTS50173"), "\(refresh.stderr)")
        #expect(refresh.stderr.contains("account work needs sign-in: open \(daemon.signInURL("work"))"), "\(refresh.stderr)")
        let after = Array(tls.provider.stats.grants.dropFirst(before))
        #expect(after.map(\.scope) == ["api://a/read offline_access", "openid offline_access"], "\(after)")
        try daemon.log.waitForLine(containing: "account work needs sign-in: open", timeout: 2)
    }

    /// Entra v1 (and AD FS) name an unknown resource `invalid_resource`: a configuration error
    /// of that token, named as such, not retried, and no reason to drop the refresh token.
    @Test func anUnknownResourceHaltsThatTokenAndNamesItsKey() throws {
        let tls = try TLSTestProvider(Preset.entraV1.options)
        defer { tls.stop() }
        var account = Preset.entraV1.account(authority: tls.provider.baseURL)
        account["tokens"] = .object(
            JSONObject([
                ("graph", .object(JSONObject([("resource", .string("https://graph.microsoft.com"))]))),
                ("nope", .object(JSONObject([("resource", .string("urn:nope"))]))),
            ]))
        tls.provider.refuse(.unknownResource("urn:nope"))
        let daemon = try DaemonProcess(accounts: [("work", account)], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try Self.signIn(daemon, tls, account: "work")
        try daemon.log.waitForLine(containing: "refresh rejected as misconfigured", timeout: 10)
        let line = try TokenSocket.readLine(daemon.socketPath("work.nope"))
        #expect(line.hasPrefix("error: account work.nope cannot refresh: invalid_resource: AADSTS500011"), "\(line)")
        #expect(line.contains("the provider does not know the resource of token nope under tokens (\"urn:nope\")"), "\(line)")
        for name in ["work", "work.graph"] {
            let token = try TokenSocket.readLine(daemon.socketPath(name))
            #expect(tls.provider.isValid(accessToken: token), "\(name): \(token)")
        }
        // Not retried, and the refresh token still works.
        Thread.sleep(forTimeInterval: 2.5)
        #expect(tls.provider.stats.grants.count == 3, "\(tls.provider.stats.grants)")
        let refresh = try daemon.client(["refresh", "work"])
        #expect(refresh.stdout == "ok: work refreshed\n", "\(refresh.stdout)")
        let status = try Self.tokenStatus(daemon, account: "work", label: "work.nope")
        #expect(status?.string("state") == "misconfigured", "\(String(describing: status))")
    }
}
