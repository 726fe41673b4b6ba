import Foundation
import RCJSON
import RCSystem
import RCTestProvider
import Testing

/// Socket activation as systemd does it, with `systemd-socket-activate` (from the systemd
/// package) as the launcher: it listens on the loopback port and control.sock, starts the
/// daemon on the first connection, and passes the sockets as LISTEN_FDS with LISTEN_FDNAMES.
@Suite(.serialized) struct DaemonSocketActivationTests {
    /// A daemon started by systemd-socket-activate in a private directory, its output captured.
    final class ActivatedDaemon {
        let directory = try? TemporaryDirectory()
        let process = Process()
        let log: LogCapture
        let socketDirectory: String

        /// Listens on `http` (each passed as `http`) and on control.sock (passed as `control`).
        init(http: [String], port: Int, account: JSONObject, caPEM: String) throws {
            guard let launcher = CommandRun.which("systemd-socket-activate") else {
                throw HarnessFailure("systemd-socket-activate is not installed: apt-get install systemd")
            }
            guard let base = directory?.path else { throw HarnessFailure("cannot make a temporary directory") }
            socketDirectory = base + "/run/redirect-catcher"
            try FileManager.default.createDirectory(
                atPath: socketDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: base + "/run")
            try caPEM.write(toFile: base + "/ca.pem", atomically: true, encoding: .utf8)
            try DaemonProcess.writeConfig(
                base + "/config.json", accounts: [("work", account)], caPath: base + "/ca.pem",
                settings: [("listen", .object(JSONObject([("port", .number(JSONNumber(Int64(port))))])))])
            let environment = DaemonProcess.childEnvironment(directory: base)
            // The launcher hands the child only the variables named with --setenv (and LISTEN_*).
            let passed = ["XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "PATH", "HOME"].compactMap { name in environment[name].map { "--setenv=\(name)=\($0)" } }
            process.executableURL = URL(fileURLWithPath: launcher)
            let names = Array(repeating: "http", count: http.count) + ["control"]
            process.arguments =
                (http + [socketDirectory + "/control.sock"]).map { "--listen=\($0)" } + ["--fdname=" + names.joined(separator: ":")] + passed
                + [try DaemonBinary.path(), "run", "--config", base + "/config.json", "--log-level", "debug"]
            process.environment = environment
            let output = Pipe()
            process.standardError = output
            process.standardOutput = output
            process.standardInput = FileHandle.nullDevice
            log = LogCapture(reading: output.fileHandleForReading)
            try process.run()
            try? output.fileHandleForWriting.close()
        }

        var controlPath: String { socketDirectory + "/control.sock" }

        /// Connects to `path` until the launcher listens there (it binds after it starts).
        func connect(_ path: String) throws -> FileDescriptor {
            let deadline = Date().addingTimeInterval(10)
            while true {
                if let fd = try? Socket.connectUnix(path: path) { return fd }
                if Date() >= deadline || !process.isRunning {
                    throw HarnessFailure("cannot connect to \(path) within 10 s; launcher output:\n\(log.text)")
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }

        /// One control request; the first one starts the daemon.
        func control(_ request: String) throws -> String {
            let fd = try connect(controlPath)
            try fd.writeAll(Array((request + "\n").utf8), deadline: Instant.deadline(afterSeconds: 5))
            return String(decoding: try readAll(fd), as: UTF8.self)
        }

        func stop() {
            DaemonProcess.terminate(process)
        }
    }

    static func readAll(_ fd: FileDescriptor) throws -> [UInt8] {
        var limit = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd.rawValue, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd.rawValue, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw HarnessFailure("read failed: \(String(cString: strerror(errno)))") }
            if n == 0 { return bytes }
            bytes += buffer[0..<n]
        }
    }

    /// A loopback port nobody listens on right now.
    static func freePort() throws -> Int {
        let fd = try Socket.listenTCP(.ipv4, port: 0)
        defer { fd.close() }
        return Int(try Socket.localPort(fd))
    }

    @Test func usesTheSocketsSystemdPassesAndLeavesControlSockToIt() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let port = try Self.freePort()
        let daemon = try ActivatedDaemon(http: ["127.0.0.1:\(port)", "[::1]:\(port)"], port: port, account: tls.account(), caPEM: tls.caPEM)
        defer { daemon.stop() }

        // The first connection to control.sock starts the daemon, which answers it.
        let reply = try daemon.control("status")
        let status = try #require(try JSONParser.parse(Array(reply.utf8)).objectValue, "control.sock answered \(reply)\n\(daemon.log.text)")
        #expect(status.string("listen") == "http://localhost:\(port)")
        try daemon.log.waitForLine(containing: "listening on http://localhost:\(port) with 1 account(s)")
        #expect(daemon.log.text.contains("(socket-activated)"), "\(daemon.log.text)")
        #expect(!daemon.log.text.contains("port_mismatch") && !daemon.log.text.contains("but listen.port is"))

        // The passed port serves the browser, on both loopback addresses.
        for host in ["127.0.0.1", "[::1]"] {
            let page = try Browser.get("http://\(host):\(port)/signin/work")
            #expect(page.status == 302, "\(host): \(Browser.summary(page))")
        }
        // Account sockets are still the daemon's own, and a sign-in works through the passed port.
        let work = daemon.socketDirectory + "/work.sock"
        #expect(try TokenSocket.readLine(work).hasPrefix("error: account work needs sign-in"))
        let authorizeURL = try Browser.get("http://localhost:\(port)/signin/work").headers["Location"] ?? ""
        let page = try Browser.deliver(try TestPerson.signIn(authorizeURL: authorizeURL, approve: true, caPEM: tls.caPEM))
        #expect(page.status == 200, "\(Browser.summary(page))")
        #expect(tls.provider.isValid(accessToken: try TokenSocket.readLine(work)))

        // Stopping leaves control.sock to systemd (it keeps listening there) and removes the daemon's own.
        kill(daemon.process.processIdentifier, SIGTERM)
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus == 0, "\(daemon.log.text)")
        #expect(FileManager.default.fileExists(atPath: daemon.controlPath), "the daemon removed systemd's control.sock")
        #expect(!FileManager.default.fileExists(atPath: work))
    }

    @Test func refusesAWildcardAddressForTheRedirectListener() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let port = try Self.freePort()
        let daemon = try ActivatedDaemon(http: ["0.0.0.0:\(port)"], port: port, account: tls.account(), caPEM: tls.caPEM)
        defer { daemon.stop() }
        _ = try? daemon.control("status")
        daemon.process.waitUntilExit()
        #expect(daemon.process.terminationStatus != 0)
        try daemon.log.waitForLine(containing: "refusing the socket named http on 0.0.0.0:\(port): a wildcard address")
    }
}
