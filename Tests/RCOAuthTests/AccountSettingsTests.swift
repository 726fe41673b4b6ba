import Testing

@testable import RCOAuth

@Suite struct AccountSettingsTests {
    @Test func secretIsNeverPrinted() {
        let account = Fixtures.account(secret: "TOP-SECRET", clientAuth: .secretPost)
        for text in [account.description, account.debugDescription, String(describing: account), String(reflecting: account), "\(account)"] {
            #expect(!text.contains("TOP-SECRET"))
            #expect(text.contains("<redacted>"))
        }
        var dumped = ""
        dump(account, to: &dumped)
        #expect(!dumped.contains("TOP-SECRET"))
        #expect(account.description.contains("my client"))
    }
}
