import Glibc
import RCCrypto
import RCHTTP
import RCOAuth
import RCSystem

/// Why a token request got no HTTP response at all.
public struct TransportFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
}

/// A token endpoint as the account logic sees it: one blocking request, one reply. The real
/// one speaks HTTPS; tests put a fake here (the only fake at this boundary).
public protocol TokenEndpoint: Sendable {
    /// Sends `request` to the account's token endpoint. Blocks: call it off the event loop.
    func send(_ request: TokenRequest, for account: AccountSettings) -> Result<HTTPResponseMessage, TransportFailure>
}

/// Fetches an issuer's metadata document: one blocking GET, as the token endpoint's requests
/// go (same TLS trust, same proxy). Tests put a fake here.
public protocol MetadataTransport: Sendable {
    /// GETs `location` (JSON accepted), trusting `caFile` as well. Blocks.
    func get(_ location: String, caFile: String?) -> Result<HTTPResponseMessage, TransportFailure>
}

/// One HTTP request to a token endpoint or metadata location, as a transport carries it out:
/// what `HTTPSTokenEndpoint` does in this process, and what `HelperTokenEndpoint` hands to a
/// helper process.
public struct ExchangeOrder: Sendable, Equatable {
    public var method: String
    /// The absolute URL, as the config (or the metadata document) gave it.
    public var location: String
    /// Headers besides Host, Accept, User-Agent, Connection and Content-Length, which the
    /// transport sets itself.
    public var headers: HTTPHeaders
    public var body: [UInt8]?
    public var caFile: String?

    public init(method: String, location: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8]? = nil, caFile: String? = nil) {
        self.method = method
        self.location = location
        self.headers = headers
        self.body = body
        self.caFile = caFile
    }
}

/// A transport that carries out `ExchangeOrder`s; token requests and metadata fetches are
/// both built here, once, whichever process does the HTTPS.
public protocol ExchangeTransport: TokenEndpoint, MetadataTransport {
    /// One request, one response, within the transport's time limit. Blocks.
    func perform(_ order: ExchangeOrder) -> Result<HTTPResponseMessage, TransportFailure>
}

extension ExchangeTransport {
    public func send(_ request: TokenRequest, for account: AccountSettings) -> Result<HTTPResponseMessage, TransportFailure> {
        if let failure = request.failure {
            return .failure(TransportFailure(description: failure))
        }
        var headers = HTTPHeaders([("Content-Type", "application/x-www-form-urlencoded")])
        for (name, value) in request.headers { headers.add(name, value) }
        return perform(
            ExchangeOrder(method: "POST", location: account.tokenURL, headers: headers, body: Array(request.bodyText.utf8), caFile: account.caFile))
    }

    public func get(_ location: String, caFile: String?) -> Result<HTTPResponseMessage, TransportFailure> {
        perform(ExchangeOrder(method: "GET", location: location, caFile: caFile))
    }
}

/// POSTs token requests (and GETs metadata documents) over TLS (OpenSSL, verified against the system store or the
/// account's `ca_file`), or plain HTTP to a loopback host. Never follows redirects. HTTPS goes
/// through the CONNECT proxy that `https_proxy` names, unless `no_proxy` exempts the host.
public final class HTTPSTokenEndpoint: ExchangeTransport {
    /// The whole exchange (DNS, connect, proxy, handshake, request, response) must fit in this.
    public let timeoutSeconds: Double
    public let proxySettings: ProxySettings
    private let contexts = Locked<[String: TLSClientContext]>([:])

    /// - Parameter environment: where `https_proxy` and `no_proxy` come from; the process's own
    ///   environment by default.
    public init(timeoutSeconds: Double = 30, environment: [String: String] = ProcessEnvironment.variables()) {
        self.timeoutSeconds = timeoutSeconds
        self.proxySettings = ProxySettings(environment: environment)
    }

    public func perform(_ order: ExchangeOrder) -> Result<HTTPResponseMessage, TransportFailure> {
        let url: WebURL
        do {
            url = try WebURL.parse(order.location)
        } catch {
            let what = order.method == "POST" ? "token_url \(order.location)" : order.location
            return .failure(TransportFailure(description: "\(what) is not a usable URL: \(error)"))
        }
        return exchange(method: order.method, url: url, headers: order.headers, body: order.body, caFile: order.caFile)
    }

    /// One request, one response, one connection, within `timeoutSeconds`.
    private func exchange(
        method: String, url: WebURL, headers extra: HTTPHeaders, body: [UInt8]?, caFile: String?
    ) -> Result<HTTPResponseMessage, TransportFailure> {
        let deadline = Instant.deadline(afterSeconds: timeoutSeconds)
        var headers = extra
        headers.add("Accept", "application/json")
        headers.add("User-Agent", "redirect-catcher/\(Version.current)")
        headers.add("Connection", "close")
        let bytes = HTTPRequestWriter.serialize(method: method, target: url.requestTarget, host: url.hostHeader, headers: headers, body: body)
        let socket: FileDescriptor
        do {
            socket = try connect(url, deadline: deadline)
        } catch {
            return .failure(error)
        }
        let channel: any ByteChannel
        if url.scheme == "https" {
            do {
                let raw = socket.rawValue
                let stream = try TLSStream.connect(socket: socket, host: url.host, context: try context(caFile: caFile), deadline: deadline)
                channel = TLSChannel(stream, rawSocket: raw)
            } catch {
                return .failure(Self.describe(error, url: url, caFile: caFile))
            }
        } else {
            channel = PlainChannel(socket)
        }
        defer { channel.close() }
        do {
            try channel.write(bytes, deadline: deadline)
            var parser = HTTPResponseParser()
            while true {
                switch parser.outcome() {
                case .complete(let message): return .success(message)
                case .failed(let error): return .failure(TransportFailure(description: "bad HTTP response from \(url.host): \(error)"))
                case .incomplete: break
                }
                let chunk = try channel.read(max: 16384, deadline: deadline)
                if chunk.isEmpty { return Self.finish(&parser, url: url) }
                parser.feed(chunk)
            }
        } catch let error as TLSError {
            return .failure(Self.describe(error, url: url, caFile: caFile))
        } catch {
            return .failure(TransportFailure(description: "HTTP with \(url.host):\(url.port) failed: \(error)"))
        }
    }

    /// A TCP connection to the URL's host, through the proxy when one applies (https only).
    private func connect(_ url: WebURL, deadline: Instant) throws(TransportFailure) -> FileDescriptor {
        let route = url.scheme == "https" ? proxySettings.route(forHost: url.host) : .direct
        switch route {
        case .direct:
            do {
                return try Socket.connectTCP(host: url.host, port: url.port, deadline: deadline)
            } catch {
                throw TransportFailure(description: "cannot connect to \(url.host):\(url.port): \(error)")
            }
        case .proxy(let proxy):
            return try ProxyTunnel.open(through: proxy, host: url.host, port: url.port, deadline: deadline)
        case .broken(let problem):
            throw TransportFailure(description: problem)
        }
    }

    private func context(caFile: String?) throws(TLSError) -> TLSClientContext {
        let key = caFile ?? ""
        if let cached = contexts.withLock({ $0[key] }) { return cached }
        let made = try TLSClientContext(caFile: caFile)
        contexts.withLock { $0[key] = made }
        return made
    }

    /// A TLS failure, pointing at `ca_file` when the certificate did not verify.
    private static func describe(_ error: TLSError, url: WebURL, caFile: String?) -> TransportFailure {
        var text = "TLS with \(url.host):\(url.port) failed: \(error.message)"
        // Without ca_file, TLSStream's own hint already says to set it when the issuer is unknown.
        if error.kind == .certificateVerification, let caFile {
            text += " (" + ProviderErrorAdvice.certificateVerificationFailed(caFile: caFile) + ")"
        }
        return TransportFailure(description: text)
    }

    private static func finish(_ parser: inout HTTPResponseParser, url: WebURL) -> Result<HTTPResponseMessage, TransportFailure> {
        switch parser.finish() {
        case .complete(let message): return .success(message)
        case .failed(let error): return .failure(TransportFailure(description: "\(url.host) closed the connection early: \(error)"))
        case .incomplete: return .failure(TransportFailure(description: "\(url.host) closed the connection early"))
        }
    }
}
