import RCOAuth
import Testing

@testable import RCDaemon

/// `signin_flow` and `device_authorization_url`, and the combinations check-config refuses.
extension ConfigLoaderTests {
    @Test func deviceCodeOnEachPresetDerivesTheEndpoint() throws {
        let entra = try parse(oneAccount(Self.entra + #", "signin_flow": "device_code""#)).accounts[0]
        #expect(entra.signInFlow == .deviceCode)
        #expect(entra.deviceAuthorizationURL == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/devicecode")
        let adfs = try parse(oneAccount(#""provider": "adfs", "authority": "https://adfs.contoso.com/adfs", "client_id": "c", "resource": "urn:x", "signin_flow": "device_code""#)).accounts[0]
        #expect(adfs.deviceAuthorizationURL == "https://adfs.contoso.com/adfs/oauth2/devicecode")
        // The default is the browser; the endpoint is known all the same, for `signin NAME --device`.
        let browser = try parse(oneAccount(Self.entra)).accounts[0]
        #expect(browser.signInFlow == .browser && browser.deviceAuthorizationURL != nil)
        // A confidential client on Entra is fine: its credential goes on the polls.
        let confidential = try parse(oneAccount(Self.entra + #", "client_secret": "s", "signin_flow": "device_code""#)).accounts[0]
        #expect(confidential.signInFlow == .deviceCode && confidential.clientSecret == "s")
    }

    @Test func aGenericAccountNamesOrDiscoversItsEndpoint() throws {
        let named = try parse(
            oneAccount(Self.generic + #", "signin_flow": "device_code", "device_authorization_url": "https://sso.example.com/device""#)
        ).accounts[0]
        #expect(named.deviceAuthorizationURL == "https://sso.example.com/device")
        let discovered = try parse(oneAccount(#""issuer": "https://sso.example.com", "client_id": "c", "signin_flow": "device_code""#)).accounts[0]
        #expect(discovered.signInFlow == .deviceCode && discovered.deviceAuthorizationURL == nil && discovered.discoversEndpoints)
        expectError(
            oneAccount(Self.generic + #", "signin_flow": "device_code""#), path: "accounts.a.device_authorization_url",
            message:
                "required for signin_flow device_code on a generic account: the provider's device authorization endpoint (RFC 8628), or set only issuer to discover it"
        )
    }

    @Test func badValuesAndCombinations() {
        expectError(oneAccount(Self.entra + #", "signin_flow": "device""#), path: "accounts.a.signin_flow", message: "must be \"browser\" or \"device_code\"")
        expectError(
            oneAccount(Self.entra + #", "device_authorization_url": "https://x.example/device""#), path: "accounts.a.device_authorization_url",
            message: "provider entra sets this from its tenant and authority: remove it")
        expectError(
            oneAccount(Self.generic + #", "device_authorization_url": "http://sso.example.com/device""#), path: "accounts.a.device_authorization_url",
            message: "not an https URL (plain http is allowed only on a loopback host)")
    }
}
