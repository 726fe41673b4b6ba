/// How the authorization response reaches the redirect URI.
///
/// There is no `fragment`: a fragment stays in the browser and never reaches the listener.
public enum ResponseMode: String, Sendable, Equatable {
    /// GET with the parameters in the query: the OAuth default.
    case query
    /// POST with an `application/x-www-form-urlencoded` body, which keeps the code out of the
    /// browser history and the address bar; Entra's recommendation.
    case formPost = "form_post"
}
