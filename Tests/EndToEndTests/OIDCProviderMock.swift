import Foundation
import RCSystem
import RCTestProvider

/// `oidc-provider-mock` from PyPI (authlib underneath) on a free loopback port: a provider
/// written by other people, to catch what our own test provider agrees with us on by mistake.
final class OIDCProviderMock {
    let port: UInt16
    private let launched: LaunchedProcess
    var process: Process { launched.process }
    var log: LogCapture { launched.log }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts the mock and waits (up to 20 s) until its discovery document answers.
    init() throws {
        let command = try Self.command()
        port = try Self.freePort()
        launched = try LaunchedProcess(
            command[0], Array(command.dropFirst()) + ["--port", String(port), "--host", "127.0.0.1"],
            environment: ProcessInfo.processInfo.environment)
        let deadline = Date().addingTimeInterval(20)
        while true {
            if let response = try? TestHTTPClient.send(url: "\(baseURL)/.well-known/openid-configuration", timeout: 2),
                response.status == 200
            {
                return
            }
            if !process.isRunning || Date() >= deadline {
                let why = process.isRunning ? "did not answer within 20 s" : "exited with status \(process.terminationStatus)"
                DaemonProcess.terminate(process)
                throw HarnessFailure("oidc-provider-mock \(why); its output:\n\(log.text)")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    deinit { stop() }

    func stop() { DaemonProcess.terminate(process) }

    /// `oidc-provider-mock` on PATH (pyenv shims included), else `python3 -m oidc_provider_mock`
    /// when the module imports; otherwise the test fails saying how scripts/test installs it.
    static func command() throws -> [String] {
        if let executable = CommandRun.which("oidc-provider-mock") { return [executable] }
        if let python = CommandRun.which("python3"),
            let probe = try? CommandRun.run(python, ["-c", "import oidc_provider_mock"], timeout: 20), probe.status == 0
        {
            return [python, "-m", "oidc_provider_mock"]
        }
        throw HarnessFailure(
            "oidc-provider-mock is not installed (neither on PATH nor importable by python3): scripts/test sets it up; "
                + "by hand, run scripts/setup-test-deps and put .venv-test/bin first on PATH")
    }

    /// A port nothing listens on right now: bind 0, read the port, close.
    static func freePort() throws -> UInt16 {
        let socket = try Socket.listenTCP(.ipv4, port: 0)
        defer { socket.close() }
        return try Socket.localPort(socket)
    }
}
