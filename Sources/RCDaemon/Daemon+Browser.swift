import RCHTTP
import RCOAuth

/// The browser side: `/`, `/signin/<account>` and the callback paths.
extension Daemon {
    func route(_ request: BrowserRequest, _ respond: @escaping HTTPListener.Respond) {
        // RFC 9112 §3.2.2: an absolute-form target's authority overrides the Host header.
        guard isLoopbackHost(request.target.authority ?? request.headers["Host"]) else {
            // A page on another site that resolves its own name to 127.0.0.1 (DNS
            // rebinding) arrives with its own Host header: refuse it.
            listener?.rejectionLog("host_rejected").warning("refused a request addressed to another host name (DNS rebinding?)")
            respond(Page.error(status: 421, title: "Wrong host", detail: "This service answers only at http://localhost:\(port)/."))
            return
        }
        guard ["GET", "HEAD", "POST"].contains(request.method) else {
            var response = Page.error(status: 405, title: "Method not allowed", detail: "Only GET, HEAD and POST are used here.")
            response.headers.add("Allow", "GET, HEAD, POST")
            respond(response)
            return
        }
        let path = request.target.path
        if path == "/" {
            respond(statusPage())
        } else if path.hasPrefix("/signin/") {
            startSignIn(name: String(path.dropFirst("/signin/".count)), method: request.method, headers: request.headers, respond)
        } else if accounts.isCallbackPath(path) {
            receiveCallback(request, respond)
        } else if path.hasPrefix(ResultPages.pathPrefix) {
            let id = String(path.dropFirst(ResultPages.pathPrefix.count))
            respond(
                resultPages.page(id: id, now: loop.now)
                    ?? Page.error(status: 404, title: "This page has expired", detail: "Sign-in results are kept for ten minutes."))
        } else {
            respond(Page.error(status: 404, title: "Not found", detail: "There is nothing at this address."))
        }
    }

    private func isLoopbackHost(_ host: String?) -> Bool {
        // HTTP/1.0 may omit Host; the parser already insists on it for HTTP/1.1.
        guard let host = host?.lowercased() else { return true }
        let names = ["localhost", "127.0.0.1", "[::1]"]
        if names.map({ "\($0):\(port)" }).contains(host) { return true }
        return port == 80 && names.contains(host)
    }

    /// Whether a browser's Fetch Metadata allows starting a sign-in: typed or pasted (`none`),
    /// from this service's own pages (`same-origin`), or from a client that sends none (curl,
    /// an older browser). Another site, or another port of localhost (`same-site`), may not.
    static func isTopLevelNavigation(_ headers: HTTPHeaders) -> Bool {
        let sites = headers.values("Sec-Fetch-Site")
        guard !sites.isEmpty else { return true }
        return sites.count == 1 && ["none", "same-origin"].contains(sites[0].lowercased())
    }

    /// `name` is an account, or `ACCOUNT.TOKEN` for a sign-in that asks for that extra token's
    /// scopes alone (account names have no dot, so the first one separates the token).
    private func startSignIn(name: String, method: String, headers: HTTPHeaders, _ respond: @escaping HTTPListener.Respond) {
        let parts = name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let account = accounts[parts[0]] else {
            respond(Page.error(status: 404, title: "Unknown account", detail: "No account of that name is configured."))
            return
        }
        if let refusal = account.signInRefusal {
            respond(Page.error(status: 409, title: "No sign-in for this account", detail: refusal))
            return
        }
        let tokenName = parts.count == 2 ? parts[1] : nil
        guard let slot = account.slot(named: tokenName) else {
            respond(Page.error(status: 404, title: "Unknown token", detail: "The account has no token of that name."))
            return
        }
        guard Self.isTopLevelNavigation(headers) else {
            // A page on another site (an <img>, a fetch, a link) could start sign-ins until the
            // person's own pending one is pushed out; browsers say where a request came from.
            respond(Page.error(status: 403, title: "Open this link yourself", detail: "Sign-ins start only from a link you open, not from another site."))
            return
        }
        guard method == "GET" else {
            // HEAD (a link preview, a prefetch) must not start a flow.
            var response = Page.error(status: 405, title: "Method not allowed", detail: "Open this address in a browser.")
            response.headers.add("Allow", "GET")
            respond(response)
            return
        }
        if slot.extra == nil, account.settings.signInFlow == .deviceCode {
            deviceSignInPage(account, respond)
            return
        }
        let url = beginSignIn(account, slot, token: tokenName, how: "in the browser")
        respond(
            HTTPResponse(
                status: 302,
                headers: HTTPHeaders([
                    ("Location", url), ("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer"),
                    ("Content-Type", "text/plain; charset=utf-8"),
                ]),
                body: Array("Continue at the sign-in page.\n".utf8)))
    }

    /// Starts a pending sign-in (fresh state, PKCE verifier and nonce) and returns the provider
    /// URL it begins at. The browser's `/signin/` and a pasted sign-in share it, so both flows
    /// are the same flow and either's response may finish it. `responseMode` overrides the
    /// account's (a paste needs `query`).
    func beginSignIn(_ account: Account, _ slot: TokenSlot, token tokenName: String?, how: String, responseMode: ResponseMode? = nil) -> String {
        // A token's own sign-in asks for its scopes, which carry openid only if it says so.
        let wantsNonce = slot.extra.map { $0.scopes.contains("openid") } ?? account.settings.usesNonce
        let flow = flows.begin(account: account.name, token: tokenName, wantsNonce: wantsNonce, now: loop.now)
        loop.schedule(at: flow.startedAt.adding(seconds: SignInFlows.lifetimeSeconds)) { [weak self] in
            self?.expireFlows()
        }
        let url = AuthorizeRequest.url(
            for: account.settings, token: slot.extra, state: flow.state, pkce: flow.pkce, nonce: flow.nonce, responseMode: responseMode)
        logger.info("signin_started", "account \(slot.label): sign-in started \(how)", account: account.name, slot.fields)
        return url
    }

    private func expireFlows() {
        for flow in flows.expire(now: loop.now) where !flows.hasPending(account: flow.account) {
            let url = accounts[flow.account]?.signInURL ?? ""
            logger.warning(
                "signin_expired",
                "account \(flow.account): the sign-in started \(Self.signInLifetime) ago never came back; check the browser window for the provider's error, then open \(url) to try again",
                account: flow.account)
        }
    }

    /// Answers a callback with a 303 to its result page, so that the code leaves the address
    /// bar and a reload asks for the result, not for a second redemption.
    private func showResult(_ page: HTTPResponse, _ respond: HTTPListener.Respond) {
        let location = resultPages.store(page, now: loop.now)
        respond(
            HTTPResponse(
                status: 303,
                headers: HTTPHeaders([
                    ("Location", location), ("Cache-Control", "no-store"), ("Referrer-Policy", "no-referrer"),
                    ("Content-Type", "text/plain; charset=utf-8"),
                ]),
                body: Array("See \(location)\n".utf8)))
    }

    private func receiveCallback(_ request: BrowserRequest, _ respond: @escaping HTTPListener.Respond) {
        let encoded: String
        switch request.method {
        case "GET":
            encoded = request.target.query ?? ""
        case "POST":
            let type = request.headers["Content-Type"]?.lowercased() ?? ""
            guard type.hasPrefix("application/x-www-form-urlencoded") else {
                respond(Page.error(status: 415, title: "Unsupported form", detail: "The sign-in response must be a URL-encoded form."))
                return
            }
            encoded = String(decoding: request.body, as: UTF8.self)
        default:
            // HEAD never redeems a code.
            respond(Page.response(status: 200, html: ""))
            return
        }
        handleCallback(encoded) { [weak self] verdict in
            guard let self else { return }
            switch verdict {
            case .rejected(let reason):
                self.rejectCallback(reason, respond)
            case .alreadyComplete(let account):
                self.showResult(
                    Page.response(
                        status: 200,
                        html: Page.render(
                            title: "This sign-in is already complete", tone: .info,
                            body: "<p>This sign-in to <b>\(HTML.escape(account))</b> was already handled. You can close this tab.</p>")),
                    respond)
            case .finished(let label, let result):
                self.showResult(self.resultPage(account: label, result), respond)
            }
        }
    }

    /// What became of a sign-in response, for the browser's page or the paste's reply line.
    enum CallbackVerdict {
        /// Nothing was redeemed and no flow was used up; `reason` completes "rejected because".
        case rejected(String)
        /// The state was already used: the browser or an earlier paste got there first.
        case alreadyComplete(account: String)
        /// The flow ended: signed in, or the provider's error or an issuer mismatch.
        case finished(label: String, SignInResult)
    }

    /// Judges a sign-in response, from the browser's redirect or a paste, the same way: the
    /// state checked in constant time and used once, `iss` checked, the provider's error put in
    /// plain words, the code redeemed once. `encoded` is the query or form body, still encoded.
    func handleCallback(_ encoded: String, _ finish: @escaping (CallbackVerdict) -> Void) {
        let parameters: [(name: String, value: String)]
        do {
            parameters = try FormDecoding.decode(encoded, allowingLineBreaks: true)
        } catch {
            reject("the parameters are not validly encoded", finish)
            return
        }
        switch CallbackParameters.classify(parameters) {
        case .invalid(let reason):
            reject(reason, finish)
        case .code(let code, let state, let iss):
            guard let flow = matchFlow(state: state, finish) else { return }
            guard let account = accounts[flow.account] else { return }
            if let iss, let expected = account.settings.issuer, iss != expected {
                logger.error(
                    "signin_failed", "account \(flow.account): the response came from issuer \(iss), not \(expected); not redeeming it",
                    account: flow.account)
                finish(.finished(label: flow.account, .failed(summary: "The response came from an unexpected issuer.", advice: "Start again from \(account.signInURL).")))
                return
            }
            // A token removed by a reload meanwhile: its code is redeemed for the account instead
            // would mint the wrong audience, so it is not redeemed.
            guard let slot = account.slot(named: flow.token) else {
                reject("the token it was for is no longer configured", finish)
                return
            }
            account.completeSignIn(code: code, verifier: flow.pkce.verifier, nonce: flow.nonce, token: flow.token == nil ? nil : slot) { result in
                finish(.finished(label: slot.label, result))
            }
        case .error(let error, let description, _, let state):
            guard let state, let flow = matchFlow(state: state, finish) else {
                if state == nil { reject("the provider's error carries no state", finish) }
                return
            }
            let codes = ProviderErrorAdvice.codes(in: description ?? "")
            let advice = ProviderErrorAdvice.advice(for: codes, error: error)
            let summary = description.map { "\(error): \($0)" } ?? error
            var fields = ["ERROR_CODE": error]
            if !codes.isEmpty { fields["PROVIDER_CODES"] = codes.map(String.init).joined(separator: ",") }
            logger.error(
                "signin_failed", "account \(flow.account): the provider answered the sign-in with \(summary)\(advice.map { " — " + $0 } ?? "")",
                account: flow.account, fields)
            finish(.finished(label: flow.account, .failed(summary: summary, advice: advice)))
        }
    }

    /// The pending flow for `state`, or the verdict saying why there is none (and nil).
    private func matchFlow(state: String, _ finish: (CallbackVerdict) -> Void) -> SignInFlows.Flow? {
        switch flows.take(state: state, now: loop.now) {
        case .pending(let flow):
            return flow
        case .alreadyCompleted(let account):
            finish(.alreadyComplete(account: account))
            return nil
        case .unknown:
            reject("it does not belong to a sign-in in progress (unknown or expired state)", finish)
            return nil
        }
    }

    private func reject(_ reason: String, _ finish: (CallbackVerdict) -> Void) {
        // Anyone local can send these as fast as they like: the journal gets at most one a second.
        listener?.rejectionLog("callback_rejected").warning("rejected a sign-in response: \(reason)")
        finish(.rejected(reason))
    }

    private func rejectCallback(_ reason: String, _ respond: HTTPListener.Respond) {
        respond(
            Page.response(
                status: 400,
                html: Page.render(
                    title: "This sign-in response was not accepted", tone: .failure,
                    body: "<p>\(HTML.escape("It was rejected because \(reason).")) No code was redeemed.</p><p>To sign in, open the sign-in link the daemon printed, such as <code>http://localhost:\(port)/signin/ACCOUNT</code>.</p>"
                )))
    }

    func resultPage(account: String, _ result: SignInResult) -> HTTPResponse {
        switch result {
        case .signedIn:
            return Page.response(
                status: 200,
                html: Page.render(
                    title: "Signed in to \(account)", tone: .success,
                    body: "<p>Signed in to <b>\(HTML.escape(account))</b>. You can close this tab.</p><p class=\"muted\">Programs read the token from <code>\(HTML.escape(socketPath(account)))</code>.</p>"
                ))
        case .failed(let summary, let advice):
            // `account` may be `ACCOUNT.TOKEN`: the link is that token's own sign-in then.
            let signIn = signInURL(account)
            var body = "<p>Signing in to <b>\(HTML.escape(account))</b> did not succeed. The provider said:</p><p><code>\(HTML.escape(summary))</code></p>"
            if let advice { body += "<p>\(HTML.escape(advice))</p>" }
            body += "<p><a href=\"\(HTML.escape(signIn))\">Try again</a></p>"
            return Page.response(status: 200, html: Page.render(title: "Sign-in failed", tone: .failure, body: body))
        }
    }

    private func statusPage() -> HTTPResponse {
        var items = ""
        for account in accounts.accounts {
            let name = account.name
            let signedIn = account.usableToken != nil
            if account.isApplication {
                items += "<li><b>\(HTML.escape(name))</b>: the application itself (client credentials), \(signedIn ? "has a token" : "no token yet")</li>"
                continue
            }
            let link = "<a href=\"/signin/\(HTML.escape(name))\">\(signedIn ? "sign in again" : "sign in")</a>"
            items += "<li><b>\(HTML.escape(name))</b>: \(signedIn ? "signed in" : "needs sign-in") — \(link)</li>"
        }
        return Page.response(
            status: 200, html: Page.render(title: "redirect-catcher", tone: .info, body: "<ul>\(items)</ul>"))
    }
}
