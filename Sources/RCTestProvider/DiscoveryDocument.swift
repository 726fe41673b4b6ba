import RCJSON

/// The OpenID Provider Metadata / RFC 8414 document, so tools that discover endpoints can be
/// pointed at the test provider, and so what it enforces is stated where clients look.
enum DiscoveryDocument {
    /// `challengeMethods` nil leaves `code_challenge_methods_supported` out.
    static func make(
        issuer: String, authorizeURL: String, tokenURL: String, deviceAuthorizationURL: String? = nil, challengeMethods: [String]? = ["S256"]
    ) -> JSONValue {
        func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }
        var document = JSONObject([
                ("issuer", .string(issuer)),
                ("authorization_endpoint", .string(authorizeURL)),
                ("token_endpoint", .string(tokenURL)),
                ("response_types_supported", strings(["code"])),
                ("response_modes_supported", strings(["query", "form_post"])),
                ("grant_types_supported", strings(["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"])),
                ("token_endpoint_auth_methods_supported", strings(["none", "client_secret_post", "client_secret_basic", "private_key_jwt"])),
                ("token_endpoint_auth_signing_alg_values_supported", strings(["PS256", "RS256"])),
                ("scopes_supported", strings(["openid", "profile", "offline_access"])),
                ("subject_types_supported", strings(["public"])),
                ("id_token_signing_alg_values_supported", strings(["HS256"])),
                ("authorization_response_iss_parameter_supported", .bool(true)),
            ])
        if let deviceAuthorizationURL { document["device_authorization_endpoint"] = .string(deviceAuthorizationURL) }
        if let challengeMethods { document["code_challenge_methods_supported"] = strings(challengeMethods) }
        return .object(document)
    }
}
