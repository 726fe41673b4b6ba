import Glibc

/// `token NAME FORMAT` on control.sock: the token as a client other than `nc -U` wants it.
extension Daemon {
    /// Replies with the slot's token in `request`'s format, or the same `error:` sentence the
    /// socket would give. The account's `user` is read from the config in force, so a reload
    /// that changes only it applies at once.
    func formattedToken(_ account: Account, _ slot: TokenSlot, _ request: TokenFormatRequest, reply: @escaping (String) -> Void) {
        let accountUser = config.accounts.first { $0.name == account.name }?.user
        if let missing = request.missing(accountUser: accountUser, account: account.name) {
            reply("error: " + missing)
            return
        }
        account.requestToken(slot) { [logger] answer in
            switch answer {
            case .token(let token):
                // Read on the loop thread as the answer arrives: the held token is the one
                // just served, and its wall-clock expiry is what the formats report.
                guard let held = account.state.tokens[slot.index].held, held.value == token else {
                    reply("error: \(slot.label)'s token changed while it was being served; ask again")
                    return
                }
                logger.debug(
                    "token_served", "served \(slot.label)'s access token to a local client as \(request.format.rawValue)",
                    account: account.name, slot.fields)
                reply(request.render(token: token, expiresAt: held.wallExpiry, now: Int64(time(nil)), accountUser: accountUser))
            case .error(let message):
                reply("error: " + message)
            }
        }
    }
}
