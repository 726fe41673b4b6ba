/// How the client authenticates at the token endpoint (RFC 6749 §2.3.1); exactly one method.
public enum ClientAuth: String, Sendable, Equatable {
    /// A public client: `client_id` in the body, PKCE protects the code.
    case none
    /// `client_secret` in the form body.
    case secretPost = "post"
    /// `Authorization: Basic` with the form-encoded id and secret.
    case secretBasic = "basic"
    /// A client assertion signed with the account's certificate key (RFC 7523, `private_key_jwt`).
    case privateKeyJWT = "private_key_jwt"
}
