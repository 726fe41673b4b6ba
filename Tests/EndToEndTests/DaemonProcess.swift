import Foundation
import RCJSON

/// A real `redirect-catcher run` in a private temporary directory: its own config file,
/// CA file and `XDG_RUNTIME_DIR`, its stderr captured for the test to wait on. `stop()`
/// (SIGTERM, then SIGKILL after 3 s) removes the directory; call it in a `defer`.
final class DaemonProcess {
    let directory: String
    let configPath: String
    let runtimeDirectory: String
    let binary: String
    let process = Process()
    let log: LogCapture
    /// The redirect port the daemon bound, from its `listening on http://localhost:PORT` line.
    let port: Int

    /// Where the daemon's sockets are: `$XDG_RUNTIME_DIR/redirect-catcher`.
    var socketDirectory: String { runtimeDirectory + "/redirect-catcher" }

    /// The environment the daemon runs with, and that its client commands need to find it.
    var environment: [String: String] { Self.childEnvironment(directory: directory) }

    /// This process's environment without systemd's variables (which would point the child
    /// elsewhere) and without proxy variables (a CI machine's proxy must not see the test
    /// provider), with `XDG_RUNTIME_DIR` and `XDG_CONFIG_HOME` inside `directory`.
    static func childEnvironment(directory: String) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in [
            "RUNTIME_DIRECTORY", "NOTIFY_SOCKET", "CREDENTIALS_DIRECTORY", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "WATCHDOG_USEC",
            "WATCHDOG_PID", "https_proxy", "HTTPS_PROXY",
            "no_proxy", "NO_PROXY",
        ] {
            environment.removeValue(forKey: key)
        }
        environment["XDG_RUNTIME_DIR"] = directory + "/run"
        environment["XDG_CONFIG_HOME"] = directory + "/config"
        return environment
    }

    /// Writes `accounts` (account name to its JSON object) into a config with
    /// `"listen": {"port": 0}`, writes `caPEM` (if any) to `ca.pem` and sets it as the
    /// `ca_file` of every account that has none, and starts the daemon, returning once
    /// it logged the port it listens on. `settings` are further top-level keys
    /// (`request_timeout`, `notify_command`); `environment` is added to the daemon's
    /// environment (`HTTPS_PROXY`, `no_proxy`, ...).
    init(
        accounts: [(String, JSONObject)], caPEM: String? = nil, logLevel: String? = "debug",
        settings: [(key: String, value: JSONValue)] = [], environment extra: [String: String] = [:]
    ) throws {
        binary = try DaemonBinary.path()
        var template = Array("/tmp/rc-e2e-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw HarnessFailure("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        directory = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        configPath = directory + "/config.json"
        runtimeDirectory = directory + "/run"
        do {
            try FileManager.default.createDirectory(
                atPath: runtimeDirectory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            let caPath = directory + "/ca.pem"
            if let caPEM { try caPEM.write(toFile: caPath, atomically: true, encoding: .utf8) }
            try Self.writeConfig(configPath, accounts: accounts, caPath: caPEM == nil ? nil : caPath, settings: settings)
        } catch let failure as HarnessFailure {
            try? FileManager.default.removeItem(atPath: directory)
            throw failure
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw HarnessFailure("cannot prepare \(directory): \(error)")
        }

        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["run", "--config", configPath] + (logLevel.map { ["--log-level", $0] } ?? [])
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = stderr
        process.standardInput = FileHandle.nullDevice
        log = LogCapture(reading: stderr.fileHandleForReading)
        process.environment = Self.childEnvironment(directory: directory).merging(extra) { $1 }
        do {
            try process.run()
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw HarnessFailure("cannot start \(binary): \(error)")
        }
        // The write end now belongs to the child; closing ours lets the reader see EOF when it exits.
        try? stderr.fileHandleForWriting.close()
        do {
            let line = try log.waitForLine(containing: "listening on http://localhost:")
            guard let port = Self.port(in: line) else { throw HarnessFailure("no port in the daemon's line: \(line)") }
            self.port = port
        } catch {
            Self.terminate(process)
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    deinit { stop() }

    /// The config file `init` writes: `listen.port` 0 unless `settings` says otherwise, and
    /// `caPath` as the `ca_file` of every account that has none.
    static func writeConfig(
        _ path: String, accounts: [(String, JSONObject)], caPath: String?, settings: [(key: String, value: JSONValue)]
    ) throws {
        var members: [(key: String, value: JSONValue)] = []
        for (name, account) in accounts {
            var account = account
            if let caPath, account["ca_file"] == nil { account["ca_file"] = .string(caPath) }
            members.append((name, .object(account)))
        }
        let listen: [(key: String, value: JSONValue)] =
            settings.contains { $0.key == "listen" } ? [] : [("listen", .object(JSONObject([("port", .number(JSONNumber(Int64(0))))])))]
        let config = JSONObject(listen + [("accounts", .object(JSONObject(members)))] + settings)
        try JSONWriter.write(.object(config)).write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Replaces the config file (as a person editing it would), for a reload.
    func rewriteConfig(accounts: [(String, JSONObject)], settings: [(key: String, value: JSONValue)] = []) throws {
        let caPath = directory + "/ca.pem"
        try Self.writeConfig(
            configPath, accounts: accounts, caPath: FileManager.default.fileExists(atPath: caPath) ? caPath : nil, settings: settings)
    }

    /// `systemctl --user reload`: SIGHUP.
    func reload() {
        kill(process.processIdentifier, SIGHUP)
    }

    /// Stops the daemon (SIGTERM, SIGKILL after 3 s) and removes its directory. Idempotent.
    func stop() {
        Self.terminate(process)
        if FileManager.default.fileExists(atPath: directory) {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static func terminate(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// PORT from "... listening on http://localhost:PORT ...".
    static func port(in line: String) -> Int? {
        guard let range = line.range(of: "listening on http://localhost:") else { return nil }
        return Int(line[range.upperBound...].prefix(while: \.isNumber))
    }

    // MARK: What a person and a script see

    /// `http://localhost:PORT`.
    var baseURL: String { "http://localhost:\(port)" }

    func signInURL(_ account: String) -> String { "\(baseURL)/signin/\(account)" }

    func socketPath(_ account: String) -> String { "\(socketDirectory)/\(account).sock" }

    /// Runs `redirect-catcher ARGUMENTS` as a client of this daemon (same `XDG_RUNTIME_DIR`).
    func client(_ arguments: [String], input: String? = nil) throws -> CommandRun {
        try CommandRun.run(binary, arguments, environment: environment, input: input)
    }
}
