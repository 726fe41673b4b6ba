import RCHTTP

/// Builds the authorization request URL (RFC 6749 §4.1.1 with RFC 7636 PKCE).
public enum AuthorizeRequest {
    /// Parameters the protocol sets; `extra_authorize_params` may not carry them, since replacing
    /// one would silently weaken the flow (a different redirect, no PKCE, a fixed state).
    public static let reservedParameters: Set<String> = [
        "response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method",
        "scope", "resource", "nonce", "response_mode",
    ]

    /// The URL to send the browser to.
    ///
    /// Order: `response_type`, `client_id`, `redirect_uri`, `scope` (not for Entra v1), `resource`
    /// (not for Entra v2), `state`, `code_challenge`, `code_challenge_method=S256` (always: the
    /// default is `plain`), `response_mode` only for `form_post` (`query` is the default and is
    /// omitted), `nonce` when given, then the extra parameters. Scopes are joined by a space,
    /// which encodes as `%20`.
    ///
    /// `responseMode` overrides the account's: a sign-in whose redirect is pasted by hand needs
    /// `query`, since a form post never shows in the address bar. An override is always sent,
    /// so that a provider whose own default differs still puts the code in the address.
    ///
    /// With `token`, the sign-in is for that extra token alone: its scopes (with `offline_access`
    /// when the account asks for it) or resource, so the person meets what its API demands.
    public static func url(for account: AccountSettings, token: ExtraToken? = nil, state: String, pkce: PKCE, nonce: String?, responseMode: ResponseMode? = nil
    ) -> String {
        var pairs: [(String, String)] = [
            ("response_type", "code"), ("client_id", account.clientID), ("redirect_uri", account.redirectURI),
        ]
        if let token {
            let audience = TokenRequest.Audience(extra: token, account: account)
            pairs += account.audienceParameters(scopes: audience.scopes, resource: audience.resource)
        } else {
            pairs += account.audienceParameters(scopes: signInScopes(account), resource: account.resource)
        }
        pairs.append(("state", state))
        pairs.append(("code_challenge", pkce.challenge))
        pairs.append(("code_challenge_method", "S256"))
        if let responseMode {
            pairs.append(("response_mode", responseMode.rawValue))
        } else if account.responseMode == .formPost {
            pairs.append(("response_mode", "form_post"))
        }
        if let nonce { pairs.append(("nonce", nonce)) }
        for extra in account.extraAuthorizeParams where !reservedParameters.contains(extra.name) {
            pairs.append((extra.name, extra.value))
        }
        let base = account.authorizeURL
        let separator: String
        if !base.contains("?") {
            separator = "?"
        } else if base.hasSuffix("?") || base.hasSuffix("&") {
            separator = ""
        } else {
            separator = "&"
        }
        return base + separator + FormEncoding.encode(pairs)
    }

    /// The scopes the account's sign-in asks for. On Entra v2 the named scopes of its extra
    /// tokens join the account's own, so a permission added to a token later is consented at the
    /// next sign-in instead of failing that token's grant. Entra refuses `.default` mixed with
    /// other scopes of one request, so a token with a `.default` scope is left out, and an account
    /// whose own scopes are `.default` asks for them alone. Other providers get the account's own.
    public static func signInScopes(_ account: AccountSettings) -> [String] {
        var scopes = account.scopes
        guard account.provider == .entra, !scopes.contains(where: isDefaultScope) else { return scopes }
        for token in account.tokens where !token.scopes.contains(where: isDefaultScope) {
            for scope in token.scopes where !scopes.contains(scope) { scopes.append(scope) }
        }
        return scopes
    }

    /// `https://graph.microsoft.com/.default`: every permission the app has for that resource.
    static func isDefaultScope(_ scope: String) -> Bool {
        scope == ".default" || scope.hasSuffix("/.default")
    }
}
