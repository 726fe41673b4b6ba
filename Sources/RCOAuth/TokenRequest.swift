import Glibc
import RCCrypto
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
    /// Why this request must not be sent, when building it failed (signing the client
    /// assertion); the transport reports it instead of sending a request the provider would refuse.
    /// It is a local configuration error (it names the key file): retrying cannot fix it.
    public var failure: String?

    public init(formBody: [(String, String)], headers: [(String, String)] = [], failure: String? = nil) {
        self.formBody = formBody
        self.headers = headers
        self.bodyText = FormEncoding.encode(formBody)
        self.failure = failure
    }

    /// Redeems an authorization code: the redirect URI is the identical string sent in the
    /// authorization request, as RFC 6749 §4.1.3 requires. A certificate client gets a fresh
    /// assertion, issued now.
    /// With `token`, the code came from a sign-in for that extra token alone and is redeemed
    /// for its scopes or resource. Either way one resource per request: the authorize request's
    /// union of scopes (Entra v2) is consent, not what this token is for.
    public static func authorizationCode(account: AccountSettings, code: String, verifier: String, token: ExtraToken? = nil) -> TokenRequest {
        authorizationCode(account: account, code: code, verifier: verifier, token: token, assertionClock: .now)
    }

    /// Refreshes: no redirect URI, no verifier (RFC 6749 §6). With `token`, mints that extra
    /// token: the same grant, with the token's own scopes or resource in place of the account's.
    public static func refresh(account: AccountSettings, refreshToken: String, token: ExtraToken? = nil) -> TokenRequest {
        refresh(account: account, refreshToken: refreshToken, token: token, assertionClock: .now)
    }

    /// As above, with the assertion's time and id given, so tests can pin the whole body.
    static func authorizationCode(
        account: AccountSettings, code: String, verifier: String, token: ExtraToken? = nil, assertionClock: AssertionClock
    ) -> TokenRequest {
        build(
            account: account,
            grant: [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", account.redirectURI),
            ],
            verifier: verifier, audience: token.map { Audience(extra: $0, account: account) } ?? Audience(account: account),
            assertionClock: assertionClock)
    }

    static func refresh(
        account: AccountSettings, refreshToken: String, token: ExtraToken? = nil, assertionClock: AssertionClock
    ) -> TokenRequest {
        build(
            account: account, grant: [("grant_type", "refresh_token"), ("refresh_token", refreshToken)], verifier: nil,
            audience: token.map { Audience(extra: $0, account: account) } ?? Audience(account: account),
            assertionClock: assertionClock)
    }

    /// What a request asks a token for: the account's own scopes and resource, or an extra token's.
    struct Audience {
        var scopes: [String]
        var resource: String?

        init(account: AccountSettings) {
            scopes = account.scopes
            resource = account.resource
        }

        /// An extra token keeps `offline_access` when the sign-in asked for it, as MSAL does:
        /// without it Entra v2 may answer without a refresh token, and the account's one
        /// refresh token would stop rotating.
        init(extra: ExtraToken, account: AccountSettings) {
            scopes = extra.scopes
            if !scopes.isEmpty, account.scopes.contains("offline_access"), !scopes.contains("offline_access") {
                scopes.append("offline_access")
            }
            resource = extra.resource
        }
    }

    /// Tells Entra that this client honours `Retry-After` on a 429, as MSAL does: a client that
    /// does not say so may have its request loop broken with `invalid_grant` instead, which
    /// would look like a dead refresh token. The daemon already waits out `Retry-After`.
    static let throttlingCapability = ("x-ms-lib-capability", "retry-after, h429")

    /// When a client assertion is issued and what its `jti` is.
    struct AssertionClock: Sendable {
        var now: @Sendable () -> Int64
        var jti: @Sendable () -> String

        /// The wall clock and 16 random bytes: a `jti` that never repeats (Entra refuses replays).
        static let now = AssertionClock(now: { Int64(time(nil)) }, jti: { Base64.encodeURL(SecureRandom.bytes(16)) })
    }

    static func build(
        account: AccountSettings, grant: [(String, String)], verifier: String?, audience: Audience,
        assertionClock: AssertionClock
    ) -> TokenRequest {
        var body = grant
        var headers: [(String, String)] = []
        var failure: String?
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
        case (.privateKeyJWT, _):
            // client_id is optional with an assertion (RFC 7523 §3) but Entra's examples send it.
            body.append(("client_id", account.clientID))
            if let certificate = account.clientCertificate {
                do {
                    let assertion = try ClientAssertion.make(
                        clientID: account.clientID, audience: account.tokenURL, certificate: certificate,
                        now: assertionClock.now(), jti: assertionClock.jti())
                    body.append(("client_assertion_type", ClientAssertion.type))
                    body.append(("client_assertion", assertion))
                } catch {
                    failure = "cannot sign the client assertion with client_key_file \(certificate.credential.keySource) (\(certificate)): \(error.message)"
                }
            } else {
                failure = "client_auth is private_key_jwt but the account has no certificate"
            }
        default:
            body.append(("client_id", account.clientID))
        }
        if let verifier { body.append(("code_verifier", verifier)) }
        body += account.audienceParameters(scopes: audience.scopes, resource: audience.resource)
        if account.provider == .entra || account.provider == .entraV1 { headers.append(Self.throttlingCapability) }
        return TokenRequest(formBody: body, headers: headers, failure: failure)
    }
}
