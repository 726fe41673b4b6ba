import RCHTTP
import RCJSON
import RCOAuth
import Testing

@testable import RCDaemon
@testable import RCSystem

/// ``Account`` with `grant: client_credentials`, on the manual clock and a scripted endpoint:
/// what it sends, what it logs, whom it tells, and what it says instead of a sign-in link.
@Suite struct AccountClientCredentialsTests {
    let scheduler = ManualScheduler()
    let endpoint = ScriptedEndpoint()
    let sink = MemoryLogSink()
    let account: Account
    let needsPerson = Locked<[String]>([])

    init() {
        let settings = AccountSettings(
            name: "svc", provider: .entra, authorizeURL: "https://login.example.com/t/oauth2/v2.0/authorize",
            tokenURL: "https://login.example.com/t/oauth2/v2.0/token", clientID: "app", clientSecret: "SECRET-app-4711",
            clientAuth: .secretPost, scopes: ["https://contoso.operations.dynamics.com/.default"],
            redirectURI: "http://localhost:8400/callback", grant: .clientCredentials)
        account = Account(
            settings: settings, signInURL: "http://localhost:8400/signin/svc", scheduler: scheduler, endpoint: endpoint,
            logger: Logger(minimumLevel: .debug, sink: sink))
        account.onNeedsPerson = { [needsPerson] _, event, message in needsPerson.withLock { $0.append(event + ": " + message) } }
    }

    func requestNow() -> TokenReply? {
        let replies = Replies<TokenReply>()
        account.requestToken(replies.callback)
        return replies.values.first
    }

    var status: JSONObject? { account.status().objectValue }

    func statusString(_ key: String) -> String? { status?[key]?.stringValue }

    static let wrongSecret = Reply.json(
        401,
        #"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215],"correlation_id":"c-1"}"#
    )

    @Test func atStartItAsksForATokenWithItsCredentialAndNoPerson() {
        endpoint.enqueue(Reply.grant(access: "AT-app-1"))
        account.announceSignInNeeded(because: "no token yet")
        #expect(endpoint.callCount == 1)
        #expect(endpoint.field("grant_type", of: 0) == "client_credentials")
        #expect(endpoint.field("client_secret", of: 0) == "SECRET-app-4711")
        #expect(endpoint.field("scope", of: 0) == "https://contoso.operations.dynamics.com/.default")
        #expect(endpoint.field("refresh_token", of: 0) == nil && endpoint.field("code", of: 0) == nil)
        #expect(statusString("state") == "refreshing")
        scheduler.completeOffloaded()
        #expect(requestNow() == .token("AT-app-1"))
        #expect(statusString("state") == "signed_in" && statusString("grant") == "client_credentials")
        #expect(status?["signin_url"] == nil)
        #expect(needsPerson.withLock { $0 }.isEmpty)
        #expect(!sink.events.contains { $0.event == "signin_needed" })
        #expect(sink.events.contains { $0.event == "refresh_started" && $0.fields["GRANT"] == "client_credentials" })
        #expect(
            sink.events.contains {
                $0.event == "refreshed" && $0.message == "account svc got a token with its client credentials: access token valid for 3600 s"
            })
        #expect(!sink.events.contains { $0.message.contains("SECRET-app") })
        // Before expiry, again with the credential.
        endpoint.enqueue(Reply.grant(access: "AT-app-2"))
        guard let next = account.nextRefresh else {
            Issue.record("no next grant scheduled")
            return
        }
        scheduler.advance(to: next)
        #expect(endpoint.field("grant_type", of: 1) == "client_credentials")
        scheduler.completeOffloaded()
        #expect(requestNow() == .token("AT-app-2"))
    }

    @Test func aWrongSecretHaltsTellsThePersonOnceAndNeverRetriesByItself() {
        endpoint.enqueue(Self.wrongSecret)
        account.announceSignInNeeded(because: "no token yet")
        scheduler.completeOffloaded()
        #expect(statusString("state") == "misconfigured")
        let line = sink.events.first { $0.event == "refresh_failed" }
        #expect(line?.message.contains("the provider refused the client credentials grant: invalid_client: AADSTS7000215") == true, "\(String(describing: line))")
        #expect(line?.message.contains("copy the secret's Value") == true)
        #expect(line?.fields["GRANT"] == "client_credentials" && line?.fields["PROVIDER_CODES"] == "7000215")
        #expect(needsPerson.withLock { $0 }.count == 1)
        #expect(needsPerson.withLock { $0 }.first?.hasPrefix("refresh_failed: ") == true)
        guard case .error(let message)? = requestNow() else {
            Issue.record("a token was served")
            return
        }
        #expect(message.hasPrefix("account svc cannot get a token with its client credentials: invalid_client"))
        scheduler.advance(by: 86_400)
        #expect(endpoint.callCount == 1)
        // `refresh` tries again.
        endpoint.enqueue(Reply.grant(access: "AT-app-1"))
        let replies = Replies<TokenReply>()
        account.forceRefresh(replies.callback)
        scheduler.completeOffloaded()
        #expect(replies.values == [.token("AT-app-1")])
    }

    @Test func invalidGrantIsAConfigurationErrorNotASignIn() {
        endpoint.enqueue(Reply.json(400, #"{"error":"invalid_grant","error_description":"AADSTS700027: Client assertion failed signature validation."}"#))
        account.announceSignInNeeded(because: "no token yet")
        scheduler.completeOffloaded()
        #expect(statusString("state") == "misconfigured")
        #expect(account.state.session == .application)
        #expect(!sink.events.contains { $0.message.contains("refused the refresh token") || $0.event == "signin_needed" })
    }

    @Test func aTransientFailureRetriesWithBackoffAndKeepsQuiet() {
        endpoint.enqueue(Reply.html(503))
        account.announceSignInNeeded(because: "no token yet")
        scheduler.completeOffloaded()
        let line = sink.events.first { $0.event == "refresh_failed" }
        #expect(line?.message.hasPrefix("account svc: client credentials grant failed (attempt 1)") == true, "\(String(describing: line))")
        #expect(line?.message.hasSuffix("retrying in 2 s") == true && line?.message.contains("refresh token") == false, "\(String(describing: line))")
        #expect(needsPerson.withLock { $0 }.isEmpty)
        endpoint.enqueue(Reply.grant(access: "AT-app-1"))
        scheduler.advance(by: 2)
        scheduler.completeOffloaded()
        #expect(requestNow() == .token("AT-app-1"))
    }

    @Test func thereIsNoSignInToOffer() {
        #expect(account.signInRefusal?.contains("signs in as the application itself") == true)
        #expect(account.notifySignInURL.isEmpty)
    }
}
