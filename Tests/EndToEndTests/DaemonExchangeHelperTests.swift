import Foundation
import RCJSON
import RCTestProvider
import Testing

/// The real binary does its HTTPS in short-lived helper processes (`exchange-helper`): one
/// per token request, a child of the daemon only while the request lasts, and gone when it
/// ends, even when the provider never answers.
extension DaemonEndToEndTests {
    /// A token endpoint that hangs: the exchange is a helper process of the daemon while it
    /// waits, `refresh` fails after `request_timeout`, and no child is left behind.
    @Test func theExchangeRunsInAHelperThatEndsWithIt() throws {
        let work = try SignedInWork(settings: [("request_timeout", .number(JSONNumber(Int64(2))))])
        defer { work.stop() }
        let (tls, daemon, old) = (work.tls, work.daemon, work.token)
        #expect(Self.children(of: daemon.process.processIdentifier).isEmpty, "a helper outlived the sign-in")
        tls.provider.injectFaults([.hang(seconds: 6)])

        let refreshed = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox()
        let (binary, environment) = (daemon.binary, daemon.environment)
        Thread.detachNewThread {
            outcome.set(try? CommandRun.run(binary, ["refresh", "work"], environment: environment))
            refreshed.signal()
        }
        var seen: [String] = []
        let deadline = Date().addingTimeInterval(1.5)
        while seen.isEmpty && Date() < deadline {
            seen = Self.children(of: daemon.process.processIdentifier)
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(seen.contains { $0.contains("exchange-helper") }, "children while the endpoint hangs: \(seen)")
        #expect(refreshed.wait(timeout: .now() + 10) == .success)
        #expect(outcome.get().map { $0.status != 0 } == true, "refresh succeeded against a hung endpoint")
        try daemon.log.waitForLine(containing: "keeping the refresh token", timeout: 2)
        let gone = Date().addingTimeInterval(2)
        while !Self.children(of: daemon.process.processIdentifier).isEmpty && Date() < gone { Thread.sleep(forTimeInterval: 0.05) }
        #expect(Self.children(of: daemon.process.processIdentifier).isEmpty, "a helper is left after the time limit")
        #expect(try TokenSocket.readLine(daemon.socketPath("work")) == old)
    }

    /// `redirect-catcher demo --walkthrough`, the README's first command, plays the whole
    /// flow through the real daemon and helper and says it worked.
    @Test func theDemoWalkthroughWorksEndToEnd() throws {
        let run = try CommandRun.run(try DaemonBinary.path(), ["demo", "--walkthrough", "--port", "0"], timeout: 60)
        #expect(run.status == 0, "stdout:\n\(run.stdout)\nstderr:\n\(run.stderr)")
        #expect(run.stdout.contains("The demo worked end to end."), "\(run.stdout)")
        #expect(run.stdout.contains("the provider accepts it"), "\(run.stdout)")
    }

    /// The command lines of `pid`'s children (NUL-separated, as /proc gives them).
    static func children(of pid: Int32) -> [String] {
        var result: [String] = []
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        for task in tasks {
            guard let list = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8) else { continue }
            for child in list.split(separator: " ") {
                let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(child)/cmdline"))).map { String(decoding: $0, as: UTF8.self) }
                result.append(cmdline ?? "(pid \(child))")
            }
        }
        return result
    }
}

/// One value handed from a thread to the test.
final class OutcomeBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value: CommandRun?
    func set(_ new: CommandRun?) { lock.withLock { value = new } }
    func get() -> CommandRun? { lock.withLock { value } }
}
