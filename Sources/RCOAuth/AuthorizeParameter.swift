/// One extra authorization request parameter (`prompt`, `login_hint`, ...), kept in order.
public struct AuthorizeParameter: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
