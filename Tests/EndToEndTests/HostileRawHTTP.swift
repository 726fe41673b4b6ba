import Foundation
import Glibc

/// A client that sends exactly the bytes a test gives it to the redirect port and reports
/// what came back, byte for byte: no HTTP library in between to tidy up a hostile request.
enum HostileRawHTTP {
    /// What the listener did with one request.
    struct Answer: CustomStringConvertible {
        let bytes: [UInt8]

        var text: String { String(decoding: bytes, as: UTF8.self) }

        /// True when the listener closed without a single byte of answer.
        var isSilentClose: Bool { bytes.isEmpty }

        /// The status of the first response, nil when there is none.
        var status: Int? {
            guard text.hasPrefix("HTTP/1.1 ") else { return nil }
            return Int(text.dropFirst(9).prefix(3))
        }

        /// The first response's header section, without its status line.
        private var headerLines: [Substring] {
            guard let end = text.range(of: "\r\n\r\n") else { return [] }
            return text[..<end.lowerBound].split(separator: "\r\n").dropFirst().map { $0 }
        }

        /// The value of the first header named `name` (case-insensitive) in the first response.
        func header(_ name: String) -> String? {
            for line in headerLines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                if line[..<colon].lowercased() == name.lowercased() {
                    return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }

        /// Everything after the first header section.
        var body: String {
            guard let end = text.range(of: "\r\n\r\n") else { return "" }
            return String(text[end.upperBound...])
        }

        /// How many responses came back: each starts with a status line at the start of the
        /// stream or right after a previous body.
        var responseCount: Int {
            guard status != nil else { return 0 }
            let length = header("Content-Length").flatMap { Int($0) } ?? 0
            guard let end = text.utf8.firstRange(of: Array("\r\n\r\n".utf8)) else { return 1 }
            let after = text.utf8[end.upperBound...].dropFirst(length)
            return after.isEmpty ? 1 : 1 + Answer(bytes: Array(after)).responseCount
        }

        var description: String {
            isSilentClose ? "a silent close" : "\(text.prefix(400).debugDescription)…"
        }
    }

    /// Opens a blocking TCP connection to 127.0.0.1:`port` whose reads give up after `timeout`.
    static func connect(port: Int, timeout: Double = 5) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HarnessFailure("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw HarnessFailure("cannot connect to 127.0.0.1:\(port): \(reason)")
        }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Sends everything in `bytes` (MSG_NOSIGNAL: a peer that closed early is not a crash).
    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            // The listener may refuse and close before reading all of a long request.
            if n <= 0 { return }
            offset += n
        }
    }

    /// Reads until the listener closes; a reset after some bytes still counts as closed.
    static func readToClose(_ fd: Int32, what: String) throws -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                received += buffer[0..<n]
                continue
            }
            if n == 0 { return received }
            switch errno {
            case EINTR: continue
            case ECONNRESET: return received
            case EAGAIN, EWOULDBLOCK:
                throw HarnessFailure("\(what): the listener neither answered in full nor closed; got \(received.count) bytes")
            default: throw HarnessFailure("\(what): recv failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// One connection: send `request`, read to close.
    static func exchange(port: Int, _ request: [UInt8], what: String) throws -> Answer {
        let fd = try connect(port: port)
        defer { close(fd) }
        send(fd, request)
        return Answer(bytes: try readToClose(fd, what: what))
    }

    /// Descriptors the process `pid` has open (`/proc/PID/fd`).
    static func openDescriptors(of pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
    }

    /// A field of `/proc/PID/status` ("VmRSS", "Uid"), as written there.
    static func status(_ field: String, of pid: Int32) -> String? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return line.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}
