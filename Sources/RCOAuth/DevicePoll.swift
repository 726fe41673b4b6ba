/// What one poll of the token endpoint with a device code said (RFC 8628 §3.5).
public enum DevicePoll: Sendable, Equatable {
    case granted(TokenGrant)
    /// `authorization_pending`, or no answer at all: poll again after the interval.
    case pending
    /// `slow_down`: poll again, 5 seconds further apart from now on.
    case slowDown
    /// `access_denied` (Entra: `authorization_declined`): the person said no.
    case denied(TokenError)
    /// `expired_token` (Entra v1: `code_expired`): the codes ran out before the person finished.
    case expired(TokenError)
    /// Anything else ends the flow: the provider refused the client, the grant or the person.
    case refused(TokenError)

    /// The grant type of a device code token request (RFC 8628 §3.4).
    public static let grantType = "urn:ietf:params:oauth:grant-type:device_code"

    /// Classifies a token endpoint answer to a device code poll.
    public static func classify(status: Int, contentType: String?, body: [UInt8], now: Int64) -> DevicePoll {
        switch TokenResponse.parse(status: status, contentType: contentType, body: body, now: now) {
        case .success(let grant):
            return .granted(grant)
        case .failure(let error):
            return classify(error)
        }
    }

    /// A failure, as the device flow reads it; a transport failure is ``pending``.
    public static func classify(_ error: TokenError) -> DevicePoll {
        switch error.code {
        case "authorization_pending": return .pending
        case "slow_down": return .slowDown
        case "access_denied", "authorization_declined": return .denied(error)
        case "expired_token", "code_expired": return .expired(error)
        default:
            // A provider that is down or busy for a moment does not end the person's sign-in:
            // the codes stay valid until they expire.
            return error.kind == .transient ? .pending : .refused(error)
        }
    }

    /// What to tell the person when Entra refuses the device code flow itself, pointing to the
    /// flows that still work; nil for other errors. `signInURL` is the account's browser
    /// sign-in, `account` its name, `port` the listener's.
    public static func refusalAdvice(_ error: TokenError, account: String, signInURL: String, port: UInt16) -> String? {
        if error.providerCodes.contains(.aadsts(53003)) {
            return "Conditional Access blocked this sign-in (AADSTS53003); many tenants block the device code flow. "
                + "Sign in with the browser instead: from a machine with a browser run ssh -L \(port):localhost:\(port) THIS-HOST "
                + "and open \(signInURL), or run redirect-catcher signin \(account) --paste."
        }
        if error.providerCodes.contains(.aadsts(7_000_218)) {
            return "The app registration does not allow public client flows, so Entra asks for a client secret: "
                + "in the Microsoft Entra admin center open App registrations > the app > Authentication > Advanced settings, "
                + "set \"Allow public client flows\" to Yes and save (or configure client_secret or a certificate)."
        }
        return nil
    }
}
