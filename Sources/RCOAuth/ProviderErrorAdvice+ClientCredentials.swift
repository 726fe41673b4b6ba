/// Advice for a refused client credentials grant. The codes are the sign-in flow's, but the fix
/// differs: no person can sign in, so "sign in again" helps nobody, and the registration must
/// hold a credential and application permissions with admin consent.
extension ProviderErrorAdvice {
    /// The advice for the first code (or, failing that, the RFC error) known for this grant; then
    /// the general advice unless it sends a person to sign in; nil otherwise.
    public static func clientCredentialsAdvice(for codes: [ProviderErrorCode], error: String?) -> String? {
        for code in codes {
            if let text = clientCredentialsByCode[code] { return text }
        }
        if let error, let text = clientCredentialsByError[error] { return text }
        for code in codes where personal.contains(code) { return nil }
        return advice(for: codes, error: error)
    }

    /// Codes whose general advice asks a person to sign in or to register a public client.
    private static let personal: Set<ProviderErrorCode> = [
        .aadsts(70008), .aadsts(700_082), .aadsts(50173), .aadsts(50076), .aadsts(50079), .aadsts(70043), .aadsts(700_025),
        .aadsts(50011), .aadsts(9_002_327), .msis(9612), .msis(9614), .msis(9615), .msis(9224),
    ]

    private static let clientCredentialsByCode: [ProviderErrorCode: String] = [
        .aadsts(7_000_218):
            "Entra received no client secret or assertion: set client_secret, client_secret_file, or client_certificate_file and client_key_file for this account.",
        .aadsts(700_025):
            "The app is registered as a public client, which cannot use client credentials: set \"Allow public client flows\" to No and add a secret or certificate under \"Certificates & secrets\".",
        .aadsts(1_002_012):
            "Client credentials take one scope, the API's identifier followed by /.default, such as https://contoso.operations.dynamics.com/.default.",
        .aadsts(70011):
            "Client credentials take one scope, the API's identifier followed by /.default, such as https://contoso.operations.dynamics.com/.default.",
        .aadsts(500_011):
            "The tenant has no service principal for the API: check the host in the .default scope (or resource), and have an administrator consent to the app's application permissions for that API.",
        .aadsts(65001):
            "The app's application permissions lack admin consent: an administrator must select \"Grant admin consent\" under API permissions.",
        .aadsts(7_000_112): "The app is disabled in the tenant: an administrator must enable its enterprise application.",
        .aadsts(700_016):
            "No app with this client_id exists in this tenant: check tenant and client_id (Application (client) ID on the app's Overview page).",
    ]

    private static let clientCredentialsByError: [String: String] = [
        "invalid_grant":
            "The provider refused the application's credential: check client_id and the secret or certificate registered for the app (no person can sign in for it).",
        "unauthorized_client":
            "The app may not use client credentials: in Entra, check the client_id and tenant; in AD FS, register it as a server application with client credentials and permit it for the resource.",
        "invalid_scope":
            "On entra, client credentials take one scope, the API's identifier followed by /.default (https://HOST/.default); on entra-v1 and adfs, set resource instead.",
        "consent_required": "The app's application permissions lack admin consent: an administrator must grant it under API permissions.",
        "interaction_required":
            "The provider asked for a person, but client credentials have none: check Conditional Access policies for workload identities and the app's permissions.",
    ]
}
