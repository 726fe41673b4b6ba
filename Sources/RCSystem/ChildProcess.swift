import CShim
import Glibc

/// Runs a short-lived helper program (the person's notification command) to completion with
/// a time limit: posix_spawn, no shell, and a wait that blocks the calling thread, so call it
/// off the event loop.
///
/// The child gets a clean start whatever the daemon's own state: an empty signal mask and
/// default dispositions (the daemon blocks SIGTERM for its signalfd and ignores SIGPIPE, and
/// both would otherwise be inherited across exec), no descriptor but 0 to 2, stdin and stdout
/// on /dev/null, stderr shared with the daemon (the journal), and a process group of its own
/// so that a timeout also ends whatever a script started.
public enum ChildProcess {
    /// How the child ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        public var description: String {
            switch self {
            case .exited(let status): "exit status \(status)"
            case .signalled(let signal): "killed by signal \(signal)"
            }
        }
    }

    /// How a run ended: the child's termination, and whether the time limit ran out first (in
    /// which case the termination is usually the signal that ended it).
    public struct Outcome: Sendable, Equatable {
        public let termination: Termination
        public let timedOut: Bool
    }

    /// Runs `argv` (argv[0] looked up in the daemon's PATH when it has no slash) with exactly
    /// `environment` ("NAME=value" strings). After `timeoutSeconds` its process group gets
    /// SIGTERM, and SIGKILL `killGraceSeconds` later.
    public static func run(
        _ argv: [String], environment: [String], timeoutSeconds: Double, killGraceSeconds: Double
    ) throws(SystemError) -> Outcome {
        let pid = try spawn(argv, environment: environment)
        // Unreaped, the child keeps its pid and process group id, so the kills below cannot
        // reach an unrelated process that reused them.
        let pidfd = rc_pidfd_open(pid)
        defer { if pidfd >= 0 { close(pidfd) } }
        if let termination = waitForExit(pid, pidfd: pidfd, seconds: timeoutSeconds) {
            return Outcome(termination: termination, timedOut: false)
        }
        kill(-pid, SIGTERM)
        if let termination = waitForExit(pid, pidfd: pidfd, seconds: killGraceSeconds) {
            return Outcome(termination: termination, timedOut: true)
        }
        kill(-pid, SIGKILL)
        return Outcome(termination: reap(pid), timedOut: true)
    }

    /// What a conversation with a helper process came to: everything it wrote to stdout, and
    /// how it ended.
    public struct Conversation: Sendable, Equatable {
        public let output: [UInt8]
        public let outcome: Outcome
        /// True when the child wrote more than the caller's limit (the output is cut there and
        /// the child killed).
        public let outputTooLong: Bool
        /// The start of what it wrote to stderr (at most 4 KiB), when the caller asked for it.
        public var errorOutput: [UInt8] = []
    }

    /// Runs `argv` with `input` on its stdin and collects its stdout, both one end of a Unix
    /// socket pair (so a child that dies early gives EPIPE here, never SIGPIPE). The child
    /// starts as `run` describes; it is killed (SIGKILL to its process group) when it has not
    /// finished within `timeoutSeconds` or writes more than `maxOutput` bytes. Blocks the
    /// calling thread. With `captureErrors`, its stderr goes to an anonymous memfd rather than
    /// the daemon's (it can never block on it), and the start of it comes back in the result.
    public static func converse(
        _ argv: [String], environment: [String], input: [UInt8], timeoutSeconds: Double, maxOutput: Int, captureErrors: Bool = false
    ) throws(SystemError) -> Conversation {
        let errors = captureErrors ? FileDescriptor(owning: try syscall("memfd_create") { rc_memfd_sealable("stderr") }) : nil
        var conversation = try converse(argv, environment: environment, input: input, timeoutSeconds: timeoutSeconds, maxOutput: maxOutput, stderr: errors)
        if let errors {
            var bytes = [UInt8](repeating: 0, count: 4096)
            let n = bytes.withUnsafeMutableBytes { pread(errors.rawValue, $0.baseAddress, $0.count, 0) }
            conversation.errorOutput = Array(bytes.prefix(max(0, n)))
        }
        return conversation
    }

    private static func converse(
        _ argv: [String], environment: [String], input: [UInt8], timeoutSeconds: Double, maxOutput: Int, stderr: FileDescriptor?
    ) throws(SystemError) -> Conversation {
        var ends: [Int32] = [-1, -1]
        _ = try syscall("socketpair") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) }
        let ours = FileDescriptor(owning: ends[0])
        let theirs = FileDescriptor(owning: ends[1])
        let pid = try spawn(argv, environment: environment, stdio: theirs.rawValue, stderr: stderr?.rawValue)
        theirs.close()
        let pidfd = rc_pidfd_open(pid)
        defer { if pidfd >= 0 { close(pidfd) } }
        let deadline = Instant.deadline(afterSeconds: timeoutSeconds)
        var output: [UInt8] = []
        var tooLong = false
        var finished = false
        do {
            try ours.setNonBlocking()
            try ours.writeAll(input, deadline: deadline)
            _ = shutdown(ours.rawValue, Int32(SHUT_WR))
            reading: while try ours.waitFor(writing: false, until: deadline) {
                switch try ours.read(appendingTo: &output, max: 65536) {
                case .bytes:
                    if output.count > maxOutput {
                        output.removeSubrange(maxOutput...)
                        tooLong = true
                        break reading
                    }
                case .wouldBlock: continue
                case .endOfFile:
                    finished = true
                    break reading
                }
            }
        } catch {
            // The child went away while we wrote (EPIPE) or read (ECONNRESET): what it wrote
            // so far and how it ended say the rest.
            finished = true
        }
        ours.close()
        if finished {
            let remaining = max(0, deadline.seconds(since: Instant.now(.monotonic)))
            if let termination = waitForExit(pid, pidfd: pidfd, seconds: remaining) {
                return Conversation(output: output, outcome: Outcome(termination: termination, timedOut: false), outputTooLong: false)
            }
        }
        kill(-pid, SIGKILL)
        return Conversation(output: output, outcome: Outcome(termination: reap(pid), timedOut: !tooLong), outputTooLong: tooLong)
    }

    /// posix_spawnp with the clean start described above; returns the child's pid. With
    /// `stdio`, the child's stdin and stdout are that descriptor instead of /dev/null.
    static func spawn(_ argv: [String], environment: [String], stdio: Int32? = nil, stderr: Int32? = nil) throws(SystemError) -> pid_t {
        guard let program = argv.first, !program.isEmpty else { throw SystemError("posix_spawn", errno: EINVAL) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdio {
            // dup2 clears close-on-exec on the copies; closefrom below closes the original.
            posix_spawn_file_actions_adddup2(&actions, stdio, 0)
            posix_spawn_file_actions_adddup2(&actions, stdio, 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        if let stderr { posix_spawn_file_actions_adddup2(&actions, stderr, 2) }
        rc_spawn_file_actions_closefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in cArguments { free(pointer) }
            for pointer in cEnvironment { free(pointer) }
        }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, program, &actions, &attributes, cArguments, cEnvironment)
        // posix_spawn returns the error rather than setting errno.
        guard rc == 0 else { throw SystemError("posix_spawn \(program)", errno: rc) }
        return pid
    }

    /// Waits up to `seconds` for `pid` to exit and reaps it; nil if it is still running.
    /// With a pidfd this is one poll(2); kernels without pidfd_open (before 5.3) get a
    /// 50 ms waitpid(WNOHANG) loop on this thread, which has nothing else to do.
    static func waitForExit(_ pid: pid_t, pidfd: Int32, seconds: Double) -> Termination? {
        let deadline = Instant.deadline(afterSeconds: seconds)
        while true {
            let remaining = deadline.seconds(since: Instant.now(.monotonic))
            if pidfd >= 0 {
                var entry = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                // A retry after a signal waits only for what is left of the time.
                let rc = retryingEINTR { poll(&entry, 1, Int32(max(0, min(deadline.seconds(since: Instant.now(.monotonic)), 86_400)) * 1000)) }
                if rc != 0 { return reap(pid) }  // exited, or cannot wait with a time limit: wait without one
            } else {
                var status: Int32 = 0
                let rc = retryingEINTR { waitpid(pid, &status, WNOHANG) }
                if rc == pid { return termination(status) }
                if rc < 0 { return .exited(-1) }
                var pause = timespec(tv_sec: 0, tv_nsec: 50_000_000)
                nanosleep(&pause, nil)
            }
            if remaining <= 0 { return nil }
        }
    }

    /// waitpid without WNOHANG: the child has exited or is about to.
    static func reap(_ pid: pid_t) -> Termination {
        var status: Int32 = 0
        return retryingEINTR { waitpid(pid, &status, 0) } < 0 ? .exited(-1) : termination(status)
    }

    /// WIFEXITED/WEXITSTATUS/WTERMSIG, which do not import into Swift.
    static func termination(_ status: Int32) -> Termination {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }
}
