import Foundation

@testable import RCOAuth

/// Account factories with defaults, so each test states only what it is about.
enum Fixtures {
    static func account(
        _ provider: Provider = .generic, scopes: [String] = ["openid", "offline_access"], resource: String? = nil,
        secret: String? = nil, clientAuth: ClientAuth = .none, responseMode: ResponseMode = .query,
        authorizeURL: String = "https://sso.example.com/oauth2/authorize",
        extra: [AuthorizeParameter] = []
    ) -> AccountSettings {
        AccountSettings(
            name: "test", provider: provider, authorizeURL: authorizeURL,
            tokenURL: "https://sso.example.com/oauth2/token", clientID: "my client", clientSecret: secret,
            clientAuth: clientAuth, scopes: scopes, resource: resource, redirectURI: "http://localhost:8400/callback",
            responseMode: responseMode, extraAuthorizeParams: extra)
    }

    /// Splits `a=1&b=2` and percent-decodes each side, independently of the encoder under test.
    static func pairs(_ query: String) -> [String] {
        query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).removingPercentEncoding ?? "<bad>"
            }
            return parts.joined(separator: "=")
        }
    }

    static func query(of url: String) -> String {
        guard let question = url.firstIndex(of: "?") else { return "" }
        return String(url[url.index(after: question)...])
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
}
