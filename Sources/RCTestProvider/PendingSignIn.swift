/// How the authorization response travels back to the client (OAuth 2.0 Multiple Response
/// Type Encoding Practices; Form Post Response Mode).
enum ResponseMode: String, Sendable {
    case query
    case formPost = "form_post"
}

/// An authorization request that passed every check and waits for the person's decision on
/// the sign-in page; everything a code issued from it is bound to.
struct PendingSignIn: Sendable {
    var clientID: String
    var redirectURI: String
    var state: String?
    var codeChallenge: String
    var scope: String?
    var resource: String?
    var nonce: String?
    var responseMode: ResponseMode
    /// On the monotonic clock, in seconds.
    var expiresAt: Double
}
