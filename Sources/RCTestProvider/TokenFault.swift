/// A failure the test provider injects into its token endpoint, so the daemon's refresh
/// lifecycle (retry, back-off, `Retry-After`, giving up) can be tested against real sockets.
///
/// Faults apply to `POST /token` only and are consumed in order, one per request; `.down`
/// is not consumed and lasts until `clearFaults()`.
public enum TokenFault: Sendable, Equatable {
    /// Reply with this status and a JSON `temporarily_unavailable` body, for `count` requests.
    case status(Int, count: Int = 1)
    /// 429 with this `Retry-After` value, verbatim (seconds or an HTTP-date).
    case tooManyRequests(retryAfter: String)
    /// Read the request, say nothing for this long, then close: a stuck provider.
    case hang(seconds: Double)
    /// 200 with an HTML page, as a captive portal or a misrouted proxy would send.
    case html
    /// Read the request and reset the connection without a reply, until cleared.
    case down
    /// 400 `invalid_grant` with an Entra code such as `"AADSTS70008"` (expired) or
    /// `"AADSTS50173"` (revoked): the kind of failure only a person can fix.
    case invalidGrant(code: String = "AADSTS70008", description: String = "The refresh token has expired due to inactivity.")
}
