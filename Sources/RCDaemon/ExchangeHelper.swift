import Glibc
import RCHTTP
import RCSystem

/// Carries out each token request and metadata fetch in a short-lived helper process (the
/// daemon's own binary, started with a hidden command), so that the TLS and HTTP work on
/// what the network sends runs outside the process that holds every account's tokens, and
/// the memory it takes (OpenSSL's algorithm tables, the trust store, the handshake's buffers)
/// is given back when the exchange ends instead of staying in the daemon all day.
///
/// The helper reads one `ExchangeOrder` on stdin, runs it with `HTTPSTokenEndpoint` (same
/// TLS trust, same proxy rules, same time limit), and writes the response or the failure to
/// stdout; both travel in `ExchangeWire`'s framing over one end of a socket pair. The daemon
/// kills a helper that outlives the time limit by 5 s, and treats a helper that crashed,
/// was killed or wrote nonsense as a transport failure: the account retries with backoff,
/// as after a network error, and nothing it holds is lost.
public final class HelperTokenEndpoint: ExchangeTransport {
    /// How the helper is started: the daemon's binary and the hidden command.
    public let argv: [String]
    public let timeoutSeconds: Double
    private let environment: [String]

    /// What a response can take on the wire: the HTTP parser's caps (1 MiB body, 64 KiB head)
    /// and the framing.
    static let maxOutput = (1 << 20) + 65536 + 4096
    /// How long past the exchange's own time limit the helper may take to report it.
    static let graceSeconds = 5.0

    /// - Parameters:
    ///   - argv: e.g. `["/proc/self/exe", "exchange-helper"]`.
    ///   - environment: the helper's whole environment (proxy variables, SSL_CERT_FILE, ...).
    public init(argv: [String], timeoutSeconds: Double, environment: [String: String]) {
        self.argv = argv
        self.timeoutSeconds = timeoutSeconds
        // Nothing of systemd's is the helper's business.
        let withheld = Set(["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] + PassedDescriptors.variables)
        self.environment = environment.filter { !withheld.contains($0.key) }.map { "\($0.key)=\($0.value)" }.sorted()
    }

    public func perform(_ order: ExchangeOrder) -> Result<HTTPResponseMessage, TransportFailure> {
        let conversation: ChildProcess.Conversation
        do {
            conversation = try ChildProcess.converse(
                argv, environment: environment, input: ExchangeWire.encode(order, timeoutSeconds: timeoutSeconds),
                timeoutSeconds: timeoutSeconds + Self.graceSeconds, maxOutput: Self.maxOutput)
        } catch {
            return .failure(TransportFailure(description: "cannot start the exchange helper \(argv.joined(separator: " ")): \(error)"))
        }
        return Self.interpret(conversation, timeoutSeconds: timeoutSeconds)
    }

    /// What a finished conversation means for the account.
    static func interpret(_ conversation: ChildProcess.Conversation, timeoutSeconds: Double) -> Result<HTTPResponseMessage, TransportFailure> {
        let outcome = conversation.outcome
        if outcome.timedOut {
            return .failure(TransportFailure(description: "the exchange helper did not finish within \(Int(timeoutSeconds)) s (request_timeout) and was killed"))
        }
        if conversation.outputTooLong {
            return .failure(TransportFailure(description: "the exchange helper wrote more than \(maxOutput) bytes and was killed"))
        }
        if outcome.termination == .exited(0), let result = ExchangeWire.decodeResult(conversation.output) {
            return result
        }
        return .failure(TransportFailure(
            description: "the exchange helper failed (\(outcome.termination)) without an answer; the request is retried like a network error"))
    }
}

/// The helper's side: `redirect-catcher exchange-helper`.
public enum ExchangeHelper {
    /// The hidden command that runs `serve`.
    public static let commandName = "exchange-helper"
    /// How the daemon starts its helper: its own binary, whatever its path (and even if a
    /// package upgrade has replaced the file since: /proc/self/exe is the running one).
    public static let argv = ["/proc/self/exe", commandName]

    /// Reads one order on stdin, carries it out, writes the result on stdout. Returns the exit
    /// status: 0 when a result was written (a transport failure is a result too), 2 when the
    /// order could not be read.
    public static func serve(environment: [String: String]) -> Int32 {
        // exec made the process dumpable again; it is about to hold a refresh token or a code.
        try? ProcessEnvironment.makeNonDumpable()
        // A TLS peer that closes early must give EPIPE, never kill the helper.
        signal(SIGPIPE, SIG_IGN)
        let input = FileDescriptor(owning: 0)
        let output = FileDescriptor(owning: 1)
        defer {
            _ = input.release()
            _ = output.release()
        }
        var bytes: [UInt8] = []
        while true {
            guard let result = try? input.read(appendingTo: &bytes, max: 65536) else { return 2 }
            if result == .endOfFile { break }
            if bytes.count > ExchangeWire.maxOrder { return 2 }
        }
        guard let (order, timeout) = ExchangeWire.decodeOrder(bytes) else { return 2 }
        let transport = HTTPSTokenEndpoint(timeoutSeconds: timeout, environment: environment)
        let answer = ExchangeWire.encode(transport.perform(order))
        do {
            try output.writeAll(answer, deadline: Instant.deadline(afterSeconds: 10))
        } catch {
            return 3
        }
        return 0
    }
}

/// The framing between the daemon and its exchange helper: a sequence of netstring-style
/// fields (`LENGTH:BYTES,`, the length in decimal), a tag first. Both sides are the same
/// binary, but the daemon reads the helper's output as it reads the network: every length
/// is bounded, and anything malformed is nil, never a crash.
enum ExchangeWire {
    static let orderTag = "exchange-order-1"
    static let responseTag = "response"
    static let failureTag = "failure"
    /// The largest order the helper reads (a token request is a few kB).
    static let maxOrder = 1 << 20
    static let maxFields = 1000

    static func encode(_ order: ExchangeOrder, timeoutSeconds: Double) -> [UInt8] {
        var fields: [[UInt8]] = [Array(orderTag.utf8), Array(order.method.utf8), Array(order.location.utf8)]
        fields.append(optional(order.caFile.map { Array($0.utf8) }))
        fields.append(Array(String(Int((timeoutSeconds * 1000).rounded())).utf8))
        appendHeaders(order.headers, to: &fields)
        fields.append(optional(order.body))
        return frame(fields)
    }

    static func decodeOrder(_ bytes: [UInt8]) -> (ExchangeOrder, Double)? {
        guard var fields = Fields(bytes), fields.text() == orderTag,
              let method = fields.text(), let location = fields.text(), let caFile = fields.optional(),
              let milliseconds = fields.text().flatMap({ Int($0) }), milliseconds > 0, milliseconds <= 3_600_000,
              let headers = fields.headers(), let body = fields.optional(), fields.isAtEnd
        else { return nil }
        let order = ExchangeOrder(
            method: method, location: location, headers: headers, body: body,
            caFile: caFile.map { String(decoding: $0, as: UTF8.self) })
        return (order, Double(milliseconds) / 1000)
    }

    static func encode(_ result: Result<HTTPResponseMessage, TransportFailure>) -> [UInt8] {
        switch result {
        case .success(let message):
            var fields: [[UInt8]] = [Array(responseTag.utf8), Array(String(message.status).utf8), Array(message.reason.utf8)]
            appendHeaders(message.headers, to: &fields)
            fields.append(message.body)
            return frame(fields)
        case .failure(let failure):
            return frame([Array(failureTag.utf8), Array(failure.description.utf8)])
        }
    }

    static func decodeResult(_ bytes: [UInt8]) -> Result<HTTPResponseMessage, TransportFailure>? {
        guard var fields = Fields(bytes) else { return nil }
        switch fields.text() {
        case responseTag:
            guard let status = fields.text().flatMap({ Int($0) }), (100...999).contains(status),
                  let reason = fields.text(), let headers = fields.headers(), let body = fields.next(), fields.isAtEnd
            else { return nil }
            return .success(HTTPResponseMessage(status: status, reason: reason, headers: headers, body: body))
        case failureTag:
            guard let description = fields.text(), fields.isAtEnd else { return nil }
            return .failure(TransportFailure(description: description))
        default:
            return nil
        }
    }

    private static func optional(_ value: [UInt8]?) -> [UInt8] {
        value.map { [UInt8(ascii: "+")] + $0 } ?? [UInt8(ascii: "-")]
    }

    private static func appendHeaders(_ headers: HTTPHeaders, to fields: inout [[UInt8]]) {
        fields.append(Array(String(headers.count).utf8))
        for (name, value) in headers {
            fields.append(Array(name.utf8))
            fields.append(Array(value.utf8))
        }
    }

    private static func frame(_ fields: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for field in fields {
            out += Array(String(field.count).utf8)
            out.append(UInt8(ascii: ":"))
            out += field
            out.append(UInt8(ascii: ","))
        }
        return out
    }

    /// The fields of a frame, split up front; nil if any is malformed.
    struct Fields {
        private var fields: [[UInt8]]
        private var index = 0

        init?(_ bytes: [UInt8]) {
            var fields: [[UInt8]] = []
            var i = 0
            while i < bytes.count {
                guard fields.count < ExchangeWire.maxFields else { return nil }
                var length = 0
                var digits = 0
                while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                    length = length * 10 + Int(bytes[i] - 0x30)
                    digits += 1
                    i += 1
                    guard digits <= 8 else { return nil }
                }
                guard digits > 0, i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                guard length <= bytes.count - i - 1, bytes[i + length] == UInt8(ascii: ",") else { return nil }
                fields.append(Array(bytes[i..<(i + length)]))
                i += length + 1
            }
            self.fields = fields
        }

        var isAtEnd: Bool { index == fields.count }

        mutating func next() -> [UInt8]? {
            guard index < fields.count else { return nil }
            defer { index += 1 }
            return fields[index]
        }

        /// A field that must be UTF-8 text.
        mutating func text() -> String? {
            next().flatMap { String(validating: $0, as: UTF8.self) }
        }

        /// `-` for none, `+` and the bytes for some: .some(nil) is "none", nil is malformed.
        mutating func optional() -> [UInt8]?? {
            guard let field = next(), let marker = field.first else { return nil }
            switch marker {
            case UInt8(ascii: "-") where field.count == 1: return .some(nil)
            case UInt8(ascii: "+"): return .some(Array(field.dropFirst()))
            default: return nil
            }
        }

        mutating func headers() -> HTTPHeaders? {
            guard let count = text().flatMap({ Int($0) }), count >= 0, count <= ExchangeWire.maxFields / 2 else { return nil }
            var headers = HTTPHeaders()
            for _ in 0..<count {
                guard let name = text(), let value = text() else { return nil }
                headers.add(name, value)
            }
            return headers
        }
    }
}
