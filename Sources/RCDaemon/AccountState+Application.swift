/// The application session (`grant: client_credentials`, ``Session/application``): no person, no refresh token. Every
/// token, the account's own and each extra one, is minted by a client credentials grant of its
/// own, at start and then before each expiry, with the timing, retries and backoff of a refresh.
extension AccountState {
    /// A refused client credentials grant is the configuration's or the registration's fault
    /// (a wrong secret, an unknown app, a scope that is not `.default`, no admin consent): no
    /// person can fix it by signing in, and retrying cannot either, so the token halts until a
    /// reload or `refresh`. Transient and unknown failures retry as refreshes do.
    static func applicationResult(_ result: GrantResult) -> GrantResult {
        guard case .failed(let kind, let summary, let retryAfter) = result, kind == .needsSignIn || kind == .deviceCompliance else {
            return result
        }
        return .failed(.configuration, summary: summary, retryAfter: retryAfter)
    }
}
