import RCSystem

/// The client side of `control.sock`, used by `status`, `token`, `signin` and `refresh`.
public enum ControlClient {
    /// Why a request got no reply, phrased as what to do.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Sends one request line and returns the reply without its newline.
    public static func request(_ line: String, environment: [String: String], timeoutSeconds: Double = 60) throws(Failure) -> String {
        let directory: String
        do {
            directory = try RuntimeDirectory.path(environment: environment)
        } catch {
            throw Failure(description: error.description)
        }
        let path = directory + "/control.sock"
        let socket: FileDescriptor
        do {
            socket = try Socket.connectUnix(path: path)
        } catch {
            throw Failure(
                description:
                    "redirect-catcher is not running (cannot connect to \(path): \(error)); start it with `systemctl --user start redirect-catcher` or `redirect-catcher run`"
            )
        }
        let deadline = Instant.deadline(afterSeconds: timeoutSeconds)
        var reply: [UInt8] = []
        do {
            try socket.setNonBlocking()
            try socket.writeAll(Array((line + "\n").utf8), deadline: deadline)
            while true {
                switch try socket.read(appendingTo: &reply) {
                case .bytes: continue
                case .endOfFile:
                    if reply.last == 0x0A { reply.removeLast() }
                    return String(decoding: reply, as: UTF8.self)
                case .wouldBlock:
                    guard try socket.waitFor(writing: false, until: deadline) else { throw SystemError.timedOut("read") }
                }
            }
        } catch {
            throw Failure(description: "no reply from \(path): \(error)")
        }
    }
}
