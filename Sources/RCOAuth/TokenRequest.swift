import RCHTTP

/// A token endpoint request body and its authentication headers (RFC 6749 §4.1.3, §6).
///
/// The transport adds `Content-Type: application/x-www-form-urlencoded`, `Accept` and
/// `Content-Length`; this type carries only what depends on the account.
public struct TokenRequest: Sendable {
    /// The form fields in order.
    public var formBody: [(String, String)]
    /// Account-specific headers: `Authorization: Basic ...` for `client_auth: basic`.
    public var headers: [(String, String)]
    /// `formBody`, form-encoded.
    public var bodyText: String

    public init(formBody: [(String, String)], headers: [(String, String)] = []) {
        self.formBody = formBody
        self.headers = headers
        self.bodyText = FormEncoding.encode(formBody)
    }

    /// Redeems an authorization code: the redirect URI is the identical string sent in the
    /// authorization request, as RFC 6749 §4.1.3 requires.
    public static func authorizationCode(account: AccountSettings, code: String, verifier: String) -> TokenRequest {
        build(
            account: account,
            grant: [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", account.redirectURI),
            ],
            verifier: verifier)
    }

    /// Refreshes: no redirect URI, no verifier (RFC 6749 §6).
    public static func refresh(account: AccountSettings, refreshToken: String) -> TokenRequest {
        build(account: account, grant: [("grant_type", "refresh_token"), ("refresh_token", refreshToken)], verifier: nil)
    }

    private static func build(account: AccountSettings, grant: [(String, String)], verifier: String?) -> TokenRequest {
        var body = grant
        var headers: [(String, String)] = []
        switch (account.clientAuth, account.clientSecret) {
        case (.secretBasic, let secret?):
            // RFC 6749 §2.3.1: form-encode id and secret before joining and base64-encoding them.
            let credentials = FormEncoding.percentEncode(account.clientID) + ":" + FormEncoding.percentEncode(secret)
            headers.append(("Authorization", "Basic " + Base64.encode(Array(credentials.utf8))))
            // client_id stays in the body too: harmless with Basic, and Entra and AD FS want it.
            body.append(("client_id", account.clientID))
        case (.secretPost, let secret?):
            body.append(("client_id", account.clientID))
            body.append(("client_secret", secret))
        default:
            body.append(("client_id", account.clientID))
        }
        if let verifier { body.append(("code_verifier", verifier)) }
        if account.sendsScope { body.append(("scope", account.scopes.joined(separator: " "))) }
        if account.sendsResource, let resource = account.resource { body.append(("resource", resource)) }
        return TokenRequest(formBody: body, headers: headers)
    }
}
