/// One sentence of advice for well-known provider errors, for logs and the browser page.
///
/// Entra's descriptions name the problem but rarely the fix, and the fix is usually in the app
/// registration, far from this machine; saying where to click saves a support round trip.
public enum ProviderErrorAdvice {
    /// Advice for the first code (or, failing that, the RFC error) this type knows; nil otherwise.
    public static func advice(for codes: [Int], error: String?) -> String? {
        for code in codes {
            if let text = byCode[code] { return text }
        }
        guard let error else { return nil }
        return byError[error]
    }

    /// The numbers after each "AADSTS" in `text`, in order, without repeats: Entra v1 and the
    /// authorization error response carry codes only inside `error_description`.
    public static func codes(in text: String) -> [Int] {
        var codes: [Int] = []
        var rest = Substring(text)
        while let match = rest.firstRange(of: "AADSTS") {
            let digits = rest[match.upperBound...].prefix(while: { $0.isASCII && $0.isNumber }).prefix(9)
            if let code = Int(digits), !codes.contains(code) { codes.append(code) }
            rest = rest[match.upperBound...]
        }
        return codes
    }

    private static let signInAgain = "The refresh token has expired; sign in again."
    private static let mfa = "The provider requires a fresh sign-in (MFA or sign-in frequency policy); sign in again in the browser."
    private static let compliance =
        "Conditional Access requires a compliant or managed device; a browser sign-in on this machine cannot fix it: ask your administrator, quoting the correlation id."

    private static let byCode: [Int: String] = [
        7_000_218:
            "The app is registered as a Web app: in the app registration add a \"Mobile and desktop applications\" platform or set \"Allow public client flows\" to Yes.",
        9_002_327:
            "The redirect URI is registered as a Single-page application: register it under \"Mobile and desktop applications\" instead.",
        700_016: "The client_id is not known in this tenant: check tenant and client_id.",
        65001: "The app needs consent: sign in and accept, or ask an administrator to grant consent for the tenant.",
        530_003: compliance,
        53000: compliance,
        700_025: "The app is a public client but a secret was sent: remove client_secret from the account.",
        70008: signInAgain,
        700_082: signInAgain,
        50173: "The refresh token was revoked (password change or administrator action); sign in again.",
        50076: mfa,
        50079: mfa,
        70043: mfa,
        50011:
            "The redirect URI does not match the app registration: register redirect_uri exactly (Entra: http://localhost/... under \"Mobile and desktop applications\").",
    ]

    private static let byError: [String: String] = [
        "invalid_grant": "The grant is no longer valid; sign in again.",
        "invalid_client": "The provider rejected the client credentials: check client_id, client_secret and client_auth.",
        "unauthorized_client": "The app is not allowed to use this flow: check the app registration.",
        "invalid_scope": "The provider rejected the scopes: check scopes (or resource) in the account.",
        "consent_required": "The app needs consent: sign in and accept, or ask an administrator.",
        "interaction_required": "The provider needs the person in the browser; sign in again.",
        "login_required": "The provider needs the person in the browser; sign in again.",
        "access_denied": "The sign-in was declined or cancelled in the browser.",
    ]
}
