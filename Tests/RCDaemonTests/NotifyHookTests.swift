import Foundation
import Testing

@testable import RCDaemon
@testable import RCSystem

/// The notification hook against real processes: a /bin/sh script that records what it was
/// given, a command that outlives its time limit, and the limits that keep a flapping
/// provider from starting a process per failure.
@Suite struct NotifyHookTests {
    /// A directory of its own per test, removed by `cleanUp`.
    final class Scratch {
        let path: String

        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("rc-notify-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }

        func file(_ name: String) -> String { path + "/" + name }

        /// Writes an executable /bin/sh script.
        func script(_ name: String, _ body: String) throws -> String {
            let file = file(name)
            try ("#!/bin/sh\n" + body).write(toFile: file, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: file)
            return file
        }

        func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
    }

    /// A clock the test moves, for the minimum interval.
    final class TestClock: Sendable {
        private let value = Locked(Instant(nanoseconds: 5_000 * 1_000_000_000))
        var now: Instant { value.withLock { $0 } }
        func advance(by seconds: Double) { value.withLock { $0 = $0.adding(seconds: seconds) } }
    }

    /// The outcome of one run, delivered on the hook's thread.
    final class Finished: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        private let result = Locked<Result<ChildProcess.Outcome, SystemError>?>(nil)

        var callback: @Sendable (Result<ChildProcess.Outcome, SystemError>) -> Void {
            { value in
                self.result.withLock { $0 = value }
                self.semaphore.signal()
            }
        }

        /// The outcome; fails the test (rather than hanging it) if the run never ends.
        func wait(sourceLocation: SourceLocation = #_sourceLocation) -> Result<ChildProcess.Outcome, SystemError>? {
            guard semaphore.wait(timeout: .now() + 30) == .success else {
                Issue.record("the notify command did not finish within 30 s", sourceLocation: sourceLocation)
                return nil
            }
            return result.withLock { $0 }
        }
    }

    static let environment = [
        "PATH": "/usr/bin:/bin", "HOME": "/home/person", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus",
        "DISPLAY": ":0", "XDG_RUNTIME_DIR": "/run/user/1000", "CREDENTIALS_DIRECTORY": "/run/credentials/rc",
        "SECRET_TOKEN": "do-not-pass",
    ]

    static func notice(account: String = "work", event: String = "signin_needed", episode: Int = 0) -> NotifyHook.Notice {
        NotifyHook.Notice(
            account: account, event: event, signInURL: "http://localhost:8400/signin/\(account)",
            message: "account \(account) needs sign-in (invalid_grant:\nAADSTS70008): open http://localhost:8400/signin/\(account)",
            episode: episode)
    }

    func hook(_ command: [String], sink: MemoryLogSink = MemoryLogSink(), clock: TestClock = TestClock(), timeout: Double = 10) -> NotifyHook {
        NotifyHook(
            command: command, environment: Self.environment, logger: Logger(minimumLevel: .debug, sink: sink),
            timeoutSeconds: timeout, killGraceSeconds: 1, clock: { clock.now })
    }

    @Test func aShellScriptRunsWithTheNoticeAndTheSessionVariablesOnly() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let output = scratch.file("env.txt")
        let script = try scratch.script("notify.sh", "env > \"$1\"\nread line && echo \"stdin: $line\" >> \"$1\"\nexit 0\n")
        let sink = MemoryLogSink()
        let finished = Finished()
        #expect(hook([script, output], sink: sink).run(Self.notice(), completion: finished.callback))
        guard case .success(let outcome)? = finished.wait() else {
            Issue.record("the script did not run")
            return
        }
        #expect(outcome == ChildProcess.Outcome(termination: .exited(0), timedOut: false))
        let lines = Set(try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init))
        #expect(lines.contains("REDIRECT_CATCHER_ACCOUNT=work"))
        #expect(lines.contains("REDIRECT_CATCHER_EVENT=signin_needed"))
        #expect(lines.contains("REDIRECT_CATCHER_SIGNIN_URL=http://localhost:8400/signin/work"))
        // One line, even when the provider's text had a line break in it.
        #expect(lines.contains("REDIRECT_CATCHER_MESSAGE=account work needs sign-in (invalid_grant: AADSTS70008): open http://localhost:8400/signin/work"))
        for name in ["PATH", "HOME", "DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "XDG_RUNTIME_DIR"] {
            #expect(lines.contains("\(name)=\(Self.environment[name] ?? "")"), "\(name) not passed")
        }
        #expect(!lines.contains { $0.hasPrefix("SECRET_TOKEN=") || $0.hasPrefix("CREDENTIALS_DIRECTORY=") }, "\(lines)")
        #expect(!lines.contains { $0.hasPrefix("stdin:") }, "stdin was not /dev/null")
        #expect(sink.events.contains { $0.event == "notified" })
        #expect(!sink.events.contains { $0.event == "notify_failed" })
    }

    @Test func aNonZeroExitIsLoggedWithItsStatus() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let sink = MemoryLogSink()
        let finished = Finished()
        hook(["/bin/sh", "-c", "exit 3"], sink: sink).run(Self.notice(), completion: finished.callback)
        guard case .success(let outcome)? = finished.wait() else { return }
        #expect(outcome.termination == .exited(3))
        let failure = sink.events.first { $0.event == "notify_failed" }
        #expect(failure?.message == "account work: notify_command /bin/sh failed: exit status 3")
        #expect(failure?.fields["NOTIFY_STATUS"] == "exit status 3")
        #expect(failure?.level == .warning)
        // The command line is the person's and not logged; the notice's URL is no secret but
        // has no business in a failure line either.
        #expect(!sink.events.contains { $0.message.contains("exit 3\"") || $0.message.contains("signin/work") })
    }

    @Test func aMissingProgramIsLoggedNotThrown() {
        let sink = MemoryLogSink()
        let finished = Finished()
        hook(["/nonexistent/notify"], sink: sink).run(Self.notice(), completion: finished.callback)
        guard case .failure(let error)? = finished.wait() else {
            Issue.record("a missing program ran")
            return
        }
        #expect(error.errno == ENOENT)
        #expect(sink.events.contains { $0.event == "notify_failed" && $0.message.contains("cannot run notify_command") })
    }

    /// `sleep 60` under a 0.3 s limit: the whole process group gets SIGTERM, so the shell's
    /// child goes too, and the run ends long before the minute. Started, as in the daemon,
    /// from a thread that blocks SIGTERM (for its signalfd): the child must not inherit that.
    @Test func aCommandThatRunsTooLongIsTerminatedWithItsChildren() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let pidFile = scratch.file("sleep.pid")
        let sink = MemoryLogSink()
        let finished = Finished()
        var blocked = sigset_t()
        var previous = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        hook(["/bin/sh", "-c", "sleep 60 & echo $! > \"$0\"; wait", pidFile], sink: sink, timeout: 0.3)
            .run(Self.notice(), completion: finished.callback)
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        guard case .success(let outcome)? = finished.wait() else { return }
        #expect(outcome == ChildProcess.Outcome(termination: .signalled(SIGTERM), timedOut: true))
        let failure = sink.events.first { $0.event == "notify_failed" }
        #expect(failure?.message.contains("still running after 1 s; stopped it (killed by signal 15)") == true, "\(failure?.message ?? "no line")")
        let sleeper = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(Self.waitUntilGone(sleeper), "sleep 60 (pid \(sleeper)) survived its group's SIGTERM")
    }

    /// A command that ignores SIGTERM gets SIGKILL after the grace period.
    @Test func aCommandThatIgnoresTermIsKilled() {
        let finished = Finished()
        hook(["/bin/sh", "-c", "trap '' TERM; sleep 60"], timeout: 0.3).run(Self.notice(), completion: finished.callback)
        guard case .success(let outcome)? = finished.wait() else { return }
        #expect(outcome == ChildProcess.Outcome(termination: .signalled(SIGKILL), timedOut: true))
    }

    @Test func oneRunPerAccountAtATime() throws {
        let scratch = try Scratch()
        defer { scratch.cleanUp() }
        let release = scratch.file("release")
        let hook = hook(["/bin/sh", "-c", "while [ ! -e \"$0\" ]; do sleep 0.05; done", release])
        let first = Finished()
        #expect(hook.run(Self.notice(), completion: first.callback))
        // Still running: the same account waits, whatever the event; another account does not.
        #expect(!hook.run(Self.notice(event: "refresh_failed", episode: 1)))
        let other = Finished()
        #expect(hook.run(Self.notice(account: "mail"), completion: other.callback))
        _ = FileManager.default.createFile(atPath: release, contents: nil)
        _ = first.wait()
        _ = other.wait()
        let again = Finished()
        #expect(hook.run(Self.notice(event: "refresh_failed", episode: 1), completion: again.callback))
        _ = again.wait()
    }

    @Test func theSameNoticeWithinAMinuteRunsOnce() {
        let clock = TestClock()
        let sink = MemoryLogSink()
        let hook = hook(["/bin/true"], sink: sink, clock: clock)
        let run = { (notice: NotifyHook.Notice) -> Bool in
            let finished = Finished()
            guard hook.run(notice, completion: finished.callback) else { return false }
            _ = finished.wait()
            return true
        }
        #expect(run(Self.notice()))
        clock.advance(by: 59)
        #expect(!run(Self.notice()), "a flapping provider would start a process per failure")
        #expect(sink.events.contains { $0.event == "notify_skipped" && $0.level == .debug })
        #expect(run(Self.notice(event: "refresh_failed")), "another event is news")
        clock.advance(by: 1)
        #expect(run(Self.notice()), "a minute later it runs again")
        #expect(run(Self.notice(episode: 1)), "after a token in between, the same event is news at once")
    }

    /// Whether `pid` exits (or is a zombie awaiting its new parent) within 10 s.
    static func waitUntilGone(_ pid: Int32) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return true }
            if let close = stat.lastIndex(of: ")"), stat[stat.index(after: close)...].hasPrefix(" Z") { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }
}
