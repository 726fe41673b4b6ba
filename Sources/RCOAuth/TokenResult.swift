/// What a token endpoint answered: tokens, or an error the daemon can act on.
public enum TokenResult: Sendable, Equatable {
    case success(TokenGrant)
    case failure(TokenError)
}
