import RCHTTP

/// `GET /authorize` and `POST /authorize/decide`: the browser half of the authorization code
/// flow, with the checks a real provider makes before and after the person decides.
enum AuthorizeEndpoint {
    /// Errors that cannot be trusted to a redirect URI are shown to the person instead
    /// (RFC 6749 §4.1.2.1), which is why a wrong redirect_uri never reaches the daemon.
    static func authorize(query: String?, store: inout GrantStore, context: GrantContext, decidePath: String) -> Reply {
        store.stats.authorizeRequests += 1
        let options = context.options
        guard let pairs = try? FormDecoding.decode(query ?? "") else {
            return errorPage(400, "Bad request", "The authorization request is not a valid query string.")
        }
        var parameters: [String: String] = [:]
        var duplicated: [String] = []
        for pair in pairs where parameters.updateValue(pair.value, forKey: pair.name) != nil {
            duplicated.append(pair.name)
        }
        guard let clientID = parameters["client_id"], !clientID.isEmpty, !duplicated.contains("client_id") else {
            return errorPage(400, "Sign-in failed", "AADSTS900144: The request must contain exactly one 'client_id'.")
        }
        guard let client = options.clients.first(where: { $0.id == clientID }) else {
            return errorPage(400, "Sign-in failed", "AADSTS700016: Application with identifier '\(clientID)' was not found.")
        }
        guard let redirectURI = parameters["redirect_uri"], !duplicated.contains("redirect_uri"),
            isAllowed(redirectURI, for: client)
        else {
            return errorPage(
                400, "Sign-in failed",
                "AADSTS50011: The redirect URI '\(parameters["redirect_uri"] ?? "")' specified in the request does not match "
                    + "the redirect URIs configured for the application '\(clientID)'.")
        }
        let state = parameters["state"]
        let mode: ResponseMode
        switch parameters["response_mode"] {
        case nil, "query": mode = .query
        case "form_post": mode = .formPost
        default:
            return deliver(
                .failure("invalid_request", "AADSTS900352: response_mode must be query or form_post."),
                to: redirectURI, mode: .query, state: state, issuer: context.issuer)
        }
        func refuse(_ error: String, _ description: String) -> Reply {
            deliver(.failure(error, description), to: redirectURI, mode: mode, state: state, issuer: context.issuer)
        }
        if let name = duplicated.first {
            return refuse("invalid_request", "AADSTS90015: The parameter '\(name)' is duplicated.")
        }
        guard parameters["response_type"] == "code" else {
            return refuse("unsupported_response_type", "AADSTS70005: response_type must be 'code'.")
        }
        guard let challenge = parameters["code_challenge"], parameters["code_challenge_method"] == "S256" else {
            return refuse("invalid_request", "PKCE S256 is required: send code_challenge with code_challenge_method=S256.")
        }
        // RFC 7636 §4.2: an S256 challenge is 32 bytes, base64url without padding.
        guard challenge.utf8.count == 43, challenge.utf8.allSatisfy(isBase64URL) else {
            return refuse("invalid_request", "AADSTS501491: The code_challenge is not a base64url SHA-256 digest.")
        }
        let scope = parameters["scope"]
        let resource = parameters["resource"]
        store.stats.authorizeAudiences.append(AccessTokenAudience(scope: scope, resource: resource))
        if options.responseShape == .entraV2 {
            guard resource == nil else {
                return refuse("invalid_request", "AADSTS901002: The 'resource' request parameter is not supported.")
            }
            guard let scope, !scope.isEmpty else {
                return refuse("invalid_request", "AADSTS900144: The request body must contain the following parameter: 'scope'.")
            }
        }
        let scopes = (scope ?? "").split(separator: " ")
        // Entra v2 takes `.default` only with the OpenID Connect scopes, never beside other scopes.
        let oidc: Set<Substring> = ["openid", "profile", "email", "offline_access"]
        let apiScopes = scopes.filter { !oidc.contains($0) }
        if options.responseShape == .entraV2, apiScopes.count > 1, apiScopes.contains(where: { $0.hasSuffix("/.default") }) {
            return refuse("invalid_scope", "AADSTS70011: The provided value for scope is not valid: .default cannot be combined with other scopes.")
        }
        if options.requireNonceWithOpenID, scopes.contains("openid"), (parameters["nonce"] ?? "").isEmpty {
            return refuse("invalid_request", "AADSTS90014: A nonce is required when the scope contains openid.")
        }
        let requestID = GrantStore.randomToken()
        store.pending[requestID] = PendingSignIn(
            clientID: clientID, redirectURI: redirectURI, state: state, codeChallenge: challenge, scope: scope,
            resource: resource, nonce: parameters["nonce"], responseMode: mode,
            expiresAt: context.now + Double(options.signInLifetime))
        let page = BrowserPages.signIn(
            requestID: requestID, decideAction: decidePath, clientID: clientID, scope: scope, resource: resource,
            subject: options.subject)
        return .html(200, page, formAction: origin(of: redirectURI))
    }

    /// The person's answer on the sign-in page. Each page answers once.
    static func decide(body: [UInt8], contentType: String?, store: inout GrantStore, context: GrantContext) -> Reply {
        let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingSpaces.lowercased() }
        guard mediaType == "application/x-www-form-urlencoded", let text = String(validating: body, as: UTF8.self),
            let pairs = try? FormDecoding.decode(text)
        else {
            return errorPage(400, "Bad request", "The sign-in form was not submitted as a form.")
        }
        let fields = Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let requestID = fields["request"], let pending = store.pending.removeValue(forKey: requestID),
            pending.expiresAt > context.now
        else {
            return errorPage(400, "Sign-in expired", "This sign-in page has already been used or has expired. Start again from the application.")
        }
        switch fields["decision"] {
        case "approve":
            let code = GrantStore.randomToken()
            store.codes[code] = GrantStore.IssuedCode(
                request: pending, expiresAt: context.now + Double(context.options.codeLifetime), family: nil)
            return deliver(.code(code), to: pending.redirectURI, mode: pending.responseMode, state: pending.state, issuer: context.issuer)
        case "deny":
            return deliver(
                .failure("access_denied", "The user declined"), to: pending.redirectURI, mode: pending.responseMode,
                state: pending.state, issuer: context.issuer)
        default:
            // Put it back: a malformed submission is not the person's decision.
            store.pending[requestID] = pending
            return errorPage(400, "Bad request", "The decision must be approve or deny.")
        }
    }

    enum Outcome {
        case code(String)
        case failure(String, String)
    }

    /// Sends the authorization response to the client, with `iss` (RFC 9207) either way.
    static func deliver(_ outcome: Outcome, to redirectURI: String, mode: ResponseMode, state: String?, issuer: String) -> Reply {
        var fields: [(String, String)]
        switch outcome {
        case .code(let code): fields = [("code", code)]
        case .failure(let error, let description): fields = [("error", error), ("error_description", description)]
        }
        if let state { fields.append(("state", state)) }
        fields.append(("iss", issuer))
        switch mode {
        case .query:
            let separator = redirectURI.contains("?") ? "&" : "?"
            return .redirect(to: redirectURI + separator + FormEncoding.encode(fields))
        case .formPost:
            return .html(
                200, BrowserPages.formPost(action: redirectURI, fields: fields), allowScript: true,
                formAction: origin(of: redirectURI))
        }
    }

    static func errorPage(_ status: Int, _ title: String, _ message: String) -> Reply {
        .html(status, BrowserPages.error(title: title, message: message))
    }

    /// Exact match against the registration; an empty registration stands for the loopback
    /// rule of RFC 8252 §7.3 (http, a loopback host, any port).
    static func isAllowed(_ uri: String, for client: TestClient) -> Bool {
        if !client.redirectURIs.isEmpty { return client.redirectURIs.contains(uri) }
        guard !uri.contains("#") else { return false }
        for prefix in ["http://localhost:", "http://127.0.0.1:"] where uri.hasPrefix(prefix) {
            let rest = uri.dropFirst(prefix.count)
            let port = rest.prefix { $0.isASCII && $0.isNumber }
            guard !port.isEmpty, port.count <= 5, let number = Int(port), (1...65535).contains(number) else { return false }
            let tail = rest.dropFirst(port.count)
            return tail.isEmpty || tail.hasPrefix("/") || tail.hasPrefix("?")
        }
        return false
    }

    /// scheme://host[:port] of a URI, for the CSP's form-action (which a redirect after a form
    /// submission must also satisfy).
    static func origin(of uri: String) -> String? {
        guard let url = try? WebURL.parse(uri) else { return nil }
        return "\(url.scheme)://\(url.hostHeader)"
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}
