import Foundation
import RCJSON

/// A `redirect-catcher` command run to completion against a config with one account `sso`:
/// `run` when the daemon is expected to refuse to start, or `check-config`. What it printed
/// and its exit status are the result; the directory goes with it.
enum DaemonStartAttempt {
    static func run(_ command: String, account: JSONObject, caPEM: String? = nil, timeout: Double = 30) throws -> CommandRun {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rc-start-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var account = account
        do {
            try FileManager.default.createDirectory(
                atPath: directory + "/run", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            if let caPEM {
                try caPEM.write(toFile: directory + "/ca.pem", atomically: true, encoding: .utf8)
                account["ca_file"] = .string(directory + "/ca.pem")
            }
            let config: JSONValue = .object(
                JSONObject([
                    ("listen", .object(JSONObject([("port", .number(JSONNumber(Int64(0))))]))),
                    ("accounts", .object(JSONObject([("sso", .object(account))]))),
                ]))
            try JSONWriter.write(config).write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
        } catch {
            throw HarnessFailure("cannot prepare \(directory): \(error)")
        }
        return try CommandRun.run(
            try DaemonBinary.path(), [command, "--config", directory + "/config.json"],
            environment: DaemonProcess.childEnvironment(directory: directory), timeout: timeout)
    }
}
