import RCJSON

/// A JSON value and the key path that led to it, so every type error names its key.
struct ConfigNode {
    let path: String
    let value: JSONValue

    /// The node for `key`, whether or not the member exists (for error paths).
    func child(_ key: String) -> ConfigNode {
        ConfigNode(path: path.isEmpty ? key : path + "." + key, value: value.objectValue?[key] ?? .null)
    }

    /// The node for `key` when the member exists.
    func member(_ key: String) -> ConfigNode? {
        value.objectValue?[key] == nil ? nil : child(key)
    }

    /// JSON has no comments, so a key that starts with "//" is one: ignored wherever it appears,
    /// which lets config.example.json explain itself.
    static func isComment(_ key: String) -> Bool { key.hasPrefix("//") }

    func error(_ message: String) -> ConfigError { ConfigError(path: path, message: message) }

    func string() throws(ConfigError) -> String {
        guard let text = value.stringValue else { throw error("expected a string, got \(value.typeName)") }
        return text
    }

    func nonEmptyString() throws(ConfigError) -> String {
        let text = try string()
        guard !text.isEmpty else { throw error("may not be empty") }
        return text
    }

    func object() throws(ConfigError) -> JSONObject {
        guard let object = value.objectValue else { throw error("expected an object, got \(value.typeName)") }
        return object
    }

    func array() throws(ConfigError) -> [ConfigNode] {
        guard let elements = value.arrayValue else { throw error("expected an array, got \(value.typeName)") }
        return elements.enumerated().map { ConfigNode(path: "\(path)[\($0.offset)]", value: $0.element) }
    }

    /// An object whose keys must all be in `valid`; unknown keys are errors because a typo
    /// (`client_secrets`) silently ignored is a setting silently not applied.
    func object(validKeys valid: [String]) throws(ConfigError) -> JSONObject {
        let object = try object()
        for key in object.keys where !valid.contains(key) && !Self.isComment(key) {
            throw child(key).error("unknown key; valid keys are: " + valid.joined(separator: ", "))
        }
        return object
    }
}
