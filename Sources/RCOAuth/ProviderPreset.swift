/// The endpoints a preset provider implies, so a config names a tenant instead of two URLs.
public enum ProviderPreset {
    /// Entra's public cloud; national clouds set `authority`.
    public static let defaultEntraAuthority = "https://login.microsoftonline.com"

    /// Authorization and token endpoints and the expected issuer for a preset; nil for
    /// `generic` (its endpoints are configured) and when a required part is missing
    /// (a tenant for Entra, an authority for AD FS).
    ///
    /// The issuer is given only when it is certain: for Entra v2 when the tenant is a GUID (tokens
    /// name the tenant by id, so a domain or `common` does not tell us), never for Entra v1 (its
    /// tokens use a different host), and for AD FS the authority itself.
    public static func endpoints(
        provider: Provider, authority: String?, tenant: String?
    ) -> (authorize: String, token: String, issuer: String?)? {
        switch provider {
        case .generic:
            return nil
        case .entra:
            guard let tenant else { return nil }
            let base = trimmed(authority ?? defaultEntraAuthority) + "/" + tenant
            return (base + "/oauth2/v2.0/authorize", base + "/oauth2/v2.0/token", isGUID(tenant) ? base + "/v2.0" : nil)
        case .entraV1:
            guard let tenant else { return nil }
            let base = trimmed(authority ?? defaultEntraAuthority) + "/" + tenant
            return (base + "/oauth2/authorize", base + "/oauth2/token", nil)
        case .adfs:
            guard let authority else { return nil }
            let base = trimmed(authority)
            return (base + "/oauth2/authorize", base + "/oauth2/token", base)
        }
    }

    /// True for what Entra accepts in the tenant path segment: a GUID, a domain name,
    /// `organizations`, `common` or `consumers`. All are DNS-like labels, and checking that keeps
    /// `/`, `?` and `%` out of the endpoint path.
    public static func isValidTenant(_ tenant: String) -> Bool {
        let labels = tenant.split(separator: ".", omittingEmptySubsequences: false)
        guard tenant.utf8.count <= 253 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        }
    }

    /// True for `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex.
    public static func isGUID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    private static func trimmed(_ authority: String) -> String {
        var text = authority
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
