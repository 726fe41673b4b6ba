import RCHTTP
import RCOAuth
import RCSystem

/// Result pages parked under one-time random names, so that the callback answers with a 303
/// to `/result/<id>` and the code leaves the address bar (and the history) at once. A page
/// can be reloaded for ten minutes; at most a few dozen are kept.
final class ResultPages {
    static let lifetimeSeconds: Double = 600
    static let capacity = 32
    static let pathPrefix = "/result/"

    private var pages: [(id: String, page: HTTPResponse, storedAt: Instant)] = []

    /// Keeps `page` and returns the path to show it at.
    func store(_ page: HTTPResponse, now: Instant) -> String {
        pages.removeAll { now.seconds(since: $0.storedAt) >= Self.lifetimeSeconds }
        if pages.count >= Self.capacity { pages.removeFirst() }
        let id = OAuthState.generate()
        pages.append((id: id, page: page, storedAt: now))
        return Self.pathPrefix + id
    }

    /// The page stored under `id`, while it lasts.
    func page(id: String, now: Instant) -> HTTPResponse? {
        for entry in pages where ConstantTime.equals(entry.id, id) {
            return now.seconds(since: entry.storedAt) < Self.lifetimeSeconds ? entry.page : nil
        }
        return nil
    }
}
