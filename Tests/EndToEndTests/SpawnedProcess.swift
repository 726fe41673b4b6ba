import Foundation

/// A child started with posix_spawn and reaped with waitpid, out of Foundation's sight.
///
/// For a child that closes descriptors it did not open, as `systemd-socket-activate` does
/// before it execs the daemon: Foundation's `Process` learns that a child exited when a
/// socket the child inherited closes, and then waits for it with a blocking waitpid() on the
/// one thread that serves every `Process`; with the daemon still running, no other child of
/// the test process would be reaped again.
final class SpawnedProcess {
    let pid: pid_t
    let log: LogCapture
    /// The read end LogCapture drains; kept open as long as this object lives.
    private let output: FileHandle
    private var status: Int32?

    /// `passing` become the child's descriptors 3, 4, ... (as a service manager passes its
    /// sockets and stored descriptors).
    init(_ executable: String, _ arguments: [String], environment: [String: String], passing: [Int32] = []) throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw HarnessFailure("pipe: \(String(cString: strerror(errno)))") }
        // Other tests spawn children at the same time: none of them may hold the write end.
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 2)
        // Copied high first, so that no dup2 below overwrites a descriptor still to be passed.
        let high = passing.map { fcntl($0, F_DUPFD_CLOEXEC, 200) }
        defer { for fd in high where fd >= 0 { close(fd) } }
        for (index, fd) in high.enumerated() { posix_spawn_file_actions_adddup2(&actions, fd, 3 + Int32(index)) }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, executable, &actions, nil, argv, envp)
        close(ends[1])
        guard rc == 0 else {
            close(ends[0])
            throw HarnessFailure("cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        pid = child
        output = FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
        log = LogCapture(reading: output)
    }

    deinit { stop() }

    /// Waits up to `timeout` for the child to exit; its exit status (128+N for signal N), or
    /// nil if it still runs.
    func exitStatus(within timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while status == nil {
            var raw: Int32 = 0
            let rc = waitpid(pid, &raw, WNOHANG)
            if rc == pid {
                let signal = raw & 0x7f
                status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
            } else if rc < 0 && errno != EINTR {
                status = -1
            } else if Date() >= deadline {
                return nil
            } else {
                Thread.sleep(forTimeInterval: 0.02)
            }
        }
        return status
    }

    /// SIGTERM, SIGKILL after 3 s, and reaped. Idempotent.
    func stop() {
        guard exitStatus(within: 0) == nil else { return }
        kill(pid, SIGTERM)
        if exitStatus(within: 3) == nil {
            kill(pid, SIGKILL)
            _ = exitStatus(within: 10)
        }
    }
}
