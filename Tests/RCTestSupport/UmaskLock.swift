import Glibc

/// Serialises everything that touches the process-wide umask (`Socket.listenUnix` sets and
/// restores it) across every test target in this process: two overlapping set-and-restore
/// pairs would leave the umask wrong for everyone. An flock on a fixed file is the one lock
/// that separately built test modules (and the sanitizer runs) share.
public enum UmaskLock {
    public static func run<T>(_ body: () throws -> T) rethrows -> T {
        let fd = open("/tmp/redirect-catcher-tests-umask.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        precondition(fd >= 0, "cannot open the umask lock file")
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        return try body()
    }

    /// Runs `body` with umask 0 (the most permissive), then restores the umask.
    public static func withPermissiveUmask<T>(_ body: () throws -> T) rethrows -> T {
        try run {
            let old = umask(0)
            defer { umask(old) }
            return try body()
        }
    }
}
