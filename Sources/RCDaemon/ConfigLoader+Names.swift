import RCJSON

extension ConfigLoader {
    /// The names a person may pass to `token`, `signin` and `refresh`: each account, then each of
    /// its extra tokens as `ACCOUNT.TOKEN`, in the file's order.
    ///
    /// For shell completion, which runs on every Tab: a light pass over the JSON that reads only
    /// the `accounts` keys and their `tokens` keys, never credential or CA files, and contacts
    /// nothing. Names the loader would refuse are left out; an unreadable or malformed file gives
    /// no names rather than an error, so that a broken config never breaks the shell.
    public static func completionNames(path: String) -> [TokenLabel] {
        guard case .success(let file) = readFile(path), let document = try? JSONParser.parse(file.bytes, maxDepth: 16),
            case .object(let root) = document, case .object(let accounts)? = root["accounts"]
        else { return [] }
        var names: [TokenLabel] = []
        for (account, value) in accounts.members where !ConfigNode.isComment(account) && TokenLabel.isValidName(account) && account != "control" {
            names.append(TokenLabel(account: account, token: nil))
            guard case .object(let settings) = value, case .object(let tokens)? = settings["tokens"] else { continue }
            for token in tokens.keys where !ConfigNode.isComment(token) && TokenLabel.isValidName(token) {
                names.append(TokenLabel(account: account, token: token))
            }
        }
        return names
    }
}
