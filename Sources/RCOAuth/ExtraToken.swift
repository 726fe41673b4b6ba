/// A further access token minted from an account's refresh token, for another API than the
/// one the person signed in for (`tokens` in the config): Entra issues one refresh token that
/// redeems for every resource the app has consent for, so one sign-in can feed several sockets.
public struct ExtraToken: Sendable, Equatable {
    /// The part after the dot in `<account>.<token>.sock`.
    public var name: String
    /// Sent as `scope` in the refresh grant (Entra v2, AD FS, generic).
    public var scopes: [String]
    /// Sent as `resource` in the refresh grant (Entra v1, AD FS).
    public var resource: String?

    public init(name: String, scopes: [String] = [], resource: String? = nil) {
        self.name = name
        self.scopes = scopes
        self.resource = resource
    }
}
