import Glibc
import RCSystem

/// The private directory that holds the sockets, made and checked so that no other user can
/// reach a socket and no planted file or symlink is followed.
public enum RuntimeDirectory {
    /// A problem with the directory or a socket path, phrased as what to do.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// `$RUNTIME_DIRECTORY` when systemd sets it (its first entry), else
    /// `$XDG_RUNTIME_DIR/redirect-catcher`.
    public static func path(environment: [String: String]) throws(Problem) -> String {
        if let dir = environment["RUNTIME_DIRECTORY"], let first = dir.split(separator: ":").first, !first.isEmpty {
            return String(first)
        }
        guard let base = environment["XDG_RUNTIME_DIR"], base.hasPrefix("/") else {
            throw Problem(
                description:
                    "XDG_RUNTIME_DIR is not set: run under a login session or systemd --user, or set it to a private directory such as /run/user/\(getuid())"
            )
        }
        return base.hasSuffix("/") ? base + "redirect-catcher" : base + "/redirect-catcher"
    }

    /// Creates the directory with mode 0700 if missing; otherwise insists that it is a real
    /// directory (not a symlink) owned by this user, and tightens its mode to 0700.
    public static func prepare(_ path: String) throws(Problem) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw Problem(description: "cannot create \(path): \(SystemError.last("mkdir").description)")
        }
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw Problem(description: "cannot inspect \(path): \(SystemError.last("lstat").description)")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw Problem(description: "\(path) is not a directory (a symlink or file is in the way): remove it")
        }
        guard info.st_uid == getuid() else {
            throw Problem(description: "\(path) belongs to uid \(info.st_uid), not to you (uid \(getuid())): remove it")
        }
        if info.st_mode & 0o777 != 0o700 && chmod(path, 0o700) != 0 {
            throw Problem(description: "cannot make \(path) private (mode 0700): \(SystemError.last("chmod").description)")
        }
    }

    /// Why a Unix socket cannot be bound at `path`, or nil if it can: sockaddr_un holds 107
    /// bytes and a NUL, and a longer path is refused rather than cut short.
    public static func socketPathProblem(_ path: String) -> String? {
        let length = path.utf8.count
        guard length >= Socket.unixPathCapacity else { return nil }
        return "the socket path \(path) is \(length) bytes long, but a Unix socket's address holds at most \(Socket.unixPathCapacity - 1): "
            + "use shorter account or token names (the socket is ACCOUNT.sock or ACCOUNT.TOKEN.sock) or a shorter runtime directory"
    }

    /// Makes `path` free for a new listening socket: nothing there is fine; a socket nobody
    /// answers on (left by a daemon that died) is removed; a socket that answers means another
    /// daemon is running; anything else (file, symlink, directory) is refused, never removed.
    public static func claimSocketPath(_ path: String) throws(Problem) {
        if let problem = socketPathProblem(path) { throw Problem(description: problem) }
        var info = stat()
        if lstat(path, &info) != 0 {
            if errno == ENOENT { return }
            throw Problem(description: "cannot inspect \(path): \(SystemError.last("lstat").description)")
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw Problem(description: "refusing to replace \(path): it is not a socket; remove it if it is not yours")
        }
        do {
            _ = try Socket.connectUnix(path: path)
            throw Problem(
                description:
                    "another redirect-catcher is already serving \(path): stop it first (systemctl --user stop redirect-catcher)"
            )
        } catch let error as Problem {
            throw error
        } catch let error as SystemError where error.errno != ECONNREFUSED {
            // Only a refusal proves nobody listens; a full backlog (EAGAIN) or a permission
            // problem may hide a live daemon, whose socket must not be pulled away.
            throw Problem(description: "cannot tell whether \(path) is in use (\(error)); remove it if no redirect-catcher runs")
        } catch {
            if unlink(path) != 0 && errno != ENOENT {
                throw Problem(description: "cannot remove the stale socket \(path): \(SystemError.last("unlink").description)")
            }
        }
    }
}
