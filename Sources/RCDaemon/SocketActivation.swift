import RCSystem

/// The sockets systemd passed to the daemon (`redirect-catcher.socket`, named `control`, and
/// `redirect-catcher-http.socket`, named `http`), checked before use: the redirect listener
/// must be loopback only, whoever bound it.
struct SocketActivation {
    /// control.sock, listening; its file belongs to systemd.
    var control: FileDescriptor?
    /// The path systemd bound control.sock at.
    var controlPath: String?
    /// The loopback listeners (IPv4 and IPv6), all on `httpPort`.
    var http: [FileDescriptor] = []
    var httpPort: UInt16?

    var isEmpty: Bool { control == nil && http.isEmpty }

    /// Sorts the passed descriptors by name. A socket named `http` that is not a loopback TCP
    /// listener, two ports, or a second `control` stop the daemon; a name it does not know is
    /// logged and closed.
    static func sort(_ entries: [PassedDescriptors.Entry], logger: Logger) throws(RuntimeDirectory.Problem) -> SocketActivation {
        var result = SocketActivation()
        for entry in entries {
            // A descriptor of a name it does not know need not be a socket at all (a newer
            // version's entry in the file descriptor store): set aside unexamined.
            guard entry.name == "control" || entry.name == "http" else {
                logger.warning(
                    "socket_ignored",
                    "ignoring the descriptor that systemd passed as \"\(entry.name)\": only sockets named control and http (FileDescriptorName=) and the state named state are used")
                entry.fd.close()
                continue
            }
            let address: ListeningAddress
            do {
                address = try ListeningAddress.of(entry.fd)
            } catch {
                throw RuntimeDirectory.Problem(description: "cannot inspect the socket named \(entry.name) that systemd passed: \(error)")
            }
            switch (entry.name, address) {
            case ("control", .unix(let path)):
                guard result.control == nil else {
                    throw RuntimeDirectory.Problem(description: "systemd passed two sockets named control; redirect-catcher.socket should have one ListenStream=")
                }
                result.control = entry.fd
                result.controlPath = path
            case ("http", .tcp(let host, let loopback, let wildcard, let port)):
                guard loopback, !wildcard else {
                    throw RuntimeDirectory.Problem(
                        description:
                            "refusing the socket named http on \(address): \(wildcard ? "a wildcard address" : "not a loopback address") would let other machines reach the sign-in listener; use ListenStream=127.0.0.1:PORT and ListenStream=[::1]:PORT in redirect-catcher-http.socket"
                    )
                }
                if let known = result.httpPort, known != port {
                    throw RuntimeDirectory.Problem(
                        description: "the sockets named http listen on ports \(known) and \(port); redirect-catcher-http.socket must use one port for \(host) and the other loopback address")
                }
                result.httpPort = port
                result.http.append(entry.fd)
            case ("control", _), ("http", _):
                throw RuntimeDirectory.Problem(
                    description: "the socket named \(entry.name) that systemd passed is \(address), not a listening \(entry.name == "http" ? "TCP" : "Unix stream") socket")
            default:
                // Other names were set aside before they were examined.
                entry.fd.close()
            }
        }
        return result
    }
}
