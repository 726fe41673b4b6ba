import Foundation
import RCJSON
import RCTestProvider
import Testing

/// One sign-in, three tokens: an account with two extra `tokens` serves each on its own
/// socket, each minted for its own scopes or resource from the one refresh token, refreshed
/// on its own, with the refresh token rotating across them without a single refused grant.
extension DaemonEndToEndTests {
    /// What each preset's extra tokens ask for, and what the provider should record for them.
    static func extraTokens(_ preset: Preset) -> (config: JSONObject, expected: [String: AccessTokenAudience]) {
        switch preset {
        case .entraV1:
            return (
                JSONObject([
                    ("graph", .object(JSONObject([("resource", .string("https://graph.microsoft.com"))]))),
                    ("crm", .object(JSONObject([("resource", .string("https://contoso.crm.dynamics.com"))]))),
                ]),
                [
                    "preset": AccessTokenAudience(resource: "https://contoso.operations.dynamics.com"),
                    "preset.graph": AccessTokenAudience(resource: "https://graph.microsoft.com"),
                    "preset.crm": AccessTokenAudience(resource: "https://contoso.crm.dynamics.com"),
                ]
            )
        default:
            return (
                JSONObject([
                    ("graph", .object(JSONObject([("scopes", .array([.string("https://graph.microsoft.com/.default")]))]))),
                    ("crm", .object(JSONObject([("scopes", .array([.string("https://contoso.crm.dynamics.com/.default")]))]))),
                ]),
                [
                    "preset": AccessTokenAudience(scope: "api://demo/.default offline_access"),
                    "preset.graph": AccessTokenAudience(scope: "https://graph.microsoft.com/.default offline_access"),
                    "preset.crm": AccessTokenAudience(scope: "https://contoso.crm.dynamics.com/.default offline_access"),
                ]
            )
        }
    }

    @Test(arguments: [Preset.entra, .entraV1])
    func oneSignInServesThreeTokensEachForItsOwnAPI(_ preset: Preset) throws {
        let tls = try TLSTestProvider(preset.options)
        defer { tls.stop() }
        let (tokens, expected) = Self.extraTokens(preset)
        var account = preset.account(authority: tls.provider.baseURL)
        account["tokens"] = .object(tokens)
        let daemon = try DaemonProcess(accounts: [("preset", account)], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let sockets = ["preset", "preset.graph", "preset.crm"]

        let before = try TokenSocket.readLine(daemon.socketPath("preset.graph"))
        #expect(before == "error: account preset needs sign-in: open \(daemon.signInURL("preset"))")

        try Self.signIn(daemon, tls, account: "preset")
        var served: [String: String] = [:]
        for name in sockets {
            let token = try TokenSocket.readLine(daemon.socketPath(name))
            #expect(tls.provider.isValid(accessToken: token), "\(name): \(token)\nlog:\n\(daemon.log.text)")
            #expect(tls.provider.audience(ofAccessToken: token) == expected[name], "\(name)")
            served[name] = token
        }
        #expect(Set(served.values).count == 3, "the three sockets did not serve three different tokens")

        // `refresh preset.graph` replaces that token only.
        let refresh = try daemon.client(["refresh", "preset.graph"])
        #expect(refresh.status == 0 && refresh.stdout == "ok: preset.graph refreshed\n", "\(refresh.stdout)\(refresh.stderr)")
        let graph = try TokenSocket.readLine(daemon.socketPath("preset.graph"))
        #expect(graph != served["preset.graph"] && tls.provider.isValid(accessToken: graph))
        #expect(tls.provider.audience(ofAccessToken: graph) == expected["preset.graph"])
        #expect(try TokenSocket.readLine(daemon.socketPath("preset")) == served["preset"])
        #expect(try TokenSocket.readLine(daemon.socketPath("preset.crm")) == served["preset.crm"])
        let viaClient = try daemon.client(["token", "preset.crm"])
        #expect(viaClient.stdout == (served["preset.crm"] ?? "") + "\n", "\(viaClient.stderr)")

        let status = try daemon.client(["status", "--json"])
        let root = try #require(try JSONParser.parse(Array(status.stdout.utf8)).objectValue, "\(status.stdout)")
        let entry = root["accounts"]?.arrayValue?.first?.objectValue
        let listed = entry?["tokens"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(listed.map { $0.string("name") } == ["preset.graph", "preset.crm"], "\(status.stdout)")
        #expect(listed.allSatisfy { $0.string("state") == "signed_in" }, "\(status.stdout)")

        let stats = tls.provider.stats
        #expect(stats.codeGrants == 1)
        #expect(stats.authorizeRequests == 1)
        #expect(stats.refreshGrants == 3)
        #expect(stats.failedGrantTotal == 0, "\(stats.failedGrants) \(stats.lastRefusal ?? "")")
    }

    /// Short-lived tokens: each of the three is refreshed on its own timer, and the rotating
    /// refresh token is never presented twice (the provider would refuse and revoke it).
    @Test func threeShortLivedTokensRefreshIndependentlyFromOneSignIn() throws {
        var options = TestProviderOptions()
        options.accessTokenLifetime = 5
        let tls = try TLSTestProvider(options)
        defer { tls.stop() }
        let tokens = JSONObject([
            ("a", .object(JSONObject([("scopes", .array([.string("api://a/read")]))]))),
            ("b", .object(JSONObject([("resource", .string("urn:b"))]))),
        ])
        let daemon = try DaemonProcess(accounts: [("work", tls.account(extra: [("tokens", .object(tokens))]))], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try Self.signIn(daemon, tls, account: "work")
        let sockets = ["work", "work.a", "work.b"]
        var seen: [String: [String]] = [:]
        var invalid: [String] = []
        let end = Date().addingTimeInterval(10)
        while Date() < end {
            for name in sockets {
                let token = try TokenSocket.readLine(daemon.socketPath(name))
                if token.hasPrefix("error") || !tls.provider.isValid(accessToken: token) {
                    invalid.append("\(name): \(token.hasPrefix("error") ? token : "an invalid token")")
                }
                if seen[name]?.last != token { seen[name, default: []].append(token) }
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
        #expect(invalid.isEmpty, "served: \(invalid)\nlog:\n\(daemon.log.text)")
        for name in sockets {
            #expect((seen[name]?.count ?? 0) >= 2, "\(name) was never refreshed in 10 s of a 5 s lifetime")
        }
        let stats = tls.provider.stats
        #expect(stats.codeGrants == 1)
        #expect(stats.refreshGrants >= 5)
        #expect(stats.failedGrantTotal == 0, "\(stats.failedGrants) \(stats.lastRefusal ?? "")\nlog:\n\(daemon.log.text)")
        try daemon.log.waitForLine(containing: "account work.b refreshed", timeout: 1)
    }
}
