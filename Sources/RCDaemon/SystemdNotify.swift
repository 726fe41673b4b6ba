import RCSystem

/// sd_notify(3) without libsystemd: datagrams such as `READY=1` or `STATUS=...` to the socket
/// in `$NOTIFY_SOCKET`. Without that variable (not started by systemd) it does nothing.
public struct SystemdNotify: Sendable {
    public let socketPath: String?

    public init(environment: [String: String]) {
        let path = environment["NOTIFY_SOCKET"]
        socketPath = (path?.isEmpty ?? true) ? nil : path
    }

    /// Sends the newline-separated assignments; failures are ignored, as sd_notify's are.
    public func send(_ assignments: String...) {
        guard let socketPath else { return }
        try? Socket.sendDatagram(Array(assignments.joined(separator: "\n").utf8), toUnixPath: socketPath)
    }
}
