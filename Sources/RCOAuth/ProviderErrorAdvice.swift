/// One sentence of advice for well-known provider errors, for logs and the browser page: the
/// cause and the fix.
///
/// Entra's and AD FS's descriptions name the problem but rarely the fix, and the fix is usually
/// in the app registration or on the AD FS server, far from this machine; saying where to click
/// (or which cmdlet to run) saves a support round trip.
public enum ProviderErrorAdvice {
    /// Advice for the first code (or, failing that, the RFC error) this type knows; nil otherwise.
    public static func advice(for codes: [ProviderErrorCode], error: String?) -> String? {
        for code in codes {
            if let text = byCode[code] { return text }
        }
        guard let error else { return nil }
        return byError[error]
    }

    /// The codes after each "AADSTS" or "MSIS" in `text`, in order, without repeats: Entra v1,
    /// AD FS and the authorization error response carry codes only inside `error_description`.
    public static func codes(in text: String) -> [ProviderErrorCode] {
        var found: [(index: String.Index, code: ProviderErrorCode)] = []
        for (prefix, make) in [("AADSTS", ProviderErrorCode.aadsts), ("MSIS", ProviderErrorCode.msis)] {
            var rest = Substring(text)
            while let match = rest.firstRange(of: prefix) {
                let digits = rest[match.upperBound...].prefix(while: { $0.isASCII && $0.isNumber }).prefix(9)
                if let number = Int(digits) { found.append((match.lowerBound, make(number))) }
                rest = rest[match.upperBound...]
            }
        }
        var codes: [ProviderErrorCode] = []
        for entry in found.sorted(by: { $0.index < $1.index }) where !codes.contains(entry.code) {
            codes.append(entry.code)
        }
        return codes
    }

    /// The advice when the provider's certificate did not verify against the account's
    /// `ca_file` (without one, the TLS layer's own message already says to set it).
    public static func certificateVerificationFailed(caFile: String) -> String {
        "check that ca_file \(caFile) holds the CA that issued the provider's certificate (PEM), and that the token URL's host name is one the certificate names"
    }

    private static let signInAgain = "The refresh token has expired; sign in again."
    private static let mfa = "The provider requires a fresh sign-in (MFA or sign-in frequency policy); sign in again in the browser."
    private static let compliance =
        "Conditional Access requires a compliant or managed device; a browser sign-in on this machine cannot fix it: ask your administrator, quoting the correlation id."
    private static let adfsUnknownClient =
        "AD FS does not know this client_id: compare client_id with the ClientId that Get-AdfsNativeClientApplication (or Get-AdfsServerApplication) shows on the AD FS server."
    private static let adfsNoPermission =
        "AD FS does not let this client use the resource: on the AD FS server run Grant-AdfsApplicationPermission -ClientRoleIdentifier CLIENT_ID -ServerRoleIdentifier RESOURCE -ScopeNames openid, or check resource."

    private static let byCode: [ProviderErrorCode: String] = [
        .aadsts(7_000_218):
            "The app is registered as a Web app, so Entra wants a secret: in the app registration add a \"Mobile and desktop applications\" platform with redirect http://localhost and set \"Allow public client flows\" to Yes (or configure client_secret or a certificate).",
        .aadsts(9_002_327):
            "The redirect URI is registered as a Single-page application, which only browsers may redeem: register http://localhost/... under \"Mobile and desktop applications\" instead.",
        .aadsts(700_016):
            "No app with this client_id exists in this tenant: check tenant and client_id (Application (client) ID on the app's Overview page), or have an administrator add the app to the tenant.",
        .aadsts(65001):
            "The app has no consent for the requested permissions: sign in and accept, or ask an administrator to grant admin consent under API permissions.",
        .aadsts(530_003): compliance,
        .aadsts(53000): compliance,
        .aadsts(700_025):
            "The app is registered as a public client, which may not send a secret: remove client_secret (and client_auth) from the account.",
        .aadsts(70008): signInAgain,
        .aadsts(700_082): signInAgain,
        .aadsts(50173): "The refresh token was revoked (password change or administrator action); sign in again.",
        .aadsts(50076): mfa,
        .aadsts(50079): mfa,
        .aadsts(70043): mfa,
        .aadsts(50011):
            "The redirect URI does not match the app registration: register redirect_uri exactly (Entra: http://localhost/... under \"Mobile and desktop applications\").",
        .aadsts(700_027):
            "Entra could not verify the client assertion: upload this certificate (the .crt, not the key) under \"Certificates & secrets\" and check that client_certificate_file and client_key_file belong together.",
        .aadsts(7_000_215): "The client secret is wrong: copy the secret's Value (not its ID) from \"Certificates & secrets\" into client_secret.",
        .aadsts(7_000_222): "The client secret has expired: create a new one under \"Certificates & secrets\" and update client_secret.",
        .msis(9223): adfsUnknownClient,
        .msis(9607): adfsUnknownClient,
        .msis(9224):
            "AD FS matches redirect URIs exactly, port included: register redirect_uri with Set-AdfsNativeClientApplication -RedirectUri (for example http://localhost:8400/callback) or make redirect_uri and listen.port match the registration.",
        .msis(9622):
            "AD FS refused the client's credentials: check client_secret (or the certificate registered for the client) and client_auth.",
        .msis(9612): "AD FS refused the authorization code (expired, already used, or for another redirect_uri); sign in again.",
        .msis(9614): "AD FS no longer accepts the refresh token; sign in again.",
        .msis(9615): "The AD FS refresh token has expired (see its SSO lifetime settings); sign in again.",
        .msis(9321): adfsNoPermission,
        .msis(9605): adfsNoPermission,
    ]

    private static let byError: [String: String] = [
        "invalid_grant": "The grant is no longer valid; sign in again.",
        "invalid_client": "The provider rejected the client credentials: check client_id, client_secret or the certificate, and client_auth.",
        "unauthorized_client": "The app is not allowed to use this flow: check the app registration.",
        "invalid_scope": "The provider rejected the scopes: check scopes (or resource) in the account.",
        "invalid_resource":
            "The provider does not know the resource: check the resource key of the account (or of the token under tokens) against the API's identifier.",
        "consent_required": "The app needs consent: sign in and accept, or ask an administrator.",
        "interaction_required": "The provider needs the person in the browser; sign in again.",
        "login_required": "The provider needs the person in the browser; sign in again.",
        "access_denied": "The sign-in was declined or cancelled in the browser.",
    ]
}
