/// A refusal of refresh grants for one API, as Entra answers when that API alone wants more
/// than the refresh token carries: MFA (AADSTS50076, 50079), a Conditional Access block
/// (53003), missing consent (65001). Other APIs redeemed with the same refresh token still work,
/// which is what lets a test tell "this API wants the person" from "the refresh token is dead".
public struct AudienceRefusal: Sendable, Equatable {
    /// A scope (one of the grant's `scope` words) or a `resource` the refusal is for.
    public var audience: String
    /// The RFC 6749 §5.2 `error`.
    public var error: String
    /// The Entra code, also at the start of the description ("AADSTS50076: ...").
    public var code: Int
    public var message: String
    /// Whether a refresh token from a sign-in that asked for `audience` gets through: the person
    /// met the demand (MFA, consent) in that sign-in. Not so for an unknown resource.
    public var liftedBySignIn: Bool

    public init(audience: String, error: String, code: Int, message: String, liftedBySignIn: Bool = true) {
        self.audience = audience
        self.error = error
        self.code = code
        self.message = message
        self.liftedBySignIn = liftedBySignIn
    }

    /// AADSTS50076: MFA is required for this API.
    public static func mfaRequired(_ audience: String) -> AudienceRefusal {
        AudienceRefusal(
            audience: audience, error: "invalid_grant", code: 50076,
            message: "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '\(audience)'.")
    }

    /// AADSTS65001: the person or an administrator has not consented to this API.
    public static func consentRequired(_ audience: String) -> AudienceRefusal {
        AudienceRefusal(
            audience: audience, error: "invalid_grant", code: 65001,
            message: "The user or administrator has not consented to use the application for '\(audience)'.")
    }

    /// AADSTS500011 as Entra v1 and AD FS answer a resource they do not know; a sign-in cannot help.
    public static func unknownResource(_ audience: String) -> AudienceRefusal {
        AudienceRefusal(
            audience: audience, error: "invalid_resource", code: 500011,
            message: "The resource principal named \(audience) was not found in the tenant.", liftedBySignIn: false)
    }

    /// Whether a grant asking for `scope` and `resource` is for this refusal's API.
    func applies(scope: String?, resource: String?) -> Bool {
        resource == audience || (scope ?? "").split(separator: " ").contains { $0 == audience }
    }
}

/// One `POST /token` request as the provider read it: what a test checks the daemon asked for.
public struct RecordedGrant: Sendable, Equatable {
    public var grantType: String
    public var scope: String?
    public var resource: String?

    public init(grantType: String, scope: String? = nil, resource: String? = nil) {
        self.grantType = grantType
        self.scope = scope
        self.resource = resource
    }
}
