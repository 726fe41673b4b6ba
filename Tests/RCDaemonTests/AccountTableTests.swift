import RCOAuth
import Testing

@testable import RCDaemon

/// The daemon's one collection of accounts: order, replacement, removal, and the callback
/// paths that derive from it.
@Suite struct AccountTableTests {
    let scheduler = ManualScheduler()
    let endpoint = ScriptedEndpoint()

    func account(_ name: String, redirect: String = "http://localhost:8400/callback") -> Account {
        let settings = AccountSettings(
            name: name, provider: .generic, authorizeURL: "https://sso.example.com/authorize", tokenURL: "https://sso.example.com/token",
            clientID: "cli", scopes: ["api"], redirectURI: redirect)
        return Account(
            settings: settings, signInURL: "http://localhost:8400/signin/\(name)", scheduler: scheduler, endpoint: endpoint,
            logger: Logger(minimumLevel: .error, sink: MemoryLogSink()))
    }

    @Test func accountsKeepTheOrderTheyCameInAndAReplacementKeepsItsPlace() {
        var table = AccountTable()
        let first = account("b")
        table.insert(first)
        table.insert(account("a"))
        table.insert(account("c"))
        #expect(table.names == ["b", "a", "c"])
        let replacement = account("b", redirect: "http://localhost:8400/other")
        table.insert(replacement)
        #expect(table.names == ["b", "a", "c"])
        #expect(table["b"] === replacement)
        #expect(table["zz"] == nil)
    }

    @Test func removalAndReorderKeepTheIndexTrue() {
        var table = AccountTable()
        for name in ["a", "b", "c", "d"] { table.insert(account(name)) }
        #expect(table.remove("b")?.name == "b")
        #expect(table.remove("b") == nil)
        #expect(table.names == ["a", "c", "d"])
        #expect(table["d"]?.name == "d", "the index still points at d after the removal before it")
        table.reorder(["d", "x", "a"])
        #expect(table.names == ["d", "a"], "reorder follows the new config and drops what it does not name")
        #expect(table["c"] == nil)
        #expect(table["a"]?.name == "a" && table.count == 2)
    }

    @Test func callbackPathsComeFromTheAccountsThemselves() {
        var table = AccountTable()
        table.insert(account("a"))
        table.insert(account("b", redirect: "http://127.0.0.1:8400/auth/done"))
        #expect(table.callbackPaths == ["/callback", "/auth/done"])
        #expect(table.isCallbackPath("/auth/done") && !table.isCallbackPath("/auth"))
        table.remove("b")
        #expect(!table.isCallbackPath("/auth/done"), "a removed account's path is no callback any more")
    }
}
