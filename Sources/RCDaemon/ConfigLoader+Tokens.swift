import RCOAuth

/// `tokens`: further access tokens minted from the account's refresh token, each named for
/// its socket (`<account>.<token>.sock`) and asking for its own scopes or resource.
extension AccountContext {
    static let tokenKeys = ["scopes", "resource"]

    mutating func tokens(provider: Provider, node: ConfigNode, grant: AccountGrant = .authorizationCode) throws(ConfigError) -> [ExtraToken] {
        guard let tokensNode = node.member("tokens") else { return [] }
        let object = try tokensNode.object()
        var tokens: [ExtraToken] = []
        for name in object.keys where !ConfigNode.isComment(name) {
            let tokenNode = tokensNode.child(name)
            guard TokenLabel.isValidName(name) else {
                throw tokenNode.error("not a valid token name: use 1 to 64 characters from A-Z a-z 0-9 _ - (it becomes part of a socket name)")
            }
            _ = try tokenNode.object(validKeys: Self.tokenKeys)
            let scopes = try self.scopes(node: tokenNode)
            let resource = try tokenNode.member("resource").map { (resourceNode) throws(ConfigError) in try resourceNode.nonEmptyString() }
            if grant == .clientCredentials {
                try checkClientCredentialsAudience(provider: provider, scopes: scopes, resource: resource, node: tokenNode, extra: true)
            }
            try checkAudience(provider: provider, scopes: scopes, resource: resource, node: tokenNode, extra: true)
            tokens.append(ExtraToken(name: name, scopes: scopes, resource: resource))
        }
        return tokens
    }
}
