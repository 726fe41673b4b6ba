import Glibc
import RCCrypto
import RCHTTP
import RCSystem

/// A small blocking HTTP/1.1 client for tests and `demo --walkthrough`: one request per
/// connection, http or https, and it never follows redirects, because the redirects are what
/// a test wants to see and deliver itself.
public enum TestHTTPClient {
    /// Sends one request and reads the whole response. `caPEM` is the CA an https server must
    /// chain to (nil: the system store); Host and Content-Length are written from `url` and
    /// `body`.
    public static func send(
        method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        caPEM: String? = nil, timeout: Double = 10
    ) throws(TestHTTPError) -> HTTPResponseMessage {
        guard let parsed = try? WebURL.parse(url), parsed.scheme == "http" || parsed.scheme == "https" else {
            throw .badURL(url)
        }
        let request = HTTPRequestWriter.serialize(
            method: method, target: parsed.requestTarget, host: parsed.hostHeader,
            headers: HTTPHeaders(headers + [("Connection", "close")]), body: body)
        let reply = try exchange(
            request, host: parsed.host, port: parsed.port, tls: parsed.scheme == "https", caPEM: caPEM, timeout: timeout)
        guard !reply.isEmpty else { throw .noResponse }
        var parser = HTTPResponseParser(isResponseToHEAD: method == "HEAD")
        parser.feed(reply)
        switch parser.finish() {
        case .complete(let message): return message
        case .failed(let error): throw .malformedResponse(error)
        case .incomplete: throw .malformedResponse(.truncated)
        }
    }

    /// POSTs a form body.
    public static func postForm(
        url: String, _ fields: [(String, String)], headers: [(String, String)] = [], caPEM: String? = nil, timeout: Double = 10
    ) throws(TestHTTPError) -> HTTPResponseMessage {
        try send(
            method: "POST", url: url, headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers,
            body: Array(FormEncoding.encode(fields).utf8), caPEM: caPEM, timeout: timeout)
    }

    /// Writes `bytes` as they are and returns everything the server sends until it closes, for
    /// tests that speak garbage on purpose. A reset after some bytes returns what came before.
    public static func exchange(
        _ bytes: [UInt8], host: String, port: UInt16, tls: Bool, caPEM: String? = nil, timeout: Double = 10
    ) throws(TestHTTPError) -> [UInt8] {
        let deadline = Instant.deadline(afterSeconds: timeout)
        let socket: FileDescriptor
        do {
            socket = try Socket.connectTCP(host: host, port: port, deadline: deadline)
        } catch {
            throw .connect(error)
        }
        let channel: any ByteChannel
        if tls {
            let context = try clientContext(caPEM: caPEM)
            let raw = socket.rawValue
            do {
                channel = TLSChannel(try TLSStream.connect(socket: socket, host: host, context: context, deadline: deadline), rawSocket: raw)
            } catch {
                throw .tls(error)
            }
        } else {
            channel = PlainChannel(socket)
        }
        defer { channel.close() }
        do {
            try channel.write(bytes, deadline: deadline)
        } catch {
            // The server may answer and close before reading everything (a 4xx on a bad head).
        }
        var received: [UInt8] = []
        while true {
            let chunk: [UInt8]
            do {
                chunk = try channel.read(max: 65536, deadline: deadline)
            } catch {
                if received.isEmpty, Instant.now(.monotonic) >= deadline { throw .io("timed out after \(timeout) s") }
                return received
            }
            if chunk.isEmpty { return received }
            received += chunk
        }
    }

    /// TLSClientContext reads its CA from a file; the PEM goes to a private temporary file
    /// that is removed once loaded.
    private static func clientContext(caPEM: String?) throws(TestHTTPError) -> TLSClientContext {
        guard let caPEM else {
            do { return try TLSClientContext(caFile: nil) } catch { throw .tls(error) }
        }
        var template = Array("/tmp/rc-test-ca-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else { throw .caFile(String(cString: strerror(errno))) }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(path) }
        let file = FileDescriptor(owning: fd)
        do {
            try file.writeAll(Array(caPEM.utf8), deadline: Instant.deadline(afterSeconds: 5))
        } catch {
            throw .caFile("\(error)")
        }
        file.close()
        do { return try TLSClientContext(caFile: path) } catch { throw .tls(error) }
    }
}
