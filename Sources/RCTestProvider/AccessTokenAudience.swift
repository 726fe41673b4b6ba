/// What a live access token was minted for, so a test can check that each of an account's
/// tokens carries the scope or resource its config asked for.
public struct AccessTokenAudience: Sendable, Equatable {
    public var scope: String?
    public var resource: String?

    public init(scope: String? = nil, resource: String? = nil) {
        self.scope = scope
        self.resource = resource
    }
}
