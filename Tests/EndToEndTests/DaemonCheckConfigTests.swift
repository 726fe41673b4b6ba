import Foundation
import RCJSON
import Testing

/// The first hour of a new user, through the real binary: `check-config` on the untouched
/// example and on a file that is not there yet, and `run` saying and refusing what
/// `check-config` says and refuses.
extension DaemonEndToEndTests {
    static let examplePath = #filePath.components(separatedBy: "/Tests/")[0] + "/config.example.json"

    @Test func checkConfigPassesTheUntouchedExampleWithItsPlaceholders() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rc-check-\(UUID().uuidString)").path
        let run = try CommandRun.run(
            try DaemonBinary.path(), ["check-config", "--config", Self.examplePath],
            environment: DaemonProcess.childEnvironment(directory: directory))
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        for expected in [
            "warning: accounts.dynamics.tenant: contoso.onmicrosoft.com is a placeholder",
            "warning: accounts.dynamics.client_id: 00000000-0000-0000-0000-000000000000 is a placeholder",
            "warning: accounts.intranet.token_url: sso.example.com is a placeholder",
            "\(Self.examplePath): OK, with the 5 warnings above",
        ] {
            #expect(run.stdout.contains(expected), "\(run.stdout)")
        }
    }

    @Test func checkConfigSaysAMissingFileDoesNotExist() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rc-check-\(UUID().uuidString)").path
        let missing = directory + "/config/redirect-catcher/config.json"
        // The default path, as a new user first meets it.
        let run = try CommandRun.run(
            try DaemonBinary.path(), ["check-config"], environment: DaemonProcess.childEnvironment(directory: directory))
        #expect(run.status == 1)
        #expect(run.stderr.contains("\(missing): does not exist: run scripts/install"), "\(run.stderr)")
        #expect(run.stderr.components(separatedBy: missing).count == 2, "the path is named more than once: \(run.stderr)")
        #expect(!run.stderr.contains("invalid"), "\(run.stderr)")
    }

    /// The same loader: what check-config refuses, run refuses with the same words.
    @Test func checkConfigAndRunRefuseATenantInTheAuthority() throws {
        let account = JSONObject([
            ("provider", .string("entra")), ("authority", .string("https://login.microsoftonline.us/fabrikam.onmicrosoft.com")),
            ("tenant", .string("fabrikam.onmicrosoft.com")), ("client_id", .string("3f9d1c2e-8b4a-4e6f-9a0b-1c2d3e4f5a6b")),
            ("scopes", .array([.string("https://graph.microsoft.com/.default"), .string("offline_access")])),
        ])
        let expected =
            "accounts.sso.authority: https://login.microsoftonline.us/fabrikam.onmicrosoft.com includes a path; put the host alone in authority and fabrikam.onmicrosoft.com in tenant"
        for command in ["check-config", "run"] {
            let run = try DaemonStartAttempt.run(command, account: account)
            #expect(run.status != 0, "\(command): \(run.stdout)\(run.stderr)")
            #expect((run.stdout + run.stderr).contains(expected), "\(command): \(run.stdout)\(run.stderr)")
        }
    }

    /// run logs what check-config prints as warnings (config_warning events, at warning
    /// priority: `<4>` on a stream the journal reads) and starts.
    @Test func runLogsThePlaceholderWarnings() throws {
        let account = JSONObject([
            ("authorize_url", .string("https://127.0.0.1:1/authorize")), ("token_url", .string("https://127.0.0.1:1/token")),
            ("client_id", .string("<your client id>")),
        ])
        let daemon = try DaemonProcess(accounts: [("sso", account)])
        defer { daemon.stop() }
        let line = try daemon.log.waitForLine(containing: "accounts.sso.client_id: <your client id> is a placeholder", timeout: 5)
        #expect(daemon.log.text.contains("<4>\(line)\n"), "\(daemon.log.text)")
    }
}
