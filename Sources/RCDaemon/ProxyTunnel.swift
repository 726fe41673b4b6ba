import RCHTTP
import RCSystem

/// An HTTP CONNECT tunnel (RFC 9110 §9.3.6) through a proxy to the token endpoint's host: the
/// TLS handshake that follows runs end to end with the provider, so the proxy sees only the
/// host name and the encrypted bytes.
enum ProxyTunnel {
    /// The proxy's reply head may not be larger than this; a real one is a few hundred bytes.
    static let maximumHeadBytes = 16384

    /// A socket connected through `proxy` to `host`:`port`, ready for the TLS handshake.
    static func open(
        through proxy: ProxySettings.Proxy, host: String, port: UInt16, deadline: Instant
    ) throws(TransportFailure) -> FileDescriptor {
        let target = (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
        let socket: FileDescriptor
        do {
            socket = try Socket.connectTCP(host: proxy.host, port: proxy.port, deadline: deadline)
        } catch {
            throw TransportFailure(description: "cannot connect to proxy \(proxy) (from \(proxy.variable)): \(error)")
        }
        do {
            try socket.writeAll(Array(request(target: target, proxy: proxy).utf8), deadline: deadline)
            var head: [UInt8] = []
            while true {
                if let end = headEnd(head) {
                    guard end == head.count || !isSuccess(head) else {
                        throw TransportFailure(
                            description: "proxy \(proxy) sent data of its own after accepting CONNECT to \(target)")
                    }
                    try check(head: head[..<end], proxy: proxy, target: target)
                    return socket
                }
                guard head.count < maximumHeadBytes else {
                    throw TransportFailure(description: "proxy \(proxy) answered CONNECT to \(target) with a head over \(maximumHeadBytes) bytes")
                }
                switch try socket.read(appendingTo: &head, max: maximumHeadBytes - head.count) {
                case .bytes: continue
                case .endOfFile:
                    throw TransportFailure(description: "proxy \(proxy) closed the connection instead of answering CONNECT to \(target)")
                case .wouldBlock:
                    guard try socket.waitFor(writing: false, until: deadline) else {
                        throw TransportFailure(description: "proxy \(proxy) did not answer CONNECT to \(target) in time")
                    }
                }
            }
        } catch let failure as TransportFailure {
            socket.close()
            throw failure
        } catch {
            socket.close()
            throw TransportFailure(description: "CONNECT through proxy \(proxy) to \(target) failed: \(error)")
        }
    }

    /// The CONNECT request: authority-form target, the same in Host (RFC 9112 §3.2.3).
    static func request(target: String, proxy: ProxySettings.Proxy) -> String {
        var text = "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\nUser-Agent: redirect-catcher/\(Version.current)\r\n"
        if let username = proxy.username {
            // RFC 7617: user-id ":" password, UTF-8, base64; no form encoding here.
            let credentials = username + ":" + (proxy.password ?? "")
            text += "Proxy-Authorization: Basic \(Base64.encode(Array(credentials.utf8)))\r\n"
        }
        return text + "\r\n"
    }

    /// The index just past the blank line that ends the head, or nil while it is incomplete.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index..<(index + 4)].elementsEqual(terminator) {
            return index + 4
        }
        return nil
    }

    private static func isSuccess(_ head: [UInt8]) -> Bool {
        if case .success = statusLine(head) { return true }
        return false
    }

    /// Accepts a 2xx; anything else becomes a message naming the proxy, the target and the status.
    static func check(head: ArraySlice<UInt8>, proxy: ProxySettings.Proxy, target: String) throws(TransportFailure) {
        switch statusLine(Array(head)) {
        case .success:
            return
        case .failure(let status):
            var text = "proxy \(proxy) refused CONNECT to \(target): \(status.text)"
            if status.code == 407 {
                text +=
                    proxy.username == nil
                    ? " (put the proxy's user name and password in \(proxy.variable): http://user:password@host:port)"
                    : " (the proxy did not accept the user name and password in \(proxy.variable))"
            }
            throw TransportFailure(description: text)
        }
    }

    struct Status: Error {
        var code: Int
        var text: String
    }

    /// `HTTP/1.x NNN reason` → success for 2xx, else the code and "NNN reason" (cleaned for logs).
    static func statusLine(_ head: [UInt8]) -> Result<Void, Status> {
        let lineEnd = head.firstIndex(of: 13) ?? head.endIndex
        let line = String(decoding: head[..<lineEnd], as: UTF8.self)
        let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3, let code = Int(parts[1]) else {
            let shown = String(line.prefix(80).map { $0.isASCII && !$0.isNewline && $0 != "\0" ? $0 : "?" })
            return .failure(Status(code: 0, text: "not an HTTP response (\"\(shown)\")"))
        }
        if (200..<300).contains(code) { return .success(()) }
        let reason = parts.count == 3 ? String(parts[2].prefix(100).filter { $0.isASCII && !$0.isNewline }) : ""
        return .failure(Status(code: code, text: reason.isEmpty ? String(code) : "\(code) \(reason)"))
    }
}
