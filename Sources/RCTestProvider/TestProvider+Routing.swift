import RCHTTP
import RCJSON

extension TestProvider {
    /// Routes one request. Paths are compared exactly as sent: a real provider does not
    /// normalise `/Token` or `/%74oken` either.
    func respond(to head: HTTPRequestHead, body: [UInt8]) -> ConnectionAction {
        guard let target = try? RequestTarget.parse(head.target) else {
            return .reply(.plain(400, "bad request target"))
        }
        let path = target.path
        // OpenID Connect appends its well-known path to the issuer; RFC 8414 §3.1 inserts its
        // own between host and the issuer's path. Both are served at the root too.
        let openID = "/.well-known/openid-configuration"
        let oauth = "/.well-known/oauth-authorization-server"
        var discoveryPaths = [oauth, oauth + options.issuerPath, options.issuerPath + oauth]
        if options.servesOpenIDConfiguration { discoveryPaths += [openID, options.issuerPath + openID] }
        let allowed: String
        switch path {
        case authorizePath:
            guard head.method == "GET" else { allowed = "GET"; break }
            let context = grantContext()
            let decidePath = self.decidePath
            return .reply(store.withLock { AuthorizeEndpoint.authorize(query: target.query, store: &$0, context: context, decidePath: decidePath) })
        case decidePath:
            guard head.method == "POST" else { allowed = "POST"; break }
            let context = grantContext()
            return .reply(
                store.withLock { AuthorizeEndpoint.decide(body: body, contentType: head.headers["Content-Type"], store: &$0, context: context) })
        case tokenPath:
            guard head.method == "POST" else { allowed = "POST"; break }
            return token(head: head, body: body)
        case deviceAuthorizationPath:
            guard head.method == "POST" else { allowed = "POST"; break }
            let context = grantContext()
            let verificationURI = self.verificationURI
            return .reply(
                store.withLock {
                    DeviceAuthorizationEndpoint.authorize(
                        body: body, contentType: head.headers["Content-Type"], store: &$0, context: context, verificationURI: verificationURI)
                })
        case devicePath:
            guard head.method == "POST" else { allowed = "POST"; break }
            return .reply(store.withLock { DeviceAuthorizationEndpoint.decide(body: body, store: &$0) })
        case "/validate":
            guard head.method == "GET" else { allowed = "GET"; break }
            return .reply(validate(authorization: head.headers["Authorization"]))
        case _ where discoveryPaths.contains(path):
            guard head.method == "GET" else { allowed = "GET"; break }
            return .reply(
                .json(
                    200,
                    DiscoveryDocument.make(
                        issuer: options.advertisedIssuer ?? issuer, authorizeURL: authorizeURL, tokenURL: tokenURL,
                        deviceAuthorizationURL: deviceAuthorizationURL,
                        challengeMethods: options.advertisedChallengeMethods)))
        default:
            return .reply(.plain(404, "not found"))
        }
        return .reply(Reply(status: 405, headers: [("Allow", allowed), ("Content-Type", "text/plain; charset=utf-8")], body: Array("method not allowed\n".utf8)))
    }

    /// `POST /token`: an injected fault if one is queued, else the grant.
    private func token(head: HTTPRequestHead, body: [UInt8]) -> ConnectionAction {
        let context = grantContext()
        let fault: TokenFault? = store.withLock { store in
            store.stats.tokenRequests += 1
            let fault = store.takeFault()
            if fault != nil { store.stats.faultsServed += 1 }
            return fault
        }
        if let fault { return Self.action(for: fault, now: context.wallNow) }
        let outcome: Result<IssuedTokens, TokenError> = store.withLock { store in
            do throws(TokenError) {
                let request = try TokenRequest.parse(
                    contentType: head.headers["Content-Type"], authorization: head.headers["Authorization"], body: body)
                return .success(try store.grant(request, context))
            } catch {
                store.stats.failedGrants[error.error, default: 0] += 1
                store.stats.lastRefusal = error.description
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let tokens):
            return .reply(.json(200, TokenResponseBody.success(tokens, shape: options.responseShape)))
        case .failure(let error):
            let challenge: [(String, String)] = error.challengeBasic ? [("WWW-Authenticate", "Basic realm=\"token\"")] : []
            return .reply(.json(error.status, TokenResponseBody.error(error, now: context.wallNow), extraHeaders: challenge))
        }
    }

    private static func action(for fault: TokenFault, now: Int) -> ConnectionAction {
        switch fault {
        case .down:
            return .reset
        case .hang(let seconds):
            return .hang(seconds)
        case .html:
            let page = "<!DOCTYPE html><html><head><title>Service notice</title></head><body><h1>We'll be back soon</h1></body></html>\n"
            return .reply(Reply(status: 200, headers: [("Content-Type", "text/html; charset=utf-8")], body: Array(page.utf8)))
        case .status(let status, _):
            let error = TokenError(status: status, error: "temporarily_unavailable", code: 90033, message: "The service is temporarily unavailable.")
            return .reply(.json(status, TokenResponseBody.error(error, now: now)))
        case .tooManyRequests(let retryAfter):
            let error = TokenError(status: 429, error: "temporarily_unavailable", code: 50196, message: "Too many requests; try again later.")
            return .reply(.json(429, TokenResponseBody.error(error, now: now), extraHeaders: [("Retry-After", retryAfter)]))
        case .invalidGrant(let code, let description):
            let number = Int(code.drop { !$0.isNumber }) ?? 70008
            return .reply(.json(400, TokenResponseBody.error(.invalidGrant(number, description), now: now)))
        }
    }

    /// `GET /validate`: how a test sees that a token the daemon served is one the provider issued.
    private func validate(authorization: String?) -> Reply {
        let now = grantContext().now
        let parts = authorization?.split(separator: " ", maxSplits: 1) ?? []
        let token = parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]).trimmingSpaces : ""
        let record = store.withLock { store in
            store.stats.validations += 1
            return store.isLive(accessToken: token, now: now)
        }
        guard let record else {
            return .json(
                401, .object(JSONObject([("active", .bool(false))])),
                extraHeaders: [("WWW-Authenticate", "Bearer error=\"invalid_token\"")])
        }
        var introspection = JSONObject([
            ("active", .bool(true)), ("sub", .string(record.application ? record.clientID : options.subject)),
            ("client_id", .string(record.clientID)),
            ("exp", .number(JSONNumber(Int64(record.exp)))),
        ])
        // What the token was minted for, so a test can tell an account's tokens apart.
        if let scope = record.scope { introspection["scope"] = .string(scope) }
        if let resource = record.resource { introspection["resource"] = .string(resource) }
        // Entra's `idtyp` claim: a token the application got for itself, with no person in it.
        if record.application { introspection["idtyp"] = .string("app") }
        return .json(200, .object(introspection))
    }
}
