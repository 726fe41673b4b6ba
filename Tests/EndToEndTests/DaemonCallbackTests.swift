import RCHTTP
import RCTestProvider
import Testing

/// What reaches the callback besides the real redirect: a forged one, a replay, form_post,
/// and the person saying no.
extension DaemonEndToEndTests {
    // MARK: 3. A forged callback, then a replay

    @Test func aForgedCallbackIsRefusedWithoutCancellingTheRealSignIn() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let authorizeURL = try Browser.startSignIn(daemon, account: "work")
        let outcome = try TestPerson.signIn(authorizeURL: authorizeURL, approve: true, caPEM: tls.caPEM)
        guard case .redirect(let location) = outcome else {
            Issue.record("expected a redirect to the daemon, got \(outcome)")
            return
        }

        // Any local process can send this; it must not redeem anything or end the real flow.
        let forged = try Browser.get("\(daemon.baseURL)/callback?code=forged&state=wrong")
        #expect(forged.status == 400, "\(Browser.summary(forged))")
        #expect(tls.provider.stats.tokenRequests == 0, "the forged code was sent to the provider")
        #expect(try TokenSocket.readLine(daemon.socketPath("work")).hasPrefix("error: "))

        let real = try Browser.get(location)
        #expect(real.status == 200)
        #expect(Browser.text(real).contains("Signed in to work"), "\(Browser.summary(real))")
        let token = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(tls.provider.isValid(accessToken: token), "\(token)")

        // The back button or a reload: no second exchange.
        let replay = try Browser.get(location)
        #expect(Browser.text(replay).contains("already complete"), "\(Browser.summary(replay))")
        #expect(!Browser.text(replay).contains("Signed in to work"))
        let stats = tls.provider.stats
        #expect(stats.codeGrants == 1)
        #expect(stats.tokenRequests == 1, "token requests: \(stats.tokenRequests)")
        #expect(try TokenSocket.readLine(daemon.socketPath("work")) == token)
    }

    // MARK: 4. form_post

    @Test func aFormPostResponseSignsIn() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let account = tls.account(extra: [("response_mode", .string("form_post"))])
        let daemon = try DaemonProcess(accounts: [("posted", account)], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let authorizeURL = try Browser.startSignIn(daemon, account: "posted")
        #expect(try Browser.query(authorizeURL)["response_mode"] == "form_post")
        let outcome = try TestPerson.signIn(authorizeURL: authorizeURL, approve: true, caPEM: tls.caPEM)
        guard case .formPost(let action, let fields) = outcome else {
            Issue.record("expected a form_post page, got \(outcome)")
            return
        }
        #expect(action == "\(daemon.baseURL)/callback")
        #expect(fields["code"] != nil && fields["state"] != nil, "\(fields.keys.sorted())")
        let page = try Browser.deliver(outcome)
        #expect(page.status == 200)
        #expect(Browser.text(page).contains("Signed in to posted"), "\(Browser.summary(page))")
        let token = try TokenSocket.readLine(daemon.socketPath("posted"))
        #expect(tls.provider.isValid(accessToken: token), "\(token)")
    }

    // MARK: 5. The person declines

    @Test func aDeniedSignInShowsTheProvidersErrorAndStillNeedsSignIn() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let outcome = try TestPerson.signIn(
            authorizeURL: try Browser.startSignIn(daemon, account: "work"), approve: false, caPEM: tls.caPEM)
        guard case .redirect(let location) = outcome else {
            Issue.record("expected a redirect with an error, got \(outcome)")
            return
        }
        #expect(try Browser.query(location)["error"] == "access_denied")
        let page = try Browser.get(location)
        let html = Browser.text(page)
        #expect(html.contains("access_denied"), "\(Browser.summary(page))")
        #expect(!html.contains("Signed in to work"))
        #expect(page.headers["Cache-Control"]?.contains("no-store") == true)
        let line = try TokenSocket.readLine(daemon.socketPath("work"))
        #expect(line.hasPrefix("error: ") && line.contains(daemon.signInURL("work")), "\(line)")
        #expect(tls.provider.stats.tokenRequests == 0)
        try daemon.log.waitForLine(containing: "access_denied")
    }

    /// Delivers a provider error with `description` on a real pending flow (the test
    /// provider's own description is plain text on one line, so the test rewrites it).
    static func deliverProviderError(description: String) throws -> (DaemonProcess, TLSTestProvider, HTTPResponseMessage) {
        let tls = try TLSTestProvider()
        let daemon: DaemonProcess
        do {
            daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        } catch {
            tls.stop()
            throw error
        }
        do {
            let outcome = try TestPerson.signIn(
                authorizeURL: try Browser.startSignIn(daemon, account: "work"), approve: false, caPEM: tls.caPEM)
            guard case .redirect(let location) = outcome else { throw HarnessFailure("expected a redirect with an error, got \(outcome)") }
            let state = try #require(try Browser.query(location)["state"])
            let url = "\(daemon.baseURL)/callback?" + FormEncoding.encode([
                ("error", "access_denied"), ("error_description", description), ("state", state),
            ])
            return (daemon, tls, try Browser.get(url))
        } catch {
            daemon.stop()
            tls.stop()
            throw error
        }
    }

    /// The provider's words reach the page only as text: markup in `error_description` is escaped.
    @Test func theProvidersErrorDescriptionIsEscapedInThePage() throws {
        let (daemon, tls, page) = try Self.deliverProviderError(description: "<script>alert(\"x\")</script> & <b>bold</b>")
        defer {
            daemon.stop()
            tls.stop()
        }
        let html = Browser.text(page)
        #expect(html.contains("access_denied"), "\(Browser.summary(page))")
        #expect(!html.contains("<script>") && !html.contains("<b>bold</b>"), "\(Browser.summary(page))")
        #expect(html.contains("&lt;script&gt;alert("), "\(Browser.summary(page))")
        try daemon.log.waitForLine(containing: "access_denied", timeout: 2)
    }

    /// Entra's `error_description` spans lines ("AADSTS65004: User declined to consent to
    /// access the app.\r\nTrace ID: ...\r\nCorrelation ID: ..."): it must be shown
    /// (escaped) in the page and sanitised in the log, one event one line.
    @Test func anEntraStyleMultiLineErrorDescriptionIsShownAndLoggedOnOneLine() throws {
        let description = "AADSTS65004: User declined to consent to access the app.\r\nTrace ID: 0c1f\r\nforged: log line"
        let (daemon, tls, page) = try Self.deliverProviderError(description: description)
        defer {
            daemon.stop()
            tls.stop()
        }
        // Booleans first, so a failure prints the page's words rather than its stylesheet.
        let html = Browser.text(page)
        let showsError = html.contains("access_denied")
        let showsDescription = html.contains("AADSTS65004")
        #expect(showsError, "the page does not show the provider's error: \(Browser.summary(page))")
        #expect(showsDescription, "the page does not show the provider's description")
        let logged = try daemon.log.waitForLine(containing: "access_denied", timeout: 2)
        #expect(logged.contains("AADSTS65004"))
        #expect(!daemon.log.lines.contains { $0.hasPrefix("forged: log line") }, "a CR/LF in the description split the log line")
    }
}
