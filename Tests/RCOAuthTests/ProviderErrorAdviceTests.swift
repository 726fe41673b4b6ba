import Testing

@testable import RCOAuth

@Suite struct ProviderErrorAdviceTests {
    @Test func knownCodes() {
        #expect(ProviderErrorAdvice.advice(for: [7_000_218], error: "invalid_client")?.contains("Mobile and desktop applications") == true)
        #expect(ProviderErrorAdvice.advice(for: [9_002_327], error: nil)?.contains("Single-page") == true)
        #expect(ProviderErrorAdvice.advice(for: [700_025], error: nil)?.contains("remove client_secret") == true)
        #expect(ProviderErrorAdvice.advice(for: [530_003], error: nil)?.contains("cannot fix") == true)
        #expect(ProviderErrorAdvice.advice(for: [50011], error: nil)?.contains("redirect URI") == true)
        for code in [700_016, 65001, 53000, 70008, 700_082, 50173, 50076, 50079, 70043] {
            #expect(ProviderErrorAdvice.advice(for: [code], error: nil) != nil, "\(code)")
        }
    }

    @Test func fallsBackToErrorThenNil() {
        #expect(ProviderErrorAdvice.advice(for: [1], error: "invalid_scope")?.contains("scopes") == true)
        #expect(ProviderErrorAdvice.advice(for: [1, 50173], error: nil)?.contains("revoked") == true)
        #expect(ProviderErrorAdvice.advice(for: [], error: "weird") == nil)
    }

    @Test func codesFromText() {
        #expect(ProviderErrorAdvice.codes(in: "AADSTS50011: redirect mismatch. AADSTS50011 AADSTS7000218x") == [50011, 7_000_218])
        #expect(ProviderErrorAdvice.codes(in: "AADSTS: none, MSIS9612") == [])
    }
}
