import RCHTTP

/// Reads what a person pasted after signing in on another machine: the address the browser
/// ended on (`http://localhost:PORT/callback?code=...&state=...`, which fails to load there),
/// the same without `http://` (browsers hide it), or just its query, with or without `?`.
///
/// Only the query is returned; its parameters are judged as a callback's are. Anything else
/// is refused with a sentence that never repeats the paste, since it may carry a code.
public enum PastedRedirect {
    /// The query of `text`, or the reason it is not a redirect to this machine.
    ///
    /// `callbackPaths` are the configured redirect URIs' paths: an address elsewhere on
    /// localhost is some other program's, not a sign-in response.
    public static func query(_ text: String, callbackPaths: Set<String>) -> Result<String, PasteProblem> {
        let isSpace = { (character: Character) in character == " " || character == "\t" || character == "\r\n" || character.isNewline }
        // A fragment (`#_=_`, which some providers append) never belongs to the query.
        let trimmed = String(String(text.drop(while: isSpace).reversed().drop(while: isSpace).reversed()).prefix { $0 != "#" })
        guard !trimmed.isEmpty else { return .failure(PasteProblem("nothing was pasted")) }
        guard !trimmed.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            return .failure(PasteProblem("the paste contains spaces or control characters; paste the address as one line"))
        }
        if trimmed.hasPrefix("?") { return nonEmpty(String(trimmed.dropFirst())) }
        // A query's first `=` comes before any `:`, `/`, `?` or `#`; an address's does not.
        let head = trimmed.prefix { $0 != "=" }
        guard head.contains(where: { ":/?".contains($0) }) else { return nonEmpty(trimmed) }
        let lowered = trimmed.lowercased()
        let address: String
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") {
            address = trimmed
        } else if !head.contains("://"), head.contains("/") {
            address = "http://" + trimmed
        } else {
            return .failure(Self.notACallback)
        }
        guard let url = try? WebURL.parse(address), url.scheme == "http", url.isLoopback, callbackPaths.contains(url.path) else {
            return .failure(Self.notACallback)
        }
        return nonEmpty(url.query ?? "")
    }

    private static let notACallback = PasteProblem(
        "it is not the address the sign-in ended on; paste the whole http://localhost:PORT/callback?... address, or just what follows its ?")

    private static func nonEmpty(_ query: String) -> Result<String, PasteProblem> {
        query.isEmpty ? .failure(PasteProblem("the pasted address carries no sign-in response (nothing after ?)")) : .success(query)
    }
}

/// Why a paste was refused, in words for the person.
public struct PasteProblem: Error, Equatable, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
}
