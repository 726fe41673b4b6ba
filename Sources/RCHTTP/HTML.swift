/// Escaping for text placed inside HTML element content or quoted attribute values.
///
/// The browser page shows provider-supplied text (`error_description`), which an attacker can
/// influence, so every character that could open a tag, an entity or end an attribute is escaped.
public enum HTML {
    /// Replaces `&`, `<`, `>`, `"` and `'` with character references.
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }
}
