import RCJSON
import RCOAuth

/// `control.sock`: one request line, one reply line.
extension Daemon {
    /// The commands `control.sock` understands.
    static let controlUsage =
        "expected one of: status, token NAME[.TOKEN] [FORMAT], signin NAME[.TOKEN] [device], signin-start NAME[.TOKEN], signin-paste ADDRESS, refresh NAME[.TOKEN], rejected NAME[.TOKEN] TOKEN"

    /// How a refused paste's reply begins: nothing was used up, so the person may paste again.
    public static let pasteRefused = "error: the paste was not accepted"

    /// How long a sign-in stays open, in words (`SignInFlows.lifetimeSeconds`), for the lines
    /// that tell the person.
    public static let signInLifetime = "\(Int(SignInFlows.lifetimeSeconds / 60)) minutes"

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
        if command == "signin-paste" {
            // The paste names no account: its state says which sign-in it finishes.
            guard words.count == 2 else {
                reply("error: signin-paste needs the address the browser ended on, as one word; \(Self.controlUsage)")
                return
            }
            pasteSignIn(words[1], reply: reply)
            return
        }
        guard ["token", "signin", "signin-start", "refresh", "rejected"].contains(command) else {
            // The command word only: the rest of a mistyped line (`reject work TOKEN`) may be a token.
            reply("error: unknown request \"\(Logger.sanitize(String(command.prefix(40))))\"; \(Self.controlUsage)")
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
        // `signin NAME device`: a device code sign-in, whatever the account's signin_flow.
        let device = command == "signin" && words.count == 3 && words[2] == "device"
        if device { words.removeLast() }
        // `rejected` carries the refused token after the name; it is never echoed back.
        guard words.count == (command == "rejected" ? 3 : 2) else {
            let what = command == "rejected" ? "an account name and the refused token" : "exactly one account name"
            reply("error: \(command) needs \(what); \(Self.controlUsage)")
            return
        }
        guard let label = TokenLabel(words[1]) else {
            reply("error: \"\(Logger.sanitize(String(words[1].prefix(64))))\" is not NAME or NAME.TOKEN (names are 1 to 64 of A-Z a-z 0-9 _ -); configured: \(accounts.names.joined(separator: ", "))")
            return
        }
        guard let account = accounts[label.account] else {
            reply("error: no account named \"\(label.account)\"; configured: \(accounts.names.joined(separator: ", "))")
            return
        }
        guard let slot = account.slot(named: label.token) else {
            let names = account.slots.dropFirst().map(\.label)
            let known = names.isEmpty ? "it has none" : "it has " + names.joined(separator: ", ")
            let what = "no token named \"\(label.token ?? "")\" in account \(account.name); \(known)"
            reply("error: \(what)")
            return
        }
        switch command {
        case "token":
            if let format, format.format != .raw {
                formattedToken(account, slot, format, reply: reply)
            } else {
                requestToken(label: label, reply: reply)
            }
        case "signin", "signin-start":
            if let refusal = account.signInRefusal {
                reply("error: " + refusal)
                return
            }
            if command == "signin-start" {
                // For a sign-in finished by pasting the redirect: the provider's own URL, in
                // query mode, since a form post never shows in the address bar to be copied.
                reply(beginSignIn(account, slot, token: label.token, how: "for a pasted redirect", responseMode: .query))
                return
            }
            if slot.extra == nil && (device || account.settings.signInFlow == .deviceCode) {
                deviceSignIn(account, reply: reply)
                return
            }
            if device {
                reply("error: a device code sign-in is for the account as a whole: signin \(account.name) device")
                return
            }
            // `signin ACCOUNT.TOKEN`: the sign-in for that token alone, when it needs one.
            reply(account.signInURL(slot))
        case "rejected":
            account.rejected(slot, reported: words[2]) { answer in
                switch answer {
                case .token(let token): reply(token)
                case .error(let message): reply("error: " + message)
                }
            }
        default:
            account.forceRefresh(slot) { answer in
                switch answer {
                case .token: reply("ok: \(slot.label) refreshed")
                case .error(let message): reply("error: " + message)
                }
            }
        }
    }

    /// Finishes a sign-in from the address the browser ended on, pasted on this machine, as
    /// the browser's own redirect would: a refused paste uses nothing up, so the pending
    /// sign-in still works and the paste can be tried again. The paste is never logged.
    func pasteSignIn(_ text: String, reply: @escaping (String) -> Void) {
        let query: String
        switch PastedRedirect.query(text, callbackPaths: accounts.callbackPaths) {
        case .success(let found): query = found
        case .failure(let problem):
            reply("\(Self.pasteRefused): \(problem.reason)")
            return
        }
        handleCallback(query) { verdict in
            switch verdict {
            case .rejected(let reason):
                reply("\(Self.pasteRefused) because \(reason); no code was redeemed, and a sign-in in progress still awaits its response")
            case .alreadyComplete(let account):
                reply("error: this sign-in to \(account) was already handled (by the browser or an earlier paste); nothing more was redeemed")
            case .finished(let label, .signedIn):
                reply("ok: signed in to \(label)")
            case .finished(let label, .failed(let summary, let advice)):
                let more = advice.map { "; " + $0 } ?? ""
                reply("error: signing in to \(label) did not succeed; the provider said: \(Logger.sanitize(summary))\(more)")
            }
        }
    }

    func statusJSON() -> JSONValue {
        .object(
            JSONObject([
                ("version", .string(Version.current)),
                ("listen", .string("http://localhost:\(port)")),
                ("socket_directory", .string(runtimeDirectory)),
                ("accounts", .array(accounts.accounts.map { $0.status() })),
            ]))
    }
}
