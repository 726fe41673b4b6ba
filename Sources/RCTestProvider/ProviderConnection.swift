import Glibc
import RCCrypto
import RCHTTP
import RCSystem

/// One connection to the provider: read one request within the deadline, answer, close.
///
/// Anything a peer sends that is not a well-formed request ends in a 4xx and a close, never a
/// crash: the provider is also the peer of tests that send it garbage.
enum ProviderConnection {
    /// Read and write deadline for a whole connection; a silent client is dropped after it.
    static let ioTimeout = 5.0
    /// Token and decision bodies are a few hundred bytes; nothing legitimate comes near this.
    static let maxBody = 65536

    static func serve(_ channel: any ByteChannel, respond: (HTTPRequestHead, [UInt8]) -> ConnectionAction) {
        let deadline = Instant.deadline(afterSeconds: ioTimeout)
        guard let request = readRequest(channel, deadline: deadline) else {
            channel.close()
            return
        }
        let action: ConnectionAction
        switch request {
        case .failure(let reply): action = .reply(reply)
        case .success(let head, let body): action = respond(head, body)
        }
        switch action {
        case .reply(let reply):
            try? channel.write(reply.serialized, deadline: Instant.deadline(afterSeconds: ioTimeout))
            channel.close()
        case .hang(let seconds):
            sleep(seconds: seconds)
            channel.close()
        case .reset:
            channel.abort()
        }
    }

    private enum ReadOutcome {
        case success(HTTPRequestHead, [UInt8])
        case failure(Reply)
    }

    /// nil when the peer went away or timed out: nobody is left to answer.
    private static func readRequest(_ channel: any ByteChannel, deadline: Instant) -> ReadOutcome? {
        let parser = HTTPRequestParser()
        var buffer: [UInt8] = []
        while true {
            switch parser.parse(buffer) {
            case .failed(let error):
                return .failure(.plain(error.status, error.reason))
            case .complete(let head, let headLength):
                let length: Int
                do {
                    length = try head.bodyLength()
                } catch {
                    return .failure(.plain(error.status, error.reason))
                }
                guard length <= maxBody else { return .failure(.plain(413, "request body too large")) }
                var body = Array(buffer[headLength...])
                while body.count < length {
                    guard let chunk = try? channel.read(max: length - body.count, deadline: deadline), !chunk.isEmpty else {
                        return nil
                    }
                    body += chunk
                }
                // Pipelined extra bytes are ignored: every reply closes the connection.
                return .success(head, Array(body.prefix(length)))
            case .incomplete:
                guard let chunk = try? channel.read(max: 16384, deadline: deadline), !chunk.isEmpty else {
                    return nil
                }
                buffer += chunk
            }
        }
    }

    /// nanosleep through interruptions, for `.hang`.
    static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        _ = retryingEINTR {
            defer { request = remaining }  // what a retry still has to sleep
            return nanosleep(&request, &remaining)
        }
    }
}
