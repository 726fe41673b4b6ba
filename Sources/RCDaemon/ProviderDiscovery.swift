import RCHTTP
import RCOAuth

/// Fills in the endpoints of an account that names only its `issuer`, from the issuer's
/// metadata: OpenID Connect Discovery first, RFC 8414 second. Runs once, at start-up, before
/// READY=1, so the rest of the daemon sees an account like any other, and the issuer the
/// metadata confirmed becomes the `iss` a sign-in response must carry.
enum ProviderDiscovery {
    /// `settings` with its endpoints discovered, or unchanged when it names them itself.
    static func resolve(
        _ settings: AccountSettings, transport: any MetadataTransport, logger: Logger
    ) throws(ConfigError) -> AccountSettings {
        guard settings.discoversEndpoints, let issuer = settings.issuer else { return settings }
        let path = "accounts.\(settings.name).issuer"
        var misses: [String] = []
        for location in ProviderMetadata.locations(issuer: issuer) {
            let response: HTTPResponseMessage
            switch transport.get(location, caFile: settings.caFile) {
            case .failure(let failure):
                throw ConfigError(path: path, message: "discovery failed: GET \(location): \(failure.description)")
            case .success(let message):
                response = message
            }
            // Not there: the other well-known location may be. A document that is there but
            // wrong is an answer, and not one to look past.
            guard response.status == 200 else {
                misses.append("GET \(location) answered HTTP \(response.status)")
                continue
            }
            let metadata: ProviderMetadata
            do {
                metadata = try ProviderMetadata.parse(response.body, expectedIssuer: issuer)
            } catch {
                throw ConfigError(path: path, message: "discovery failed: \(location): \(error.message)")
            }
            var resolved = settings
            resolved.authorizeURL = metadata.authorizationEndpoint
            resolved.tokenURL = metadata.tokenEndpoint
            resolved.issuer = metadata.issuer
            resolved.discoversEndpoints = false
            if resolved.deviceAuthorizationURL == nil { resolved.deviceAuthorizationURL = metadata.deviceAuthorizationEndpoint }
            if resolved.signInFlow == .deviceCode, resolved.deviceAuthorizationURL == nil {
                throw ConfigError(
                    path: "accounts.\(settings.name).signin_flow",
                    message: "device_code, but \(location) has no device_authorization_endpoint: set device_authorization_url, or use signin_flow browser")
            }
            if metadata.assumesS256 {
                logger.warning(
                    "config_warning",
                    "account \(settings.name): \(location) does not list code_challenge_methods_supported (Entra's metadata never does); "
                        + "using PKCE S256, which a provider without PKCE refuses at the code exchange",
                    account: settings.name, ["METADATA_URL": location])
            }
            logger.info(
                "discovered",
                "account \(settings.name): endpoints from \(location): authorize \(metadata.authorizationEndpoint), token \(metadata.tokenEndpoint)",
                account: settings.name, ["METADATA_URL": location])
            return resolved
        }
        throw ConfigError(
            path: path,
            message: "discovery failed: \(misses.joined(separator: "; ")); check issuer, or set authorize_url and token_url instead")
    }
}
