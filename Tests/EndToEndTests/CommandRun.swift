import Foundation

/// A short-lived child process (`redirect-catcher status`, `nc -U`) run to completion with
/// its output captured: what a person would see in the terminal.
struct CommandRun {
    let status: Int32
    let stdout: String
    let stderr: String

    /// Runs `executable` with `arguments` and `environment`, killing it after `timeout` seconds;
    /// `input` is its standard input (none: /dev/null).
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: String? = nil, timeout: Double = 10
    ) throws -> CommandRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = input.map { _ in Pipe() }
        process.standardInput = stdin ?? FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw HarnessFailure("cannot start \(executable): \(error)")
        }
        if let stdin, let input {
            // A few short lines: they fit the pipe, so this does not wait for the child.
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
        let outCapture = LogCapture(reading: out.fileHandleForReading)
        let errCapture = LogCapture(reading: err.fileHandleForReading)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw HarnessFailure("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
        }
        process.waitUntilExit()
        // The pipes reach EOF once the child and every copy of the write ends are gone.
        let drained = Date().addingTimeInterval(2)
        while !(outCapture.isClosed && errCapture.isClosed) && Date() < drained { Thread.sleep(forTimeInterval: 0.01) }
        return CommandRun(status: process.terminationStatus, stdout: outCapture.text, stderr: errCapture.text)
    }

    /// The first executable called `name` on PATH, or nil.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
