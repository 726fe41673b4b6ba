import Foundation
import RCSystem

/// Everything a child process writes to one pipe, collected by a thread of its own so a test
/// can wait for a line ("until a line containing X appears, within 10 s") without blocking
/// the child.
final class LogCapture: Sendable {
    private let bytes = Locked<[UInt8]>([])
    private let closed = Locked(false)

    /// Starts draining `handle` until EOF.
    init(reading handle: FileHandle) {
        let fd = handle.fileDescriptor
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 16384)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                bytes.withLock { $0 += buffer[0..<n] }
            }
            closed.withLock { $0 = true }
        }
        thread.start()
    }

    /// All text so far.
    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }

    /// Complete lines so far, without the journal priority prefix (`<6>`).
    var lines: [String] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            if line.hasPrefix("<"), let end = line.firstIndex(of: ">"), line.distance(from: line.startIndex, to: end) <= 2 {
                return String(line[line.index(after: end)...])
            }
            return String(line)
        }
    }

    /// Whether the writer closed its end (the process exited).
    var isClosed: Bool { closed.withLock { $0 } }

    /// The first line (after `after` lines have been skipped) for which `matches` holds,
    /// waiting up to `timeout` seconds; throws with the log so far when none comes.
    @discardableResult
    func waitForLine(
        _ what: String, after skip: Int = 0, timeout: Double = 10, where matches: (String) -> Bool
    ) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let line = lines.dropFirst(skip).first(where: matches) { return line }
            if Date() >= deadline || isClosed {
                if let line = lines.dropFirst(skip).first(where: matches) { return line }
                throw HarnessFailure(
                    "no log line \(what) within \(timeout) s\(isClosed ? " (the process exited)" : ""); log so far:\n\(text)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// `waitForLine` for a line containing `fragment`.
    @discardableResult
    func waitForLine(containing fragment: String, after skip: Int = 0, timeout: Double = 10) throws -> String {
        try waitForLine("containing \"\(fragment)\"", after: skip, timeout: timeout) { $0.contains(fragment) }
    }
}
