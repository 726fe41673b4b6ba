/// How a person signs an account in: `signin_flow` in the config.
public enum SignInFlow: String, Sendable, CaseIterable {
    /// The authorization code flow with PKCE, through a browser on this machine (or one whose
    /// port reaches the listener, as over `ssh -L`).
    case browser
    /// The device authorization grant (RFC 8628): the person opens the provider's page on any
    /// device and enters a short code, while the daemon polls the token endpoint.
    case deviceCode = "device_code"
}
