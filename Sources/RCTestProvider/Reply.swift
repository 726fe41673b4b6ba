import RCHTTP
import RCJSON

/// One response the provider sends, before serialization. Every reply closes its connection,
/// so framing is only ever Content-Length.
struct Reply: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON reply that no cache may keep (RFC 6749 §5.1 for tokens, and harmless elsewhere).
    static func json(_ status: Int, _ value: JSONValue, extraHeaders: [(String, String)] = []) -> Reply {
        Reply(
            status: status,
            headers: [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store"), ("Pragma", "no-cache")]
                + extraHeaders,
            body: Array(JSONWriter.write(value).utf8))
    }

    /// A page for the browser; the CSP forbids everything but the page's own inline style and,
    /// where the page needs it, one inline script and form submission.
    static func html(_ status: Int, _ page: String, allowScript: Bool = false, formAction: String? = nil) -> Reply {
        var policy = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'"
        if allowScript { policy += "; script-src 'unsafe-inline'" }
        policy += "; form-action " + (formAction.map { "'self' \($0)" } ?? "'self'")
        return Reply(
            status: status,
            headers: [
                ("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"),
                ("Content-Security-Policy", policy), ("Referrer-Policy", "no-referrer"),
                ("X-Frame-Options", "DENY"),
            ],
            body: Array(page.utf8))
    }

    static func redirect(to location: String) -> Reply {
        Reply(status: 303, headers: [("Location", location), ("Cache-Control", "no-store")])
    }

    static func plain(_ status: Int, _ text: String) -> Reply {
        Reply(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array((text + "\n").utf8))
    }
}

extension Reply {
    /// The bytes on the wire. Every reply closes its connection, which keeps the provider free
    /// of keep-alive and pipelining state.
    var serialized: [UInt8] {
        var fields = HTTPHeaders(headers)
        fields.set("Connection", "close")
        return HTTPResponse(status: status, headers: fields, body: body).serialize()
    }
}
