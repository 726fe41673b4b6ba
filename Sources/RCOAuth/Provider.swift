/// Which family of authorization server an account talks to; decides endpoints and whether
/// the audience is expressed as `scope` or `resource`.
public enum Provider: String, Sendable, CaseIterable {
    /// Any standards-following server; endpoints are configured explicitly.
    case generic
    /// Microsoft Entra ID, v2.0 endpoints: `scope`, never `resource`.
    case entra
    /// Microsoft Entra ID, v1 endpoints: `resource` (Dynamics 365 F&O and older APIs).
    case entraV1 = "entra-v1"
    /// Active Directory Federation Services 2016 and later: `resource` and/or `scope`.
    case adfs
}
