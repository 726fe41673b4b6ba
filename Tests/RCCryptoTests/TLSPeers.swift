import Foundation
import Glibc
import RCCrypto
import RCSystem

/// OpenSSL's socket BIO writes with write(2); a peer that leaves would otherwise kill the test
/// process with SIGPIPE (the daemon ignores it at start for the same reason).
let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

/// A value produced on another thread, waited for with a time limit.
final class ThreadResult<T: Sendable>: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var value: Result<T, TLSError>?

    func set(_ result: Result<T, TLSError>) {
        lock.withLock { value = result }
        semaphore.signal()
    }

    /// nil when the thread did not finish in time.
    func wait(seconds: Double = 15) -> Result<T, TLSError>? {
        guard semaphore.wait(timeout: .now() + seconds) == .success else { return nil }
        return lock.withLock { value }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A loopback listener on a free port whose first connection is handed to `body` on a detached
/// thread. The listener is moved to that thread as a raw descriptor, since FileDescriptor is not
/// Sendable.
func serveOnce<T: Sendable>(
    _ body: @escaping @Sendable (FileDescriptor) throws(TLSError) -> T
) throws -> (port: UInt16, result: ThreadResult<T>) {
    _ = ignoreSIGPIPE
    let listener = try Socket.listenTCP(.ipv4, port: 0)
    let port = try Socket.localPort(listener)
    let raw = listener.release()
    let result = ThreadResult<T>()
    try ThreadSpawn.detached {
        let listener = FileDescriptor(owning: raw)
        let deadline = Instant.deadline(afterSeconds: 15)
        do throws(TLSError) {
            var accepted: FileDescriptor?
            while accepted == nil {
                var ready = true
                do throws(SystemError) {
                    accepted = try Socket.accept(listener)
                    if accepted == nil { ready = try listener.waitFor(writing: false, until: deadline) }
                } catch {
                    throw TLSError(.io, "test server: \(error)")
                }
                if !ready { throw TLSError(.timeout, "test server: nobody connected") }
            }
            guard let socket = accepted else { return }
            result.set(.success(try body(socket)))
        } catch {
            result.set(.failure(error))
        }
    }
    return (port, result)
}

/// A TLSStream server for one connection: handshakes, then runs `body` on the stream.
func serveTLSOnce<T: Sendable>(
    context: TLSServerContext, _ body: @escaping @Sendable (TLSStream) throws(TLSError) -> T
) throws -> (port: UInt16, result: ThreadResult<T>) {
    try serveOnce { (socket: FileDescriptor) throws(TLSError) -> T in
        let stream = try TLSStream.accept(socket: socket, context: context, deadline: .deadline(afterSeconds: 10))
        return try body(stream)
    }
}

/// Connects to 127.0.0.1:`port` and handshakes expecting a certificate for `host`.
func connectTLS(
    port: UInt16, host: String, caFile: String?, seconds: Double = 10
) throws(TLSError) -> TLSStream {
    _ = ignoreSIGPIPE
    let deadline = Instant.deadline(afterSeconds: seconds)
    let context = try TLSClientContext(caFile: caFile)
    let socket: FileDescriptor
    do {
        socket = try Socket.connectTCP(host: "127.0.0.1", port: port, deadline: deadline)
    } catch {
        throw TLSError(.io, "test client: \(error)")
    }
    return try TLSStream.connect(socket: socket, host: host, context: context, deadline: deadline)
}

/// Reads until end of stream.
func readToEnd(_ stream: TLSStream, seconds: Double = 10) throws(TLSError) -> [UInt8] {
    let deadline = Instant.deadline(afterSeconds: seconds)
    var all: [UInt8] = []
    while true {
        let chunk = try stream.read(max: 65536, deadline: deadline)
        if chunk.isEmpty { return all }
        all += chunk
    }
}

/// Reads exactly `count` bytes (fewer only at end of stream).
func readExactly(_ stream: TLSStream, _ count: Int, seconds: Double = 10) throws(TLSError) -> [UInt8] {
    let deadline = Instant.deadline(afterSeconds: seconds)
    var all: [UInt8] = []
    while all.count < count {
        let chunk = try stream.read(max: count - all.count, deadline: deadline)
        if chunk.isEmpty { break }
        all += chunk
    }
    return all
}

/// A private temporary directory, removed when its owner lets go.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("rc-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` to `name` in the directory and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }
}

/// `openssl s_server` on 127.0.0.1 and a port it picks, stopped when its owner lets go.
final class OpenSSLServer {
    let process = Process()
    let port: UInt16

    /// Starts `openssl s_server -accept 127.0.0.1:0 -cert ... -key ...` plus `arguments`, and
    /// reads the port from its "ACCEPT 127.0.0.1:PORT" line.
    init(certificateFile: String, keyFile: String, arguments: [String]) throws {
        _ = ignoreSIGPIPE
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["s_server", "-accept", "127.0.0.1:0", "-cert", certificateFile, "-key", keyFile] + arguments
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var text = ""
        var found: UInt16?
        while found == nil {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty {
                throw TestFailure("openssl s_server exited before listening: \(text)")
            }
            text += String(decoding: data, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT 127.0.0.1:") }),
                let port = UInt16(line.dropFirst("ACCEPT 127.0.0.1:".count).trimmingCharacters(in: .whitespaces))
            {
                found = port
            }
        }
        port = found ?? 0
        // Keep draining its output so that a chatty server never blocks on a full pipe.
        output.fileHandleForReading.readabilityHandler = { handle in
            if handle.availableData.isEmpty { handle.readabilityHandler = nil }
        }
    }

    deinit {
        // SIGKILL, not terminate()'s SIGTERM: a child spawned from a libdispatch worker thread
        // inherits its mask, in which SIGTERM is blocked.
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
