import RCHTTP

/// Plays the person at the test provider's sign-in page without a browser, for tests and
/// `demo --walkthrough`: opens the authorization URL, presses a button, and returns where the
/// browser would be sent next, for the caller to deliver to the daemon.
public enum TestPerson {
    /// Where the browser would go after the provider's answer.
    public enum Outcome: Sendable, Equatable {
        /// A redirect (303) to this URL: the client's redirect URI with code or error.
        case redirect(location: String)
        /// form_post: a page that POSTs these fields to `action`.
        case formPost(action: String, fields: [String: String])
        /// The provider showed an error page: a bad client_id or redirect_uri, or an expired page.
        case errorPage(status: Int, html: String)
    }

    /// Opens `authorizeURL` and answers the sign-in page with `approve` (the "Sign in" button)
    /// or not ("Cancel"). Requests the provider refuses before the page are returned as their
    /// redirect or error page, without pressing anything.
    public static func signIn(authorizeURL: String, approve: Bool, caPEM: String? = nil) throws(TestHTTPError) -> Outcome {
        let page = try TestHTTPClient.send(url: authorizeURL, caPEM: caPEM)
        if let outcome = outcome(of: page) { return outcome }
        let html = String(decoding: page.body, as: UTF8.self)
        guard page.status == 200, let form = FormScan.first(in: html), let requestID = form.fields["request"] else {
            return .errorPage(status: page.status, html: html)
        }
        guard let base = try? WebURL.parse(authorizeURL) else { throw .badURL(authorizeURL) }
        let decideURL = "\(base.scheme)://\(base.hostHeader)\(form.action)"
        let answer = try TestHTTPClient.postForm(
            url: decideURL, [("request", requestID), ("decision", approve ? "approve" : "deny")], caPEM: caPEM)
        return outcome(of: answer) ?? .errorPage(status: answer.status, html: String(decoding: answer.body, as: UTF8.self))
    }

    /// A redirect, or a form_post page; nil for anything else (such as the sign-in page).
    static func outcome(of response: HTTPResponseMessage) -> Outcome? {
        if (300...399).contains(response.status), let location = response.headers["Location"] {
            return .redirect(location: location)
        }
        let html = String(decoding: response.body, as: UTF8.self)
        if response.status == 200, let form = FormScan.first(in: html), form.fields["request"] == nil {
            return .formPost(action: form.action, fields: form.fields)
        }
        return nil
    }
}

/// Reads the first form of a page the provider itself wrote: its action and hidden fields.
/// Not an HTML parser: it knows the exact markup `BrowserPages` produces.
enum FormScan {
    struct Form {
        var action: String
        var fields: [String: String]
    }

    static func first(in html: String) -> Form? {
        guard let formStart = html.firstRange(of: "<form "), let formEnd = html.firstRange(of: "</form>") else { return nil }
        let form = html[formStart.lowerBound..<formEnd.lowerBound]
        guard let action = attribute("action", in: form) else { return nil }
        var fields: [String: String] = [:]
        var rest = form[...]
        while let input = rest.firstRange(of: "<input ") {
            let tagEnd = rest[input.upperBound...].firstIndex(of: ">") ?? rest.endIndex
            let tag = rest[input.lowerBound..<tagEnd]
            if let name = attribute("name", in: tag), let value = attribute("value", in: tag) {
                fields[name] = value
            }
            rest = rest[tagEnd...]
        }
        return Form(action: action, fields: fields)
    }

    private static func attribute(_ name: String, in tag: Substring) -> String? {
        guard let start = tag.firstRange(of: " \(name)=\"") else { return nil }
        let valueStart = start.upperBound
        guard let valueEnd = tag[valueStart...].firstIndex(of: "\"") else { return nil }
        return unescape(tag[valueStart..<valueEnd])
    }

    /// Undoes `HTML.escape`.
    static func unescape(_ text: Substring) -> String {
        String(text).replacing("&quot;", with: "\"").replacing("&#39;", with: "'").replacing("&lt;", with: "<")
            .replacing("&gt;", with: ">").replacing("&amp;", with: "&")
    }
}
