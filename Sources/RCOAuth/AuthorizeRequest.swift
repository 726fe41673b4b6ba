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
    public static func url(for account: AccountSettings, state: String, pkce: PKCE, nonce: String?) -> String {
        var pairs: [(String, String)] = [
            ("response_type", "code"), ("client_id", account.clientID), ("redirect_uri", account.redirectURI),
        ]
        pairs += account.audienceParameters(scopes: account.scopes, resource: account.resource)
        pairs.append(("state", state))
        pairs.append(("code_challenge", pkce.challenge))
        pairs.append(("code_challenge_method", "S256"))
        if account.responseMode == .formPost { pairs.append(("response_mode", "form_post")) }
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
}
