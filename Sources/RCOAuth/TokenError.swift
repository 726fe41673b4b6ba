/// A failed token request, with everything worth logging and nothing secret.
public struct TokenError: Sendable, Equatable {
    public var kind: TokenErrorKind
    /// The RFC 6749 §5.2 `error` code, when there was one.
    public var code: String?
    /// `error_description` as the provider sent it; use ``summary`` for logs.
    public var description: String?
    /// Entra's `error_codes`, or the AADSTS and MSIS codes found in the description.
    public var providerCodes: [ProviderErrorCode]
    public var correlationID: String?
    public var traceID: String?
    public var httpStatus: Int
    /// From a `Retry-After` header; the HTTP layer fills it in, the body parser leaves it nil.
    public var retryAfterSeconds: Int64?

    public init(
        kind: TokenErrorKind, code: String? = nil, description: String? = nil, providerCodes: [ProviderErrorCode] = [],
        correlationID: String? = nil, traceID: String? = nil, httpStatus: Int, retryAfterSeconds: Int64? = nil
    ) {
        self.kind = kind
        self.code = code
        self.description = description
        self.providerCodes = providerCodes
        self.correlationID = correlationID
        self.traceID = traceID
        self.httpStatus = httpStatus
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// One log-safe line: code, description, provider codes, correlation id, HTTP status.
    /// Provider text is untrusted: control characters become spaces (no forged log lines) and
    /// the description is cut at 300 characters.
    public var summary: String {
        var text = Self.clean(code ?? "error", limit: 64)
        if let description, !description.isEmpty { text += ": " + Self.clean(description, limit: 300) }
        var details: [String] = []
        if !providerCodes.isEmpty { details.append("codes " + providerCodes.map(String.init).joined(separator: ",")) }
        if let correlationID { details.append("correlation id " + Self.clean(correlationID, limit: 64)) }
        details.append("HTTP \(httpStatus)")
        return text + " (" + details.joined(separator: "; ") + ")"
    }

    /// Control characters (C0, DEL, C1, line and paragraph separators) collapsed to one space, cut to `limit` characters.
    static func clean(_ text: String, limit: Int) -> String {
        var output = String.UnicodeScalarView()
        var lastWasSpace = false
        for scalar in text.unicodeScalars {
            let isControl = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}"
            if isControl || scalar == " " {
                if !lastWasSpace, !output.isEmpty { output.append(" ") }
                lastWasSpace = true
            } else {
                output.append(scalar)
                lastWasSpace = false
            }
        }
        var cleaned = String(output)
        while cleaned.hasSuffix(" ") { cleaned.removeLast() }
        if cleaned.count > limit { cleaned = String(cleaned.prefix(limit)) + "…" }
        return cleaned
    }
}
