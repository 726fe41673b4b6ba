import CShim
import Glibc

/// Facts about this process that the daemon reads or sets once at start-up.
public enum ProcessEnvironment {
    /// The environment variables, from `environ`.
    public static func variables() -> [String: String] {
        var result: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            cursor += 1
        }
        return result
    }

    /// prctl(PR_SET_DUMPABLE, 0): other processes of the same user cannot ptrace this one or
    /// read its memory, and no core dump will hold a refresh token.
    public static func makeNonDumpable() throws(SystemError) {
        _ = try syscall("prctl(PR_SET_DUMPABLE)") { rc_set_nondumpable() }
    }

    /// Raises the soft limit on open descriptors to the hard limit, so that many idle
    /// clients exhaust a cap of the daemon's choosing rather than the kernel's 1024.
    public static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
