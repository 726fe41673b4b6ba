import Foundation

/// A process a test starts beside the daemon it checks: a peer such as oidc-provider-mock, a
/// second daemon on the same runtime directory, one started under another uid, or a client
/// run as `nobody`. Its output is captured; `stop()` ends it (SIGTERM, then SIGKILL).
final class LaunchedProcess {
    let process = Process()
    let log: LogCapture

    init(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        log = LogCapture(reading: output.fileHandleForReading)
        do {
            try process.run()
        } catch {
            throw HarnessFailure("cannot start \(executable) \(arguments.joined(separator: " ")): \(error)")
        }
        try? output.fileHandleForWriting.close()
    }

    /// Waits up to `timeout` for the process to exit; its status, or nil if it still runs.
    func exitStatus(within timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        guard !process.isRunning else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func stop() { DaemonProcess.terminate(process) }

    /// Runs `command` as the user `nobody` (util-linux `setpriv`, which needs root) to completion.
    static func runAsNobody(_ command: [String]) throws -> CommandRun {
        try CommandRun.run(
            "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--"] + command, environment: ["PATH": "/usr/bin:/bin"])
    }

    /// Fails with a clear sentence when the tests that switch uid cannot: they need root.
    static func requireRoot(_ what: String) throws {
        guard getuid() == 0 else {
            throw HarnessFailure("\(what) needs root (to run a process as nobody with setpriv); run the tests as root, as CI does")
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            throw HarnessFailure("\(what) needs /usr/bin/setpriv (util-linux)")
        }
    }
}
