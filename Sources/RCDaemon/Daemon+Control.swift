import RCJSON

/// `control.sock`: one request line, one reply line.
extension Daemon {
    /// The commands `control.sock` understands.
    static let controlUsage = "expected one of: status, token NAME, signin NAME, refresh NAME"

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
        guard let account = accounts[words[1]] else {
            reply("error: no account named \"\(Logger.sanitize(String(words[1].prefix(64))))\"; configured: \(accountOrder.joined(separator: ", "))")
            return
        }
        switch command {
        case "token":
            account.requestToken { answer in
                switch answer {
                case .token(let token): reply(token)
                case .error(let message): reply("error: " + message)
                }
            }
        case "signin":
            reply(account.signInURL)
        default:
            account.forceRefresh { answer in
                switch answer {
                case .token: reply("ok: \(account.name) refreshed")
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
