import Glibc
import RCOAuth

/// The config file the text came from and its mode, for the inline `client_secret` check.
struct ConfigFile {
    let path: String
    let mode: mode_t
}

/// Findings that do not stop the daemon but would cost a new user their first hour: the
/// example's placeholders left in place (the sign-in fails at the provider with a message that
/// does not point back here), an Entra client id that cannot be one, and a secret that other
/// users can read. They become ``Config/warnings``, which `check-config` prints and `run` logs.
extension AccountContext {
    /// The all-zero GUID config.example.json ships as its client id.
    static let exampleClientID = "00000000-0000-0000-0000-000000000000"

    /// Warns about every placeholder in the account, by key path. The value is shown so the
    /// user can search for it, except in `client_secret`, which is never printed.
    mutating func warnAboutPlaceholders(in node: ConfigNode, key: String) {
        switch node.value {
        case .string(let text):
            guard let found = Self.placeholder(in: text) else { return }
            let what = key == "client_secret" ? "this" : found
            warnings.append(node.error("\(what) is a placeholder: \(Self.placeholderAdvice(key))"))
        case .array:
            guard let elements = try? node.array() else { return }
            for element in elements { warnAboutPlaceholders(in: element, key: key) }
        case .object(let object):
            for member in object.keys where !ConfigNode.isComment(member) {
                warnAboutPlaceholders(in: node.child(member), key: member)
            }
        case .null, .bool, .number:
            return
        }
    }

    /// The placeholder in `text`, or nil: a `<...>` to fill in, the example's all-zero client
    /// id, or a domain that cannot be anyone's real one (Microsoft's sample company contoso, or
    /// the example.com/.net/.org names reserved for documentation by RFC 2606).
    static func placeholder(in text: String) -> String? {
        if let open = text.firstIndex(of: "<"), let close = text[open...].firstIndex(of: ">") {
            return String(text[open...close])
        }
        if text == exampleClientID { return text }
        let isDomainCharacter = { (character: Character) in
            character.isASCII && (character.isLetter || character.isNumber || character == "." || character == "-")
        }
        for word in text.split(whereSeparator: { !isDomainCharacter($0) }) {
            let labels = word.lowercased().split(separator: ".")
            guard labels.count >= 2 else { continue }
            if labels.contains("contoso") { return String(word) }
            if ["com", "net", "org"].contains(labels[labels.count - 1]), labels[labels.count - 2] == "example" {
                return String(word)
            }
        }
        return nil
    }

    private static func placeholderAdvice(_ key: String) -> String {
        switch key {
        case "tenant": "put your tenant's domain or Directory (tenant) ID here"
        case "client_id": "put your app registration's Application (client) ID here"
        case "client_secret": "put your client secret here"
        case "authority": "put your provider's host here"
        case "authorize_url", "token_url": "put your provider's endpoint here"
        case "issuer": "put your provider's issuer here"
        case "scopes", "resource": "name your own API here"
        default: "put your own value here"
        }
    }

    /// Entra's client ids are GUIDs (the Application (client) ID); anything else is a value
    /// copied from the wrong field, and Entra answers it only after the browser round trip.
    mutating func checkClientID(_ clientID: String, provider: Provider, node: ConfigNode) {
        guard provider == .entra || provider == .entraV1, !ProviderPreset.isGUID(clientID),
            Self.placeholder(in: clientID) == nil
        else { return }
        warnings.append(
            node.error(
                "\(clientID) is not a GUID, and \(provider.rawValue) client ids are: "
                    + "use the Application (client) ID from the app registration's Overview page"))
    }

    /// Warns when a file holding a secret (`what`) can be read by other users: the daemon
    /// still works, but the secret is no longer only the user's.
    mutating func warnIfReadableByOthers(path: String, mode: mode_t, holding what: String, node: ConfigNode) {
        let group = mode & S_IRGRP != 0
        let others = mode & S_IROTH != 0
        guard group || others else { return }
        let readers = group && others ? "group and others" : group ? "its group" : "others"
        var octal = String(mode & 0o7777, radix: 8)
        while octal.count < 4 { octal = "0" + octal }
        warnings.append(
            node.error("\(path) holds \(what) and is readable by \(readers) (mode \(octal)): run chmod 600 \(path)"))
    }
}
