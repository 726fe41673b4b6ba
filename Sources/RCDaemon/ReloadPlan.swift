import RCOAuth

/// What a reload does to each account, decided by comparing the old and the new config's
/// settings as loaded (before discovery). Any difference (an endpoint, the client or its
/// credentials, scopes, resource, ca_file, redirect_uri, the extra tokens) makes an account
/// `changed`: its tokens were issued under the old settings and go.
struct ReloadPlan: Equatable {
    /// Unchanged: they keep their tokens.
    var kept: [String] = []
    var added: [String] = []
    var changed: [String] = []
    var removed: [String] = []

    init(old: [AccountSettings], new: [AccountSettings]) {
        let before = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let names = Set(new.map(\.name))
        for settings in new {
            switch before[settings.name] {
            case nil: added.append(settings.name)
            case let previous? where Self.signInPart(previous) == Self.signInPart(settings): kept.append(settings.name)
            case _?: changed.append(settings.name)
            }
        }
        removed = old.map(\.name).filter { !names.contains($0) }
    }

    /// The settings that shape a token: all but `user`, which only the token formats read
    /// (from the config in force), so changing it keeps the tokens.
    static func signInPart(_ settings: AccountSettings) -> AccountSettings {
        var settings = settings
        settings.user = nil
        return settings
    }

    /// "1 kept, 1 added, 0 changed, 1 removed".
    var summary: String {
        "\(kept.count) kept, \(added.count) added, \(changed.count) changed, \(removed.count) removed"
    }
}
