import RCJSON

/// Why an issuer's metadata cannot be used, in one sentence that follows "discovery failed: ".
public struct ProviderMetadataError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// An issuer's endpoints as its metadata document states them (OpenID Connect Discovery 1.0
/// §3, RFC 8414 §2), accepted only when the document is about the issuer the account names
/// and the provider can do what the daemon always does: the code flow with PKCE S256.
public struct ProviderMetadata: Sendable, Equatable {
    public var issuer: String
    public var authorizationEndpoint: String
    public var tokenEndpoint: String
    /// True when the document does not say which PKCE methods the provider supports, and S256
    /// is assumed: Entra's metadata leaves `code_challenge_methods_supported` out although
    /// Entra supports S256. A provider that really has no PKCE refuses at the code exchange.
    public var assumesS256: Bool
    /// `device_authorization_endpoint` (RFC 8628 §4), when the provider offers the device flow.
    public var deviceAuthorizationEndpoint: String?

    public init(
        issuer: String, authorizationEndpoint: String, tokenEndpoint: String, assumesS256: Bool = false, deviceAuthorizationEndpoint: String? = nil
    ) {
        self.deviceAuthorizationEndpoint = deviceAuthorizationEndpoint
        self.issuer = issuer
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.assumesS256 = assumesS256
    }

    /// Where to look, in order. OpenID Connect Discovery §4 appends the well-known path to the
    /// issuer; RFC 8414 §3.1 inserts it between the host and the issuer's path, with any
    /// final `/` removed. For an issuer without a path the two differ only in their name.
    public static func locations(issuer: String) -> [String] {
        var base = Substring(issuer)
        while base.hasSuffix("/") { base = base.dropLast() }
        let openID = base + "/.well-known/openid-configuration"
        guard let authority = ConfiguredURL.authorityRange(in: base) else { return [String(openID)] }
        let oauth = base[..<authority.upperBound] + "/.well-known/oauth-authorization-server" + base[authority.upperBound...]
        return [String(openID), String(oauth)]
    }

    /// Parses and checks a metadata document fetched for `expectedIssuer`.
    public static func parse(_ body: [UInt8], expectedIssuer: String) throws(ProviderMetadataError) -> ProviderMetadata {
        let document: JSONValue
        do {
            document = try JSONParser.parse(body, maxDepth: 16)
        } catch {
            throw ProviderMetadataError("the metadata is not JSON: \(error)")
        }
        guard let object = document.objectValue else {
            throw ProviderMetadataError("the metadata is \(document.typeName), not a JSON object")
        }
        func string(_ key: String) throws(ProviderMetadataError) -> String {
            guard let text = object[key]?.stringValue, !text.isEmpty else {
                throw ProviderMetadataError("the metadata has no \(key)")
            }
            return text
        }
        // OpenID Connect Discovery §4.3, RFC 8414 §3.3: identical, or an attacker's document
        // (or a mix-up between tenants) could redirect where codes and tokens go.
        let issuer = try string("issuer")
        guard issuer == expectedIssuer else {
            throw ProviderMetadataError("the metadata is for issuer \(issuer), not \(expectedIssuer); set issuer to exactly the provider's issuer")
        }
        var endpoints: [String] = []
        for key in ["authorization_endpoint", "token_endpoint"] {
            let url = try string(key)
            do {
                try URLPolicy.checkEndpoint(url)
            } catch {
                throw ProviderMetadataError("\(key) \(url): \(error.message)")
            }
            endpoints.append(url)
        }
        // Optional; when present it must be an endpoint the daemon would send a client id to.
        var device: String?
        if let text = object["device_authorization_endpoint"]?.stringValue, !text.isEmpty {
            do {
                try URLPolicy.checkEndpoint(text)
            } catch {
                throw ProviderMetadataError("device_authorization_endpoint \(text): \(error.message)")
            }
            device = text
        }
        if let types = object["response_types_supported"]?.arrayValue, !types.contains(.string("code")) {
            throw ProviderMetadataError("the provider does not offer the authorization code flow (response_types_supported has no \"code\")")
        }
        // RFC 8414 §2 reads an absent member as "no PKCE", but Entra, which supports S256, leaves
        // it out: absent, S256 is assumed (the daemon sends it whatever the document says, and a
        // provider without PKCE fails the code exchange). A list that is there and lacks S256 is
        // the provider's own word, and the daemon never downgrades.
        guard let listed = object["code_challenge_methods_supported"] else {
            return ProviderMetadata(issuer: issuer, authorizationEndpoint: endpoints[0], tokenEndpoint: endpoints[1], assumesS256: true, deviceAuthorizationEndpoint: device)
        }
        let methods = listed.arrayValue ?? []
        guard methods.contains(.string("S256")) else {
            let names = methods.compactMap(\.stringValue)
            let detail = names.isEmpty ? "it lists none" : "it lists only " + names.joined(separator: ", ")
            throw ProviderMetadataError(
                "the provider does not advertise PKCE S256 in code_challenge_methods_supported (\(detail)); redirect-catcher always uses PKCE S256")
        }
        return ProviderMetadata(issuer: issuer, authorizationEndpoint: endpoints[0], tokenEndpoint: endpoints[1], deviceAuthorizationEndpoint: device)
    }
}
