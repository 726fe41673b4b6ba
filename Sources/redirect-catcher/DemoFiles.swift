import Glibc
import RCHTTP
import RCSystem

typealias RCHTTPResponse = HTTPResponseMessage

/// The few file operations the demo needs, without Foundation.
enum DemoFiles {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A new private directory under $TMPDIR (or /tmp).
    static func makeDirectory() throws -> String {
        let base = ProcessEnvironment.variables()["TMPDIR"] ?? "/tmp"
        var template = Array((base + "/redirect-catcher-demo.XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard let made else {
            throw Failure(description: "cannot create a directory in \(base): \(SystemError.last("mkdtemp"))")
        }
        return String(cString: made)
    }

    static func write(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot write \(path): \(SystemError.last("open"))") }
        let file = FileDescriptor(owning: fd)
        try file.writeAll(Array(text.utf8), deadline: Instant.deadline(afterSeconds: 5))
    }

    static func remove(_ path: String) {
        unlink(path)
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        rmdir(directory)
    }

    /// The absolute path of the running binary (`/proc/self/exe`), or its plain name when the
    /// link cannot be read.
    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return "redirect-catcher" }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Reads a socket as `nc -U` does: connect, read to end of file.
    static func readSocket(_ path: String) throws -> String {
        let socket = try Socket.connectUnix(path: path)
        var bytes: [UInt8] = []
        while case .bytes = try socket.read(appendingTo: &bytes) {}
        if bytes.last == 0x0A { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
