import RCJSON

/// `control.sock`: one request line, one reply line.
extension Daemon {
    /// The commands `control.sock` understands.
    static let controlUsage = "expected one of: status, token NAME[.TOKEN], signin NAME[.TOKEN], refresh NAME[.TOKEN]"

    func control(_ line: String, reply: @escaping (String) -> Void) {
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let command = words.first else {
            reply("error: empty request; \(Self.controlUsage)")
            return
        }
        if command == "status" && words.count == 1 {
            reply(JSONWriter.write(statusJSON()))
            return
        }
        guard ["token", "signin", "refresh"].contains(command) else {
            reply("error: unknown request \"\(Logger.sanitize(String(line.prefix(40))))\"; \(Self.controlUsage)")
            return
        }
        guard words.count == 2 else {
            reply("error: \(command) needs exactly one account name; \(Self.controlUsage)")
            return
        }
        // `work.graph`: account names cannot contain a dot, so the first one separates the token.
        let parts = words[1].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard let account = accounts[parts[0]] else {
            reply("error: no account named \"\(Logger.sanitize(String(parts[0].prefix(64))))\"; configured: \(accountOrder.joined(separator: ", "))")
            return
        }
        let tokenName = parts.count == 2 ? parts[1] : nil
        guard let slot = account.slot(named: tokenName) else {
            let names = account.slots.dropFirst().map(\.label)
            let known = names.isEmpty ? "it has none" : "it has " + names.joined(separator: ", ")
            let what = "no token named \"\(Logger.sanitize(String((tokenName ?? "").prefix(64))))\" in account \(account.name); \(known)"
            reply("error: \(what)")
            return
        }
        switch command {
        case "token":
            requestToken(label: slot.label, reply: reply)
        case "signin":
            // `signin ACCOUNT.TOKEN`: the sign-in for that token alone, when it needs one.
            reply(account.signInURL(slot))
        default:
            account.forceRefresh(slot) { answer in
                switch answer {
                case .token: reply("ok: \(slot.label) refreshed")
                case .error(let message): reply("error: " + message)
                }
            }
        }
    }

    func statusJSON() -> JSONValue {
        .object(
            JSONObject([
                ("version", .string(Version.current)),
                ("listen", .string("http://localhost:\(port)")),
                ("socket_directory", .string(runtimeDirectory)),
                ("accounts", .array(accountOrder.compactMap { accounts[$0]?.status() })),
            ]))
    }
}
