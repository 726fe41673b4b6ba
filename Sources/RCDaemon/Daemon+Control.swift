import RCJSON

/// `control.sock`: one request line, one reply line.
extension Daemon {
    /// The commands `control.sock` understands.
    static let controlUsage = "expected one of: status, token NAME[.TOKEN] [FORMAT], signin NAME, refresh NAME[.TOKEN]"

    func control(_ line: String, reply: @escaping (String) -> Void) {
        var words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
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
        // `token NAME FORMAT [user=...] [host=...] [port=...]`: the format's words come off
        // first, so that the name is checked as for every other command.
        var format: TokenFormatRequest?
        if command == "token", words.count > 2 {
            switch TokenFormatRequest.parse(Array(words[2...])) {
            case .success(let request): format = request
            case .failure(let problem):
                reply("error: \(problem)")
                return
            }
            words.removeSubrange(2...)
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
        guard let slot = account.slot(named: tokenName), tokenName == nil || command != "signin" else {
            let names = account.slots.dropFirst().map(\.label)
            let known = names.isEmpty ? "it has none" : "it has " + names.joined(separator: ", ")
            let what = command == "signin" ? "a sign-in is per account; use signin \(account.name)" : "no token named \"\(Logger.sanitize(String((tokenName ?? "").prefix(64))))\" in account \(account.name); \(known)"
            reply("error: \(what)")
            return
        }
        switch command {
        case "token":
            if let format, format.format != .raw {
                formattedToken(account, slot, format, reply: reply)
            } else {
                requestToken(label: slot.label, reply: reply)
            }
        case "signin":
            reply(account.signInURL)
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
