import RCJSON

/// `redirect-catcher status` for people: a line per account, and an indented line per extra token.
enum StatusLine {
    static func describe(_ account: JSONObject) -> String {
        func string(_ key: String) -> String? {
            if case .string(let value)? = account[key] { return value }
            return nil
        }
        func seconds(_ key: String) -> Int64? {
            if case .number(let value)? = account[key] { return value.int64 }
            return nil
        }
        let name = string("name") ?? "?"
        let state = Self.words[string("state") ?? ""] ?? string("state") ?? "unknown"
        var line = "\(name): \(state)"
        // The application itself has no person to sign in; say how it gets its tokens.
        if string("grant") == "client_credentials" { line += " (client credentials)" }
        if let expiresIn = seconds("expires_in") {
            line += expiresIn > 0 ? ", token expires in \(duration(expiresIn))" : ", token expired"
        }
        if let next = seconds("next_refresh_in") { line += ", next refresh in \(duration(next))" }
        if let error = string("last_error") { line += "; last error: \(error)" }
        if let end = string("refresh_token_expires_at") { line += "; sign in again before \(end), when the refresh token ends" }
        if let url = string("signin_url") { line += "; sign in at \(url)" }
        if case .object(let device)? = account["device_signin"], case .string(let uri)? = device["verification_uri"],
            case .string(let code)? = device["user_code"]
        {
            line += "; or on any device open \(uri) and enter \(code)"
        }
        // Extra tokens minted from the same sign-in, one indented line each.
        if case .array(let tokens)? = account["tokens"] {
            for case .object(let token) in tokens {
                line += "\n  " + describe(token)
            }
        }
        return line
    }

    /// The daemon's state names as people say them.
    static let words = [
        "signed_in": "signed in", "needs_signin": "needs sign-in", "refreshing": "refreshing",
        "failing": "failing", "misconfigured": "misconfigured",
    ]

    static func duration(_ seconds: Int64) -> String {
        if seconds < 120 { return "\(seconds) s" }
        if seconds < 7200 { return "\(seconds / 60) min" }
        return "\(seconds / 3600) h \(seconds % 3600 / 60) min"
    }
}
