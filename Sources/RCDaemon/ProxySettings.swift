import Glibc
import RCHTTP

/// Which HTTP CONNECT proxy, if any, carries the token requests: `https_proxy` (or
/// `HTTPS_PROXY`) and `no_proxy` (or `NO_PROXY`) from the daemon's environment, read the way
/// curl reads them, since that is what corporate machines already set.
///
/// `no_proxy` is a comma-separated list of host names (matching the name and every name under
/// it; a leading dot is allowed), IP addresses, CIDR ranges, or `*` for everything. When neither
/// spelling is set, loopback (`localhost,127.0.0.0/8,::1`) bypasses the proxy; when one is set,
/// even to the empty string, exactly what it lists does, so a test (or an odd network) can send
/// loopback through the proxy by saying so. Only https token endpoints use the proxy: plain
/// http is allowed for loopback hosts alone, which never need one.
public struct ProxySettings: Sendable, Equatable {
    /// The proxy to connect through.
    public struct Proxy: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: UInt16
        /// `Proxy-Authorization: Basic` credentials from `http://user:password@host:port`.
        public var username: String?
        public var password: String?
        /// Which variable named it, for error messages.
        public var variable: String

        /// `http://host:port`, never the credentials.
        public var description: String {
            let bracketed = host.contains(":") ? "[\(host)]" : host
            return "http://\(bracketed):\(port)"
        }
    }

    public var proxy: Proxy?
    /// Why the proxy variable could not be used; token requests that would need it fail with this.
    public var problem: String?
    var bypass: [BypassRule]

    /// curl's default port for a proxy URL without one.
    static let defaultProxyPort: UInt16 = 1080
    static let defaultBypass = "localhost,127.0.0.0/8,::1"

    public init(environment: [String: String]) {
        let noProxy = Self.value(environment, "no_proxy") ?? Self.value(environment, "NO_PROXY")
        bypass = Self.parseBypass(noProxy?.text ?? Self.defaultBypass)
        let named = [("https_proxy"), ("HTTPS_PROXY")].lazy.compactMap { Self.value(environment, $0) }.first
        guard let named, !named.text.isEmpty else { return }
        switch Self.parseProxy(named.text, variable: named.name) {
        case .success(let proxy): self.proxy = proxy
        case .failure(let problem): self.problem = problem.text
        }
    }

    /// How a connection to `host` goes.
    public enum Route: Sendable, Equatable {
        case direct
        case proxy(Proxy)
        /// The proxy variable is set but unusable: fail rather than silently go direct.
        case broken(String)
    }

    public func route(forHost host: String) -> Route {
        guard proxy != nil || problem != nil else { return .direct }
        let name = host.lowercased()
        let address = Self.address(name)
        if bypass.contains(where: { $0.matches(name: name, address: address) }) { return .direct }
        if let proxy { return .proxy(proxy) }
        return .broken(problem ?? "")
    }

    // MARK: Parsing

    private struct Named {
        var name: String
        var text: String
    }

    private struct Problem: Error {
        var text: String
    }

    private static func value(_ environment: [String: String], _ name: String) -> Named? {
        environment[name].map { Named(name: name, text: $0.trimmingWhitespace) }
    }

    private static func parseProxy(_ text: String, variable: String) -> Result<Proxy, Problem> {
        var rest = Substring(text)
        if let schemeEnd = rest.firstRange(of: "://") {
            let scheme = rest[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "http" else {
                return .failure(
                    Problem(
                        text:
                            "\(variable): \(scheme):// proxies are not supported; use an http:// proxy URL (the tunnel through it is still TLS to the provider)"
                    ))
            }
            rest = rest[schemeEnd.upperBound...]
        }
        var username: String?
        var password: String?
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@") {
            let userinfo = rest[..<at]
            let colon = userinfo.firstIndex(of: ":")
            do {
                username = try FormDecoding.percentDecode(String(userinfo[..<(colon ?? userinfo.endIndex)]))
                password = try colon.map { try FormDecoding.percentDecode(String(userinfo[userinfo.index(after: $0)...])) }
            } catch {
                return .failure(Problem(text: "\(variable): the user name or password is not valid percent-encoding"))
            }
            rest = rest[rest.index(after: at)...]
        }
        let url: WebURL
        do {
            url = try WebURL.parse("http://" + rest)
        } catch {
            // The text may hold a password: name the variable, not its value.
            return .failure(Problem(text: "\(variable) is not a usable proxy URL (\(error)); use http://host:port"))
        }
        guard url.path == "/", url.query == nil else {
            return .failure(Problem(text: "\(variable): a proxy URL has no path or query; use http://host:port"))
        }
        return .success(
            Proxy(
                host: url.host, port: url.hasExplicitPort ? url.port : defaultProxyPort, username: username,
                password: password, variable: variable))
    }

    static func parseBypass(_ text: String) -> [BypassRule] {
        text.split(separator: ",").compactMap { BypassRule(String($0).trimmingWhitespace.lowercased()) }
    }

    /// The 4 or 16 bytes of an IP literal (brackets allowed), or nil for a name.
    static func address(_ text: String) -> [UInt8]? {
        var literal = text
        if literal.hasPrefix("["), literal.hasSuffix("]") { literal = String(literal.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, literal, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// One `no_proxy` entry.
    enum BypassRule: Sendable, Equatable {
        case everything
        /// The name itself and every name ending in "." + name.
        case domain(String)
        /// An address range: the first `prefixBits` bits of `address`.
        case network(address: [UInt8], prefixBits: Int)

        init?(_ entry: String) {
            guard !entry.isEmpty else { return nil }
            if entry == "*" {
                self = .everything
                return
            }
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            if let address = ProxySettings.address(parts[0]) {
                let bits = address.count * 8
                let prefix = parts.count == 2 ? Int(parts[1]) : bits
                guard let prefix, (0...bits).contains(prefix) else { return nil }
                self = .network(address: address, prefixBits: prefix)
                return
            }
            var name = Substring(entry)
            while name.hasPrefix(".") || name.hasPrefix("*.") { name = name.drop { $0 == "*" }.dropFirst() }
            // curl accepts host:port entries; the port does not narrow anything here.
            if let colon = name.firstIndex(of: ":") { name = name[..<colon] }
            guard !name.isEmpty else { return nil }
            self = .domain(String(name))
        }

        func matches(name: String, address: [UInt8]?) -> Bool {
            switch self {
            case .everything:
                return true
            case .domain(let domain):
                return name == domain || name.hasSuffix("." + domain)
            case .network(let network, let prefixBits):
                guard let address, address.count == network.count else { return false }
                for bit in 0..<prefixBits {
                    let mask = UInt8(0x80) >> UInt8(bit % 8)
                    if address[bit / 8] & mask != network[bit / 8] & mask { return false }
                }
                return true
            }
        }
    }
}
