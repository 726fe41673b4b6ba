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
        let directory: TemporaryDirectory
        let launched: LaunchedProcess
        let socketDirectory: String
        let environment: [String: String]

        var process: Process { launched.process }
        var log: LogCapture { launched.log }
        var controlPath: String { socketDirectory + "/control.sock" }

        /// Listens on `http` (each passed as `http`) and on control.sock (passed as `control`).
        init(http: [String], port: Int, account: JSONObject, caPEM: String) throws {
            guard let launcher = CommandRun.which("systemd-socket-activate") else {
                throw HarnessFailure("systemd-socket-activate is not installed: apt-get install systemd")
            }
            directory = try TemporaryDirectory()
            let base = directory.path
            socketDirectory = base + "/run/redirect-catcher"
            try FileManager.default.createDirectory(
                atPath: socketDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: base + "/run")
            try caPEM.write(toFile: base + "/ca.pem", atomically: true, encoding: .utf8)
            try DaemonProcess.writeConfig(
                base + "/config.json", accounts: [("work", account)], caPath: base + "/ca.pem",
                settings: [("listen", .object(JSONObject([("port", .number(JSONNumber(Int64(port))))])))])
            let childEnvironment = DaemonProcess.childEnvironment(directory: base)
            environment = childEnvironment
            // The launcher hands the child only the variables named with --setenv (and LISTEN_*).
            let passed = ["XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "PATH", "HOME"].compactMap { name in
                childEnvironment[name].map { "--setenv=\(name)=\($0)" }
            }
            let names = Array(repeating: "http", count: http.count) + ["control"]
            launched = try LaunchedProcess(
                launcher,
                (http + [socketDirectory + "/control.sock"]).map { "--listen=\($0)" } + ["--fdname=" + names.joined(separator: ":")] + passed
                    + [try DaemonBinary.path(), "run", "--config", base + "/config.json", "--log-level", "debug"],
                environment: childEnvironment)
        }

        /// Waits until the launcher listens on control.sock (it binds after it starts).
        func waitForControlSocket() throws {
            let deadline = Date().addingTimeInterval(10)
            while !FileManager.default.fileExists(atPath: controlPath) {
                if Date() >= deadline || !process.isRunning {
                    throw HarnessFailure("nothing listens on \(controlPath) after 10 s; launcher output:\n\(log.text)")
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }

        /// `redirect-catcher status --json`, as a person would run it: the first connection
        /// starts the daemon.
        func status() throws -> CommandRun {
            try waitForControlSocket()
            return try CommandRun.run(try DaemonBinary.path(), ["status", "--json"], environment: environment)
        }

        func stop() { launched.stop() }
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
        let reply = try daemon.status()
        #expect(reply.status == 0, "status --json: \(reply.stderr)\n\(daemon.log.text)")
        let status = try #require(try JSONParser.parse(Array(reply.stdout.utf8)).objectValue, "status --json printed \(reply.stdout)\n\(daemon.log.text)")
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
        _ = try? daemon.status()
        let exit = daemon.launched.exitStatus(within: 10)
        #expect(exit != nil && exit != 0, "\(daemon.log.text)")
        try daemon.log.waitForLine(containing: "refusing the socket named http on 0.0.0.0:\(port): a wildcard address")
    }
}
