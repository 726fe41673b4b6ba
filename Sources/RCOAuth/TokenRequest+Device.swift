/// The two requests of the device authorization grant (RFC 8628 §3.1, §3.4).
extension TokenRequest {
    /// Asks the device authorization endpoint for a device code and a user code, for the
    /// account's own scopes or resource. Microsoft's endpoints take the client id alone (a
    /// confidential client proves itself on the polls); a generic provider gets the client's
    /// credentials as its token endpoint does (RFC 8628 §3.1).
    public static func deviceAuthorization(account: AccountSettings) -> TokenRequest {
        var body = [("client_id", account.clientID)]
        body += account.audienceParameters(scopes: account.scopes, resource: account.resource)
        guard account.provider == .generic, account.clientAuth != .none else { return TokenRequest(formBody: body) }
        var request = build(account: account, grant: [], verifier: nil, audience: Audience(account: account), assertionClock: .now)
        request.headers.removeAll { $0.0 == throttlingCapability.0 }
        return request
    }

    /// One poll of the token endpoint with `deviceCode`, authenticated as every token request
    /// of the account is. Microsoft's services have taken the code as `code` as well as
    /// `device_code` (MSAL sends both), so their presets send both.
    public static func deviceCode(account: AccountSettings, deviceCode: String) -> TokenRequest {
        Self.deviceCode(account: account, deviceCode: deviceCode, assertionClock: .now)
    }

    static func deviceCode(account: AccountSettings, deviceCode: String, assertionClock: AssertionClock) -> TokenRequest {
        var grant = [("grant_type", DevicePoll.grantType), ("device_code", deviceCode)]
        if account.provider != .generic { grant.append(("code", deviceCode)) }
        // RFC 8628 §3.4: the grant names no scope; the device authorization request did.
        var audience = Audience(account: account)
        audience.scopes = []
        audience.resource = nil
        return build(account: account, grant: grant, verifier: nil, audience: audience, assertionClock: assertionClock)
    }
}
