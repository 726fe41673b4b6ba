import Glibc
import RCSystem

/// sd_notify(3) without libsystemd: datagrams such as `READY=1` or `STATUS=...` to the socket
/// in `$NOTIFY_SOCKET`. Without that variable (not started by systemd) it does nothing.
public struct SystemdNotify: Sendable {
    public let socketPath: String?
    /// Seconds between `WATCHDOG=1` pings: half of `$WATCHDOG_USEC` (as sd_watchdog_enabled(3)
    /// advises), or nil when the watchdog is off or meant for another process.
    public let watchdogPingInterval: Double?

    public init(environment: [String: String], pid: pid_t = getpid()) {
        let path = environment["NOTIFY_SOCKET"]
        socketPath = (path?.isEmpty ?? true) ? nil : path
        watchdogPingInterval = Self.pingInterval(environment: environment, pid: pid)
    }

    static func pingInterval(environment: [String: String], pid: pid_t) -> Double? {
        guard let usec = environment["WATCHDOG_USEC"].flatMap({ UInt64($0) }), usec > 0 else { return nil }
        if let owner = environment["WATCHDOG_PID"], pid_t(owner) != pid { return nil }
        return Double(usec) / 2_000_000
    }

    /// Sends the newline-separated assignments; failures are ignored, as sd_notify's are.
    public func send(_ assignments: String...) {
        guard let socketPath else { return }
        try? Socket.sendDatagram(Array(assignments.joined(separator: "\n").utf8), toUnixPath: socketPath)
    }

    /// Sends the assignments with `descriptors` attached (`FDSTORE=1`); false when there is
    /// no service manager or the datagram could not be sent.
    @discardableResult
    public func send(_ assignments: [String], passing descriptors: [Int32]) -> Bool {
        guard let socketPath else { return false }
        do {
            try Socket.sendDatagram(Array(assignments.joined(separator: "\n").utf8), toUnixPath: socketPath, passing: descriptors)
            return true
        } catch {
            return false
        }
    }

    /// `MONOTONIC_USEC=...`, which must go with `RELOADING=1` (systemd.notify(5)): systemd
    /// tells a reload that ended from one that has not begun by it.
    static func monotonicNow() -> String {
        "MONOTONIC_USEC=\(Instant.now(.monotonic).nanoseconds / 1000)"
    }
}
