import RCHTTP

/// The daemon's accounts in the config's order: the one collection that says which accounts
/// there are, in which order `status` lists them, and which paths are callbacks. Nothing else
/// keeps a list of names or paths beside it, so nothing falls out of step at a reload.
struct AccountTable {
    private struct Entry {
        let account: Account
        /// The path of the account's redirect URI, parsed once when the account is added (the
        /// settings of an account never change: a reload that changes them makes a new one).
        let callbackPath: String?
    }

    private var entries: [Entry] = []
    private var index: [String: Int] = [:]

    /// The account named `name`, if configured.
    subscript(name: String) -> Account? { index[name].map { entries[$0].account } }

    /// Account names, in the config's order.
    var names: [String] { entries.map(\.account.name) }

    var accounts: [Account] { entries.map(\.account) }

    var count: Int { entries.count }

    /// Whether `path` is one of the configured redirect URIs' paths.
    func isCallbackPath(_ path: String) -> Bool { entries.contains { $0.callbackPath == path } }

    var callbackPaths: Set<String> { Set(entries.compactMap(\.callbackPath)) }

    /// Adds `account` at the end, or puts it in the place of the one with its name.
    mutating func insert(_ account: Account) {
        let entry = Entry(account: account, callbackPath: try? WebURL.parse(account.settings.redirectURI).path)
        if let position = index[account.name] {
            entries[position] = entry
        } else {
            index[account.name] = entries.count
            entries.append(entry)
        }
    }

    /// Takes `name` out, and returns it.
    @discardableResult
    mutating func remove(_ name: String) -> Account? {
        guard let position = index[name] else { return nil }
        let removed = entries.remove(at: position)
        reindex()
        return removed.account
    }

    /// Puts the accounts in the order of `names`; those not named go. Used after a reload, so
    /// `status` lists the accounts as the new config does.
    mutating func reorder(_ names: [String]) {
        entries = names.compactMap { name in index[name].map { entries[$0] } }
        reindex()
    }

    private mutating func reindex() {
        index = Dictionary(entries.enumerated().map { ($1.account.name, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
