import RCOAuth

extension AccountContext {
    /// `signin_flow` and `device_authorization_url`: how the person signs in, and where a device
    /// code comes from. A preset derives the endpoint; a generic account names it or discovers it.
    func signInFlow(
        provider: Provider, authority: String?, tenant: String?, discovers: Bool, node: ConfigNode
    ) throws(ConfigError) -> (SignInFlow, String?) {
        var flow = SignInFlow.browser
        if let flowNode = node.member("signin_flow") {
            let text = try flowNode.string()
            guard let value = SignInFlow(rawValue: text) else {
                throw flowNode.error("must be \"browser\" or \"device_code\"")
            }
            flow = value
        }
        var endpoint = ProviderPreset.deviceAuthorizationEndpoint(provider: provider, authority: authority, tenant: tenant)
        if let urlNode = node.member("device_authorization_url") {
            guard provider == .generic else {
                throw urlNode.error("provider \(provider.rawValue) sets this from its tenant and authority: remove it")
            }
            let text = try urlNode.nonEmptyString()
            do {
                try URLPolicy.checkEndpoint(text)
            } catch {
                throw urlNode.error(error.message)
            }
            endpoint = text
        }
        if flow == .deviceCode, endpoint == nil, !discovers {
            throw node.child("device_authorization_url").error(
                "required for signin_flow device_code on a generic account: the provider's device authorization endpoint (RFC 8628), or set only issuer to discover it")
        }
        return (flow, endpoint)
    }
}
