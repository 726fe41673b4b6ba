import Glibc

/// The listening sockets a service manager passed in (sd_listen_fds(3) without libsystemd):
/// descriptors 3 to 3+`LISTEN_FDS`-1, named by `LISTEN_FDNAMES`, meant for this process when
/// `LISTEN_PID` is its pid.
public enum PassedDescriptors {
    /// One passed descriptor and its name (`unknown` when the manager gave none).
    public struct Entry {
        public let name: String
        public let fd: FileDescriptor
    }

    /// The first descriptor sd_listen_fds(3) passes.
    static let first: Int32 = 3

    /// Takes the passed descriptors (close-on-exec, non-blocking from now on) and removes the
    /// three variables from the process environment, so that no child believes they are its.
    /// Empty when none were passed, or they were meant for another process (the variables
    /// are removed all the same).
    public static func take(environment: [String: String], pid: pid_t = getpid()) throws(SystemError) -> [Entry] {
        defer {
            for name in variables { unsetenv(name) }
        }
        guard let count = count(environment: environment, pid: pid) else { return [] }
        let names = (environment["LISTEN_FDNAMES"] ?? "").split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        var entries: [Entry] = []
        for index in 0..<count {
            let fd = FileDescriptor(owning: first + Int32(index))
            _ = try syscall("fcntl(F_SETFD, FD_CLOEXEC)") { fcntl(fd.rawValue, F_SETFD, FD_CLOEXEC) }
            try fd.setNonBlocking()
            let name = index < names.count && !names[index].isEmpty ? names[index] : "unknown"
            entries.append(Entry(name: name, fd: fd))
        }
        return entries
    }

    /// How many descriptors were passed to `pid`, or nil when none were passed to it.
    static func count(environment: [String: String], pid: pid_t) -> Int? {
        guard let listenPID = environment["LISTEN_PID"].flatMap({ pid_t($0) }), listenPID == pid,
            let count = environment["LISTEN_FDS"].flatMap({ Int($0) }), count > 0, count < 1024
        else { return nil }
        return count
    }

    /// Names of the variables that describe passed descriptors, for building a child's environment.
    public static let variables = ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]
}
