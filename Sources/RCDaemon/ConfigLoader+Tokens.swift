import RCOAuth

/// `tokens`: further access tokens minted from the account's refresh token, each named for
/// its socket (`<account>.<token>.sock`) and asking for its own scopes or resource.
extension AccountContext {
    static let tokenKeys = ["scopes", "resource"]

    mutating func tokens(provider: Provider, node: ConfigNode) throws(ConfigError) -> [ExtraToken] {
        guard let tokensNode = node.member("tokens") else { return [] }
        let object = try tokensNode.object()
        var tokens: [ExtraToken] = []
        for name in object.keys where !ConfigNode.isComment(name) {
            let tokenNode = tokensNode.child(name)
            guard Self.isValidName(name) else {
                throw tokenNode.error("not a valid token name: use 1 to 64 characters from A-Z a-z 0-9 _ - (it becomes part of a socket name)")
            }
            _ = try tokenNode.object(validKeys: Self.tokenKeys)
            let scopes = try self.scopes(node: tokenNode)
            let resource = try tokenNode.member("resource").map { (resourceNode) throws(ConfigError) in try resourceNode.nonEmptyString() }
            try checkTokenAudience(provider: provider, scopes: scopes, resource: resource, node: tokenNode)
            tokens.append(ExtraToken(name: name, scopes: scopes, resource: resource))
        }
        return tokens
    }

    /// Each provider names the API a token is for its own way, as for the account itself.
    private func checkTokenAudience(provider: Provider, scopes: [String], resource: String?, node: ConfigNode) throws(ConfigError) {
        switch provider {
        case .entra:
            if resource != nil {
                throw node.child("resource").error(
                    "entra (v2) uses scopes, not resource: use {\"scopes\": [\"RESOURCE/.default\"]}")
            }
            guard !scopes.isEmpty else {
                throw node.child("scopes").error("required for provider entra, for example [\"https://graph.microsoft.com/.default\"]")
            }
        case .entraV1:
            if node.member("scopes") != nil {
                throw node.child("scopes").error("entra-v1 uses resource, not scopes: use {\"resource\": \"https://...\"}")
            }
            guard resource != nil else {
                throw node.child("resource").error("required for provider entra-v1: the API's App ID URI or URL")
            }
        case .adfs, .generic:
            guard resource != nil || !scopes.isEmpty else {
                throw node.error("set scopes or resource: the token is otherwise the account's own")
            }
        }
    }
}
