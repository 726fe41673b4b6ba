import Foundation
import Glibc
import RCSystem
import Testing

/// The Unix sockets and the process itself under attack from the same machine: clients that
/// connect and vanish by the ten thousand, another uid with the permissions loosened, files
/// in the way of a socket, a second daemon, and a process that tries to read the daemon's memory.
extension DaemonEndToEndTests {
    /// `VmRSS` of `pid` in kB.
    static func residentKB(_ pid: Int32) -> Int {
        HostileRawHTTP.status("VmRSS", of: pid).flatMap { Int($0.split(separator: " ").first ?? "") } ?? -1
    }

    @Test func tenThousandConnectAndDropClientsCostNothing() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM, logLevel: "info")
        defer { daemon.stop() }
        let pid = daemon.process.processIdentifier
        try Self.signIn(daemon, tls, account: "work")
        let path = daemon.socketPath("work")
        func connectAndDrop(_ count: Int) throws {
            for _ in 0..<count { try Socket.connectUnix(path: path).close() }
        }
        // Warm up the allocator and the client table, then measure.
        try connectAndDrop(1000)
        Thread.sleep(forTimeInterval: 0.3)
        let descriptors = HostileRawHTTP.openDescriptors(of: pid)
        let resident = Self.residentKB(pid)
        try connectAndDrop(10_000)
        let settled = Self.eventually(5) { HostileRawHTTP.openDescriptors(of: pid) <= descriptors }
        let residentAfter = Self.residentKB(pid)
        #expect(settled, "descriptors: \(descriptors) before, \(HostileRawHTTP.openDescriptors(of: pid)) after")
        // Allocator noise only: a leak of even 100 bytes a client would show as 1 MB. Under
        // AddressSanitizer (CI sets ASAN_OPTIONS) freed memory waits in quarantine, so only
        // the descriptors are compared there.
        if ProcessInfo.processInfo.environment["ASAN_OPTIONS"] == nil {
            #expect(residentAfter - resident < 1024, "VmRSS grew from \(resident) kB to \(residentAfter) kB")
        }
        #expect(daemon.process.isRunning, "the daemon died (SIGPIPE?)")
        #expect(tls.provider.isValid(accessToken: try TokenSocket.readLine(path)))
    }

    @Test func anotherUidIsRefusedEvenWithThePermissionsLoosened() throws {
        try LaunchedProcess.requireRoot("the other-uid test")
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        try Self.signIn(daemon, tls, account: "work")
        // Undo every file-system defence so that only SO_PEERCRED stands between nobody and the token.
        for directory in [daemon.directory, daemon.runtimeDirectory, daemon.socketDirectory] { chmod(directory, 0o777) }
        chmod(daemon.socketPath("work"), 0o666)
        chmod(daemon.socketPath("control"), 0o666)
        let token = try TokenSocket.readLine(daemon.socketPath("work"))

        for name in ["work", "control"] {
            let run = try LaunchedProcess.runAsNobody(["/usr/bin/nc", "-U", daemon.socketPath(name)])
            let output = run.stdout + run.stderr
            #expect(output.contains("error: this socket serves uid \(getuid()) only"), "\(name).sock said to nobody: \(output)")
            #expect(!output.contains(token), "\(name).sock gave nobody the token")
        }
        let refused = try daemon.log.waitForLine(containing: "refused a connection from uid 65534", timeout: 2)
        #expect(refused.contains("work.sock"), "\(refused)")
        // The refusal held for nobody only: the owner is still served.
        #expect(try TokenSocket.readLine(daemon.socketPath("work")) == token)
    }

    @Test func aStaleSocketIsReplacedAFileInTheWayIsRefusedAndALiveDaemonIsDetected() throws {
        let tls = try TLSTestProvider()
        defer { tls.stop() }
        let daemon = try DaemonProcess(accounts: [("work", tls.account())], caPEM: tls.caPEM)
        defer { daemon.stop() }
        let arguments = ["run", "--config", daemon.configPath]

        // A second daemon on the same directory while the first runs.
        let second = try LaunchedProcess(daemon.binary, arguments, environment: daemon.environment)
        defer { second.stop() }
        let status = second.exitStatus(within: 10)
        #expect(status != nil && status != 0, "a second daemon started beside the first: \(second.log.text)")
        #expect(second.log.text.contains("another redirect-catcher is already serving"), "\(second.log.text)")
        #expect(try TokenSocket.readLine(daemon.socketPath("work")).hasPrefix("error: "), "the first daemon lost its socket")

        // The first dies without cleaning up: its socket files stay behind, stale.
        kill(daemon.process.processIdentifier, SIGKILL)
        daemon.process.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: daemon.socketPath("work")))
        let third = try LaunchedProcess(daemon.binary, arguments, environment: daemon.environment)
        defer { third.stop() }
        try third.log.waitForLine(containing: "listening on http://localhost:")
        #expect(try TokenSocket.readLine(daemon.socketPath("work")).hasPrefix("error: "), "the new daemon does not serve the socket")
        third.stop()

        // A symlink, then a regular file, where the socket should be: refused and left alone.
        let victim = daemon.directory + "/victim"
        _ = FileManager.default.createFile(atPath: victim, contents: Array("keep me".utf8).withUnsafeBytes { Data($0) })
        for plant in ["symlink", "file"] {
            unlink(daemon.socketPath("work"))
            if plant == "symlink" {
                symlink(victim, daemon.socketPath("work"))
            } else {
                _ = FileManager.default.createFile(atPath: daemon.socketPath("work"), contents: Data())
            }
            let refused = try LaunchedProcess(daemon.binary, arguments, environment: daemon.environment)
            defer { refused.stop() }
            let status = refused.exitStatus(within: 10)
            #expect(status != nil && status != 0, "the daemon started over a \(plant): \(refused.log.text)")
            #expect(refused.log.text.contains("refusing to replace \(daemon.socketPath("work")): it is not a socket"), "\(refused.log.text)")
            var info = stat()
            #expect(lstat(daemon.socketPath("work"), &info) == 0 && info.st_mode & S_IFMT == (plant == "symlink" ? S_IFLNK : S_IFREG), "the \(plant) was removed")
        }
        #expect((try? String(contentsOfFile: victim, encoding: .utf8)) == "keep me")
    }

    /// prctl(PR_SET_DUMPABLE, 0) is observable from outside: the kernel makes a non-dumpable
    /// process's /proc files root's, so a process of the daemon's own (non-root) uid cannot
    /// read its environment or memory. The daemon runs as nobody here for that to show.
    @Test func theDaemonIsNotDumpable() throws {
        try LaunchedProcess.requireRoot("the non-dumpable test")
        let directory = try Self.nobodyDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = """
            {"listen": {"port": 0}, "accounts": {"work": {"authorize_url": "https://127.0.0.1:9/authorize", \
            "token_url": "https://127.0.0.1:9/token", "client_id": "c", "scopes": ["openid"]}}}
            """
        try config.write(toFile: directory + "/config.json", atomically: false, encoding: .utf8)
        chown(directory + "/config.json", 65534, 65534)
        // A copy nobody can run wherever the build tree is (its runpath is absolute).
        let binary = directory + "/redirect-catcher"
        try FileManager.default.copyItem(atPath: try DaemonBinary.path(), toPath: binary)
        let daemon = try LaunchedProcess(
            "/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "--", binary, "run", "--config", directory + "/config.json"],
            environment: ["PATH": "/usr/bin:/bin", "XDG_RUNTIME_DIR": directory + "/run"])
        defer { daemon.stop() }
        try daemon.log.waitForLine(containing: "listening on http://localhost:")
        let pid = daemon.process.processIdentifier
        #expect(HostileRawHTTP.status("Uid", of: pid)?.hasPrefix("65534") == true, "the daemon does not run as nobody")

        // The control: an ordinary process of nobody's owns its /proc files.
        let control = try LaunchedProcess(
            "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", "/bin/sleep", "30"], environment: [:])
        defer { control.stop() }
        Thread.sleep(forTimeInterval: 0.2)
        #expect(Self.owner("/proc/\(control.process.processIdentifier)/environ") == 65534, "the control shows nothing")

        #expect(Self.owner("/proc/\(pid)/environ") == 0, "the daemon's /proc files belong to its uid: it is dumpable")
        let read = try LaunchedProcess.runAsNobody(["/bin/cat", "/proc/\(pid)/environ"])
        #expect(read.status != 0, "nobody read the daemon's environment: \(read.stdout)")
    }

    private static func owner(_ path: String) -> uid_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_uid : nil
    }

    /// A temporary directory that nobody owns, with its `run` directory (0700) inside.
    private static func nobodyDirectory() throws -> String {
        var template = Array("/tmp/rc-nobody-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw HarnessFailure("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        let directory = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        mkdir(directory + "/run", 0o700)
        for path in [directory, directory + "/run"] { chown(path, 65534, 65534) }
        return directory
    }
}
