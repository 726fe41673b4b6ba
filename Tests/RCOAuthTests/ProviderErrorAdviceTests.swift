import Testing

@testable import RCOAuth

@Suite struct ProviderErrorAdviceTests {
    /// The errors issue 4 names, each with what its advice must say: the cause, and where the
    /// fix is (a portal blade, a config key, an AD FS cmdlet). Descriptions are the shapes the
    /// providers send: Entra with `error_codes`, AD FS with MSIS codes in the text only.
    static let table: [(description: String, error: String, mustSay: [String])] = [
        ("AADSTS7000218: The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
         "invalid_client", ["registered as a Web app", "Mobile and desktop applications", "Allow public client flows"]),
        ("AADSTS9002327: Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.",
         "invalid_request", ["Single-page application", "Mobile and desktop applications"]),
        ("AADSTS700016: Application with identifier 'x' was not found in the directory 'contoso'.",
         "unauthorized_client", ["client_id", "tenant"]),
        ("AADSTS65001: The user or administrator has not consented to use the application.",
         "invalid_grant", ["consent", "API permissions"]),
        ("AADSTS530003: Your device is required to be managed to access this resource.",
         "interaction_required", ["managed device", "cannot fix", "correlation id"]),
        ("AADSTS53000: Device is not in required device state: compliant.",
         "interaction_required", ["compliant", "cannot fix"]),
        ("AADSTS700025: Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
         "invalid_client", ["public client", "remove client_secret"]),
        ("AADSTS700027: Client assertion failed signature validation.",
         "invalid_client", ["Certificates & secrets", "client_certificate_file", "client_key_file"]),
        ("MSIS9223: Received invalid OAuth authorization request. The received 'client_id' is invalid as no registered client was found with this client identifier.",
         "invalid_request", ["AD FS", "client_id", "Get-AdfsNativeClientApplication"]),
        ("MSIS9224: Received invalid OAuth authorization request. The received 'redirect_uri' parameter is not a valid registered redirect URI for the client identifier: 'x'.",
         "invalid_request", ["port included", "Set-AdfsNativeClientApplication -RedirectUri", "redirect_uri"]),
        ("MSIS9607: The 'client_id' parameter in the request is invalid. No registered client is found with this identifier.",
         "invalid_client", ["Get-AdfsNativeClientApplication"]),
        ("MSIS9622: Client authentication failed. Please verify the credential provided for client authentication is valid.",
         "invalid_client", ["client_secret", "certificate"]),
        ("MSIS9612: The authorization code received in 'code' parameter is invalid.",
         "invalid_grant", ["authorization code", "sign in again"]),
        ("MSIS9615: The refresh token received in 'refresh_token' parameter has expired.",
         "invalid_grant", ["expired", "sign in again"]),
        ("MSIS9321: Received invalid OAuth request. The client 'x' is forbidden to access the resource 'y'.",
         "unauthorized_client", ["Grant-AdfsApplicationPermission", "resource"]),
    ]

    @Test(arguments: table.indices)
    func adviceNamesCauseAndFix(_ index: Int) throws {
        let row = Self.table[index]
        let codes = ProviderErrorAdvice.codes(in: row.description)
        #expect(codes.count == 1, "\(codes)")
        let advice = try #require(ProviderErrorAdvice.advice(for: codes, error: row.error), "\(row.description)")
        for phrase in row.mustSay {
            #expect(advice.contains(phrase), "advice for \(codes) lacks \"\(phrase)\": \(advice)")
        }
        // The code-specific advice wins over the generic advice for the RFC error.
        #expect(advice != ProviderErrorAdvice.advice(for: [], error: row.error))
    }

    @Test func theRefreshFamilyHasAdviceToo() {
        for code: ProviderErrorCode in [70008, 700_082, 50173, 50076, 50079, 70043, 50011, 7_000_215, 7_000_222, .msis(9614), .msis(9605)] {
            #expect(ProviderErrorAdvice.advice(for: [code], error: nil) != nil, "\(code)")
        }
    }

    @Test func fallsBackToErrorThenNil() {
        #expect(ProviderErrorAdvice.advice(for: [1], error: "invalid_scope")?.contains("scopes") == true)
        #expect(ProviderErrorAdvice.advice(for: [1, 50173], error: nil)?.contains("revoked") == true)
        #expect(ProviderErrorAdvice.advice(for: [.msis(1)], error: "invalid_client")?.contains("certificate") == true)
        #expect(ProviderErrorAdvice.advice(for: [], error: "weird") == nil)
    }

    @Test func codesFromText() {
        #expect(ProviderErrorAdvice.codes(in: "AADSTS50011: redirect mismatch. AADSTS50011 AADSTS7000218x") == [50011, 7_000_218])
        #expect(ProviderErrorAdvice.codes(in: "AADSTS: none, MSIS") == [])
        #expect(ProviderErrorAdvice.codes(in: "MSIS9612: bad code; see AADSTS70008 and MSIS9612") == [.msis(9612), 70008])
    }

    @Test func codesReadAsTheyAreLogged() {
        #expect([ProviderErrorCode.aadsts(70008), .msis(9612)].map(String.init) == ["70008", "MSIS9612"])
        #expect(ProviderErrorCode("MSIS9224") == .msis(9224))
        #expect(ProviderErrorCode("700016") == .aadsts(700_016))
        #expect(ProviderErrorCode("MSISx") == nil)
    }

    /// With a `ca_file`, a certificate that does not verify names the file to check; without
    /// one, the TLS layer's message says to set it (see RCCryptoTests' TLSFailureTests).
    @Test func certificateVerificationNamesCAFile() {
        let advice = ProviderErrorAdvice.certificateVerificationFailed(caFile: "/etc/ssl/adfs-ca.pem")
        #expect(advice.contains("ca_file /etc/ssl/adfs-ca.pem"))
        #expect(advice.contains("CA that issued the provider's certificate"))
    }
}
