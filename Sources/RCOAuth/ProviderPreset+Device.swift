extension ProviderPreset {
    /// The device authorization endpoint a preset implies: Entra v2
    /// `{authority}/{tenant}/oauth2/v2.0/devicecode`, Entra v1 `.../oauth2/devicecode` (which
    /// takes `resource`), AD FS 2019 and later `{authority}/oauth2/devicecode`; nil for `generic`
    /// (configured or discovered) and when a required part is missing.
    public static func deviceAuthorizationEndpoint(provider: Provider, authority: String?, tenant: String?) -> String? {
        guard let endpoints = endpoints(provider: provider, authority: authority, tenant: tenant) else { return nil }
        // Each preset's token endpoint ends in /token, beside /devicecode.
        guard endpoints.token.hasSuffix("/token") else { return nil }
        return String(endpoints.token.dropLast("/token".count)) + "/devicecode"
    }
}
