import RCHTTP
import RCTestProvider
import Testing

/// The person's browser, reduced to what the tests need: one request at a time, pages read as
/// text. It follows a 303 to a path on the same origin (the daemon's callback answers with one
/// to its result page, as a browser would follow); every other redirect is a step the test
/// checks itself.
enum Browser {
    static func get(_ url: String, caPEM: String? = nil) throws -> HTTPResponseMessage {
        try followingSeeOther(try TestHTTPClient.send(url: url, caPEM: caPEM), from: url, caPEM: caPEM)
    }

    /// POSTs `fields` as `application/x-www-form-urlencoded`, as a form_post page does.
    static func post(_ url: String, fields: [(String, String)], caPEM: String? = nil) throws -> HTTPResponseMessage {
        try followingSeeOther(try TestHTTPClient.postForm(url: url, fields, caPEM: caPEM), from: url, caPEM: caPEM)
    }

    private static func followingSeeOther(_ response: HTTPResponseMessage, from url: String, caPEM: String?) throws -> HTTPResponseMessage {
        guard response.status == 303, let location = response.headers["Location"], location.hasPrefix("/"),
            let origin = try? WebURL.parse(url)
        else { return response }
        return try TestHTTPClient.send(url: "\(origin.scheme)://\(origin.hostHeader)\(location)", caPEM: caPEM)
    }

    /// `GET /signin/NAME` on the daemon; the provider URL it redirects to.
    static func startSignIn(_ daemon: DaemonProcess, account: String) throws -> String {
        let response = try get(daemon.signInURL(account))
        guard response.status == 302, let location = response.headers["Location"] else {
            throw HarnessFailure("GET /signin/\(account) answered \(response.status) \(text(response)), not a 302 with Location")
        }
        return location
    }

    /// Takes the provider's answer back to the daemon, as the browser would.
    static func deliver(_ outcome: TestPerson.Outcome) throws -> HTTPResponseMessage {
        switch outcome {
        case .redirect(let location):
            return try get(location)
        case .formPost(let action, let fields):
            return try post(action, fields: fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        case .errorPage(let status, let html):
            throw HarnessFailure("the provider showed an error page (\(status)) instead of answering the daemon: \(html)")
        }
    }

    static func text(_ response: HTTPResponseMessage) -> String { String(decoding: response.body, as: UTF8.self) }

    /// The status and the page's words without its stylesheet, for failure messages.
    static func summary(_ response: HTTPResponseMessage) -> String {
        let html = text(response)
        let words = html.firstRange(of: "<h1>").map { String(html[$0.lowerBound...]) } ?? html
        return "\(response.status) \(words.prefix(600))"
    }

    /// The query parameters of `url` (first value of each name).
    static func query(_ url: String) throws -> [String: String] {
        guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
        return Dictionary(try FormDecoding.decode(String(query)).map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }
}

/// A resource request with the token, as a script using the socket's token would make it.
enum TestHTTPClientBearer {
    static func get(_ url: String, token: String) throws -> HTTPResponseMessage {
        try TestHTTPClient.send(url: url, headers: [("Authorization", "Bearer \(token)")])
    }
}
