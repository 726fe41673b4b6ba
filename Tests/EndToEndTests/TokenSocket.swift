import Glibc
import RCSystem

/// Reads an account socket the way `nc -U PATH` does: connect, send nothing, read to EOF.
enum TokenSocket {
    /// The daemon's whole reply, or a thrown failure to connect or read within `timeout`.
    static func read(_ path: String, timeout: Double = 10) throws -> String {
        let socket: FileDescriptor
        do {
            socket = try Socket.connectUnix(path: path)
        } catch {
            throw HarnessFailure("cannot connect to \(path): \(error)")
        }
        defer { socket.close() }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(socket.rawValue, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(socket.rawValue, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 {
                throw HarnessFailure("reading \(path) failed after \(reply.count) bytes: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            reply += buffer[0..<n]
        }
        return String(decoding: reply, as: UTF8.self)
    }

    /// The reply with its one trailing newline checked and removed: a token, or an `error:` line.
    static func readLine(_ path: String, timeout: Double = 10) throws -> String {
        let reply = try read(path, timeout: timeout)
        guard reply.hasSuffix("\n"), reply.dropLast().firstIndex(of: "\n") == nil else {
            throw HarnessFailure("\(path) replied \(reply.debugDescription), not one line ending in a newline")
        }
        return String(reply.dropLast())
    }
}
